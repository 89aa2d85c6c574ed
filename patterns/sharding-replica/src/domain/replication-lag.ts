/**
 * Replication lag in bytes of the replication stream: how far the replica's
 * offset trails the master's. Redis acknowledges a write before the replica
 * has it (asynchronous replication), so a non-zero lag is the window of
 * acknowledged writes a failover would lose right now.
 */
export interface ReplicationLag {
  readonly masterOffset: number | undefined;
  readonly replicaOffset: number | undefined;
  /** undefined when either side did not answer. */
  readonly bytes: number | undefined;
}

/** How far the replica trails its master, in bytes of replication offset; never negative. */
export function replicationLag(
  masterOffset: number | undefined,
  replicaOffset: number | undefined,
): ReplicationLag {
  const bytes =
    masterOffset === undefined || replicaOffset === undefined
      ? undefined
      : Math.max(0, masterOffset - replicaOffset);
  return { masterOffset, replicaOffset, bytes };
}

/** The fields of an `INFO replication` reply, as a map. */
export function parseInfo(text: string): Readonly<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

/** What a `ROLE` reply says: a master's offset, or a replica's master, link state and offset. */
export type RoleReply =
  | { readonly role: 'master'; readonly offset: number }
  | {
      readonly role: 'replica';
      /** `host:port` of the master it follows. */
      readonly following: string;
      /** Redis's words: `connect`, `connecting`, `sync` or `connected`. */
      readonly state: string;
      readonly offset: number;
    }
  | { readonly role: 'other' };

/** Reads a `ROLE` reply (`[master, offset, replicas]` or `[slave, host, port, state, offset]`). */
export function parseRole(reply: unknown): RoleReply {
  if (!Array.isArray(reply)) return { role: 'other' };
  const [kind, a, b, c, d] = reply as unknown[];
  if (kind === 'master') return { role: 'master', offset: Number(a) };
  if (kind === 'slave') {
    return { role: 'replica', following: `${String(a)}:${String(b)}`, state: String(c), offset: Number(d) };
  }
  return { role: 'other' };
}
