/**
 * The promises of this pattern, checked over what was recorded:
 *   1. no two leases on one resource had overlapping validity windows;
 *   2. the protected resource accepted fencing tokens in strictly increasing order (on the
 *      resources this history touched, since it began: a fresh history after DELETE /history
 *      is not judged by what an earlier experiment left in the resource's log);
 *   3. every write the resource acknowledged is still in its log.
 * A lease's window runs from the moment its holder learned of it (the acquire
 * completed) to its expiry, moved by extensions and cut short by a release,
 * through this instance or any other (those are heard on the lock nodes and
 * recorded here with the other instance's send time).
 */

import type { CheckVerdict, Operation } from '@kvs-lab/shared/history';

/** One write the protected resource accepted, in acceptance order. */
export interface AcceptedWrite {
  readonly writeId: string;
  readonly fencingToken: number;
  /** When the resource accepted it (its own clock); absent in old entries. */
  readonly atMs?: number;
}

export interface ResourceLog {
  readonly name: string;
  /** Oldest first. */
  readonly accepted: readonly AcceptedWrite[];
  /** Accepted writes older than the retained log (trimmed to bound memory). */
  readonly trimmed: number;
}

interface Lease {
  readonly operation: number;
  readonly resource: string;
  readonly fencingToken: number;
  readonly start: number;
  end: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const numberField = (v: unknown, key: string): number | undefined =>
  isObject(v) && typeof v[key] === 'number' ? v[key] : undefined;
const stringField = (v: unknown, key: string): string | undefined =>
  isObject(v) && typeof v[key] === 'string' ? v[key] : undefined;

/** Leases this instance granted, with windows adjusted by their extensions and releases. */
function leasesOf(operations: readonly Operation[]): Lease[] {
  const byToken = new Map<string, Lease>();
  const key = (resource: string, token: number) => `${resource}#${token}`;
  for (const op of operations) {
    if (op.outcome !== 'ok' || op.completedAt === undefined) continue;
    const resource = stringField(op.input, 'resource');
    if (resource === undefined) continue;
    if (op.kind === 'acquire') {
      const fencingToken = numberField(op.output, 'fencingToken');
      const expiresAtMs = numberField(op.output, 'expiresAtMs');
      if (fencingToken === undefined || expiresAtMs === undefined) continue;
      byToken.set(key(resource, fencingToken), {
        operation: op.id,
        resource,
        fencingToken,
        start: op.completedAt,
        end: expiresAtMs,
      });
      continue;
    }
    const fencingToken = numberField(op.input, 'fencingToken');
    const lease = fencingToken === undefined ? undefined : byToken.get(key(resource, fencingToken));
    if (!lease) continue;
    if (op.kind === 'extend') {
      const expiresAtMs = numberField(op.output, 'expiresAtMs');
      if (expiresAtMs !== undefined) lease.end = Math.max(lease.end, expiresAtMs);
    }
    // The lease may be gone from the nodes as soon as the release is sent. A release sent through
    // another instance was heard on the lock nodes and carries the time it was sent there.
    if (op.kind === 'release')
      lease.end = Math.min(lease.end, numberField(op.input, 'releasedAtMs') ?? op.invokedAt);
  }
  return [...byToken.values()];
}

/**
 * The resources whose logs this history answers for: the ones it acquired or wrote,
 * newest last, at most `max` (the log read costs a round trip per resource).
 */
export function resourcesInHistory(operations: readonly Operation[], max = 200): string[] {
  const names = new Set<string>();
  for (const op of operations) {
    if (op.kind !== 'acquire' && op.kind !== 'write') continue;
    const resource = stringField(op.input, 'resource');
    if (resource === undefined) continue;
    names.delete(resource);
    names.add(resource);
  }
  return [...names].slice(-max);
}

/** Checks the three promises and names the first counter-example. */
export function checkLockHistory(
  operations: readonly Operation[],
  logs: readonly ResourceLog[],
): CheckVerdict {
  const leases = leasesOf(operations);
  const byResource = new Map<string, Lease[]>();
  for (const lease of leases)
    byResource.set(lease.resource, [...(byResource.get(lease.resource) ?? []), lease]);
  for (const [resource, list] of byResource) {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const earlier = sorted[i - 1];
      const later = sorted[i];
      if (earlier && later && later.start < earlier.end) {
        return {
          valid: false,
          summary: `Two holders of "${resource}" at once: the lease with fencing token ${later.fencingToken} was granted ${earlier.end - later.start} ms before the lease with token ${earlier.fencingToken} expired or was released.`,
          firstViolation: { rule: 'no-overlapping-leases', resource, leases: [earlier, later] },
        };
      }
    }
  }

  // Writes accepted before the history began belong to an earlier experiment.
  const since = operations[0]?.invokedAt ?? -Infinity;
  for (const log of logs) {
    for (let i = 1; i < log.accepted.length; i++) {
      const before = log.accepted[i - 1];
      const after = log.accepted[i];
      if (after?.atMs !== undefined && after.atMs < since) continue;
      if (before && after && after.fencingToken <= before.fencingToken) {
        return {
          valid: false,
          summary: `Resource "${log.name}" accepted token ${after.fencingToken} after token ${before.fencingToken}: a stale holder's write got through (is the fencing check off?).`,
          firstViolation: { rule: 'accepted-tokens-increase', resource: log.name, writes: [before, after] },
        };
      }
    }
  }

  const logByName = new Map(logs.map((l) => [l.name, l]));
  let acknowledged = 0;
  for (const op of operations) {
    if (op.kind !== 'write' || op.outcome !== 'ok') continue;
    const writeId = stringField(op.output, 'writeId');
    const name = stringField(op.input, 'resource');
    if (writeId === undefined || name === undefined || !isObject(op.output) || op.output.accepted !== true)
      continue;
    const log = logByName.get(name);
    if (!log) continue;
    // Writes older than the retained log cannot be looked up; the oldest retained token bounds them.
    const oldest = log.accepted[0]?.fencingToken ?? Infinity;
    const token = numberField(op.input, 'fencingToken') ?? 0;
    if (log.trimmed > 0 && token < oldest) continue;
    acknowledged += 1;
    if (!log.accepted.some((w) => w.writeId === writeId)) {
      return {
        valid: false,
        summary: `Write ${writeId} to "${name}" (token ${token}) was acknowledged but is not in the resource's log.`,
        firstViolation: { rule: 'acknowledged-writes-present', resource: name, writeId, operation: op.id },
      };
    }
  }

  const writes = logs.reduce((n, l) => n + l.accepted.length, 0);
  return {
    valid: true,
    summary: `Checked ${leases.length} leases granted here: no two overlapped. ${writes} accepted writes on ${logs.length} resources came in strictly increasing token order, and all ${acknowledged} writes acknowledged here are present.`,
  };
}
