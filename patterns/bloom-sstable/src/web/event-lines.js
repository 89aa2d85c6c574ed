// One short line per live event for the kit's event log, instead of the payload's JSON (a flush
// carries the whole tree): the picture shows the state, the log says what happened, in order.

import { readHeadline } from './read-path.js';

const files = (list) => list.map((f) => `#${f}`).join(' ') || 'none';

/** "memtable:flushed 300 entries → L0 #11" */
export function eventLine(event, payload) {
  switch (event) {
    case 'write:applied':
      return `${event} ${payload.kind} ${payload.key} seq ${payload.seq}`;
    case 'memtable:flushed':
      return payload.report.fileNumber === null
        ? `${event} (LevelDB: file not reported)`
        : `${event} ${payload.report.entries} entries → L0 #${payload.report.fileNumber}`;
    case 'compaction:finished': {
      const r = payload.report;
      return `${event} L${r.level} ${files(r.inputFiles)} → L${r.outputLevel} ${files(r.outputFiles)}`;
    }
    case 'stall:changed':
      return `${event} ${payload.state}`;
    case 'read:traced':
      return `${event} ${readHeadline(payload)}`;
    default:
      return event;
  }
}
