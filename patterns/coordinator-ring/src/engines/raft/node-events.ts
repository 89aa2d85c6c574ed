import type { ProtocolMessage } from '@kvs-lab/shared/history';
import { lastIndex } from '../../domain/replicated-log.ts';
import type { LogEntry } from '../../domain/replicated-log.ts';
import type { RingEventName, RingLiveEvents } from '../../realtime/events.ts';
import type { NodeProgress } from '../ring-engine.ts';
import type { RaftNode } from './node-state.ts';

const maxSightings = 1000;

/** Tells the live view (and whoever listens) what just happened on this node. */
export function emit<K extends RingEventName>(node: RaftNode, event: K, payload: RingLiveEvents[K]): void {
  for (const listener of node.listeners) listener(event, payload);
}

/** One protocol step's messages, sent or received here: the trace and the live view hear of them. */
export function traceMessages(node: RaftNode, messages: readonly ProtocolMessage[]): void {
  if (messages.length === 0) return;
  for (const listener of node.messageListeners) listener(messages);
}

export function emitRole(node: RaftNode): void {
  const s = node.state;
  emit(node, 'node:role', { id: node.id, role: s.role, term: s.election.currentTerm, leaderId: s.leaderId });
}

export function emitAppended(node: RaftNode, entry: LogEntry): void {
  const command = entry.command;
  emit(node, 'entry:appended', {
    index: entry.index,
    term: entry.term,
    key: command.type === 'noop' ? null : command.key,
    clock: command.type === 'noop' ? null : command.clock,
  });
}

/** The leaders this node saw, term by term: the checker's evidence for "one leader per term". */
export function recordSighting(node: RaftNode, term: number, leaderId: string): void {
  const sightings = node.state.sightings;
  const last = sightings[sightings.length - 1];
  if (last && last.term === term && last.leaderId === leaderId) return;
  sightings.push({ term, leaderId });
  if (sightings.length > maxSightings) sightings.shift();
}

/** What this node gossips about itself. */
export function progressOf(node: RaftNode): NodeProgress {
  const s = node.state;
  return {
    term: s.election.currentTerm,
    role: s.role,
    commitIndex: s.commitIndex,
    lastLogIndex: lastIndex(s.log),
  };
}
