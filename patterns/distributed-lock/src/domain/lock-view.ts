import { quorumSize } from './quorum.ts';

/** What one lock node holds for a resource, as its view script reports it. */
export type NodeLockState =
  | {
      readonly node: string;
      readonly kind: 'up';
      /** The lease secret on this node, or null when free; compared, never shown. */
      readonly token: string | null;
      readonly owner: string | null;
      readonly instance: string | null;
      readonly fencingToken: number | null;
      readonly ttlMs: number | null;
      readonly fencingCounter: number;
      readonly queue: readonly QueueEntry[];
    }
  | { readonly node: string; readonly kind: 'recovering'; readonly remainingMs: number }
  | { readonly node: string; readonly kind: 'unreachable'; readonly reason: string };

/** A waiter in a resource's FIFO queue: ordered by ticket, ties by member. */
export interface QueueEntry {
  readonly member: string;
  readonly ticket: number;
}

export interface WaiterView {
  readonly waiter: string;
  readonly owner: string;
  readonly instance: string;
  readonly ticket: number;
  /** On how many nodes this waiter is registered: it blocks later tickets once a majority knows it. */
  readonly nodes: number;
}

export interface LockView {
  /** True when one lease holds a majority of the nodes. */
  readonly isHeld: boolean;
  readonly holder: {
    readonly owner: string;
    readonly instance: string;
    readonly fencingToken: number | null;
    readonly ttlMs: number;
    readonly nodes: readonly string[];
  } | null;
  readonly queue: readonly WaiterView[];
  readonly fencingCounter: number;
  readonly nodes: readonly {
    readonly node: string;
    readonly status: 'holder' | 'other-lease' | 'free' | 'recovering' | 'unreachable';
    readonly owner?: string;
    readonly ttlMs?: number;
    readonly fencingCounter?: number;
    readonly detail?: string;
  }[];
}

/** Parses the queue member the service writes: `<id>:<instance>:<owner>`. */
export function waiterMember(parts: { id: string; instance: string; owner: string }): string {
  return `${parts.id}:${parts.instance}:${parts.owner}`;
}

function splitMember(member: string): { owner: string; instance: string } {
  const [, instance = '', ...owner] = member.split(':');
  return { instance, owner: owner.join(':') };
}

/** Orders waiters as every node does: by ticket, then by member for equal tickets. */
export function compareQueueEntries(a: QueueEntry, b: QueueEntry): number {
  if (a.ticket !== b.ticket) return a.ticket - b.ticket;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

/** Combines the per-node states into one picture: who holds it (by majority), the queue, each node. */
export function summarizeLockView(states: readonly NodeLockState[], nodeCount: number): LockView {
  const needed = quorumSize(nodeCount);
  const up = states.flatMap((s) => (s.kind === 'up' ? [s] : []));
  const byToken = new Map<string, typeof up>();
  for (const s of up) {
    if (s.token === null) continue;
    byToken.set(s.token, [...(byToken.get(s.token) ?? []), s]);
  }
  const majority = [...byToken.entries()].find(([, holders]) => holders.length >= needed);
  const holderToken = majority?.[0];
  const holders = majority?.[1] ?? [];
  const first = holders[0];

  const waiters = new Map<string, { ticket: number; nodes: number }>();
  for (const s of up) {
    for (const entry of s.queue) {
      const seen = waiters.get(entry.member);
      waiters.set(entry.member, { ticket: entry.ticket, nodes: (seen?.nodes ?? 0) + 1 });
    }
  }
  const queue = [...waiters.entries()]
    .map(([member, w]) => ({ member, ticket: w.ticket, nodes: w.nodes }))
    .sort(compareQueueEntries)
    .map(({ member, ticket, nodes }) => ({ waiter: member, ticket, nodes, ...splitMember(member) }));

  return {
    isHeld: majority !== undefined,
    holder: first
      ? {
          owner: first.owner ?? '',
          instance: first.instance ?? '',
          fencingToken: Math.max(...holders.map((h) => h.fencingToken ?? 0)) || null,
          ttlMs: Math.min(...holders.map((h) => h.ttlMs ?? 0)),
          nodes: holders.map((h) => h.node),
        }
      : null,
    queue,
    fencingCounter: Math.max(0, ...up.map((s) => s.fencingCounter)),
    nodes: states.map((s) => {
      switch (s.kind) {
        case 'unreachable':
          return { node: s.node, status: 'unreachable' as const, detail: s.reason };
        case 'recovering':
          return { node: s.node, status: 'recovering' as const, ttlMs: s.remainingMs };
        case 'up': {
          const base = { node: s.node, fencingCounter: s.fencingCounter };
          if (s.token === null) return { ...base, status: 'free' as const };
          return {
            ...base,
            status: s.token === holderToken ? ('holder' as const) : ('other-lease' as const),
            owner: s.owner ?? '',
            ttlMs: s.ttlMs ?? 0,
          };
        }
      }
    }),
  };
}
