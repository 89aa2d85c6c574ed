import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PortOwner {
  readonly pid: number;
  readonly command: string;
}

const listenState = '0A';

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const columns = row.trim().split(/\s+/);
      const local = columns[1];
      if (!local || columns[3] !== listenState) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && columns[9]) {
        inodes.add(columns[9]);
      }
    }
  }
  return inodes;
}

/** The command line of a process, or undefined where procfs is missing or the process is gone. */
export function processCommand(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const command = raw.split('\0').filter(Boolean).join(' ');
    return command === '' ? undefined : command;
  } catch {
    return undefined;
  }
}

/**
 * Which process listens on a TCP port, found through procfs (Linux only; only
 * processes this user may inspect). Undefined when it cannot be told: callers
 * still name the port, this only adds who holds it.
 */
export function findPortOwner(port: number): PortOwner | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        return { pid: Number(pid), command: processCommand(Number(pid)) ?? '?' };
      }
    }
  }
  return undefined;
}
