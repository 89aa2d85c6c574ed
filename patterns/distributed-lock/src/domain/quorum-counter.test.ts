import { describe, expect, it } from 'vitest';
import { seededRandom } from '@kvs-lab/shared/testing';
import { proposeNext, tallyRaise, tallyRaiseAtLeast } from './quorum-counter.ts';
import type { RaiseReply } from './quorum-counter.ts';
import { quorumSize } from './quorum.ts';

/** Five in-memory counters with the raise rule of raise-counter.lua, and nodes that go down. */
function simulate(seed: number, issuances: number) {
  const random = seededRandom(seed);
  const values = [0, 0, 0, 0, 0];
  const issued: number[] = [];
  for (let i = 0; i < issuances; i++) {
    // Up to two nodes are down for this issuance, a different pair each time.
    const down = new Set<number>();
    while (down.size < Math.floor(random() * 3)) down.add(Math.floor(random() * 5));
    const up = values.map((_, n) => n).filter((n) => !down.has(n));
    // The read: any majority of the nodes that are up (here: a random one).
    const readers = [...up].sort(() => random() - 0.5).slice(0, quorumSize(5));
    let proposed = proposeNext(readers.map((n) => values[n] ?? 0));
    for (;;) {
      const replies: RaiseReply[] = values.map((v, n) => {
        if (down.has(n)) return { node: String(n), kind: 'unreachable' };
        if (v >= proposed) return { node: String(n), kind: 'behind', current: v };
        values[n] = proposed;
        return { node: String(n), kind: 'raised' };
      });
      const decision = tallyRaise(proposed, replies, 5);
      if (decision.kind === 'issued') {
        issued.push(decision.value);
        break;
      }
      if (decision.kind !== 'retry') throw new Error('a majority was up');
      proposed = decision.next;
    }
  }
  return issued;
}

/**
 * Queue tickets as wait-queue.ts takes them: a proposal from a cache that may be behind (another
 * instance took tickets), raised in one round; when a majority did not raise, those replies are the
 * read and the write-back proposes above them, counted as a ticket counts (at least, not unique).
 */
function simulateCachedTickets(seed: number, issuances: number) {
  const random = seededRandom(seed);
  const values = [0, 0, 0, 0, 0];
  const issued: number[] = [];
  const raise = (proposed: number, down: ReadonlySet<number>): RaiseReply[] =>
    values.map((v, n) => {
      if (down.has(n)) return { node: String(n), kind: 'unreachable' };
      if (v >= proposed) return { node: String(n), kind: 'behind', current: v };
      values[n] = proposed;
      return { node: String(n), kind: 'raised' };
    });
  for (let i = 0; i < issuances; i++) {
    const down = new Set<number>();
    while (down.size < Math.floor(random() * 3)) down.add(Math.floor(random() * 5));
    const cached = 1 + Math.floor(random() * ((issued.at(-1) ?? 0) + 2));
    const first = tallyRaise(cached, raise(cached, down), 5);
    const decision =
      first.kind === 'retry' ? tallyRaiseAtLeast(first.next, raise(first.next, down), 5) : first;
    if (decision.kind !== 'issued') throw new Error('a majority was up');
    issued.push(decision.value);
  }
  return issued;
}

describe('quorum counter', () => {
  it('when up to 2 of 5 nodes are down at each issuance (a different pair each time), then numbers strictly increase', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const issued = simulate(seed, 300);
      for (let i = 1; i < issued.length; i++) expect(issued[i]).toBeGreaterThan(issued[i - 1] ?? 0);
    }
  });

  it('when tickets are proposed from a stale cache, one round or two, with up to 2 of 5 nodes down, then they strictly increase', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const issued = simulateCachedTickets(seed, 200);
      for (let i = 1; i < issued.length; i++) expect(issued[i]).toBeGreaterThan(issued[i - 1] ?? 0);
    }
  });

  it('INCR on each node and taking the max goes backwards when the nodes answering change (why write-back is needed)', () => {
    // Node a counted alone while the others were down; then a goes down.
    const values = { a: 10, b: 1, c: 1, d: 1, e: 1 };
    const incrMax = (nodes: (keyof typeof values)[]) => Math.max(...nodes.map((n) => ++values[n]));
    const first = incrMax(['a', 'b', 'c']);
    const second = incrMax(['c', 'd', 'e']);
    expect(second).toBeLessThan(first);
  });

  it('when a majority raised the proposal, then it is issued', () => {
    const replies: RaiseReply[] = [
      { node: 'a', kind: 'raised' },
      { node: 'b', kind: 'raised' },
      { node: 'c', kind: 'raised' },
      { node: 'd', kind: 'behind', current: 9 },
      { node: 'e', kind: 'unreachable' },
    ];
    expect(tallyRaise(5, replies, 5)).toEqual({ kind: 'issued', value: 5 });
  });

  it('when another caller raised past the proposal on some nodes, then the next proposal is above all it saw', () => {
    const replies: RaiseReply[] = [
      { node: 'a', kind: 'raised' },
      { node: 'b', kind: 'raised' },
      { node: 'c', kind: 'behind', current: 6 },
      { node: 'd', kind: 'behind', current: 5 },
      { node: 'e', kind: 'behind', current: 5 },
    ];
    expect(tallyRaise(5, replies, 5)).toEqual({ kind: 'retry', next: 7 });
  });

  it('when fewer than a majority answer, then nothing is issued', () => {
    const replies: RaiseReply[] = [
      { node: 'a', kind: 'raised' },
      { node: 'b', kind: 'raised' },
      { node: 'c', kind: 'unreachable' },
      { node: 'd', kind: 'unreachable' },
      { node: 'e', kind: 'unreachable' },
    ];
    expect(tallyRaise(5, replies, 5)).toEqual({ kind: 'quorum-unavailable', reachable: 2, needed: 3 });
  });
});

describe('tallyRaiseAtLeast (queue tickets)', () => {
  it('when another caller already raised a majority past the proposal, then the ticket still counts: it needs to grow, not to be unique', () => {
    const replies: RaiseReply[] = [
      { node: 'a', kind: 'behind', current: 6 },
      { node: 'b', kind: 'behind', current: 6 },
      { node: 'c', kind: 'raised' },
      { node: 'd', kind: 'unreachable' },
      { node: 'e', kind: 'unreachable' },
    ];
    expect(tallyRaiseAtLeast(6, replies, 5)).toEqual({ kind: 'issued', value: 6 });
    expect(tallyRaiseAtLeast(6, replies.slice(2), 5).kind).toBe('quorum-unavailable');
  });
});

describe('a fencing raise for a lease the nodes no longer hold', () => {
  it('when fewer than a majority still hold our lease, then the token is refused as lapsed, not retried', () => {
    const replies: RaiseReply[] = [
      { node: 'a', kind: 'raised' },
      { node: 'b', kind: 'raised' },
      { node: 'c', kind: 'lapsed' },
      { node: 'd', kind: 'lapsed' },
      { node: 'e', kind: 'lapsed' },
    ];
    expect(tallyRaise(7, replies, 5)).toEqual({ kind: 'lapsed' });
  });

  it('when a majority still holds it but one is behind, then it retries above what that node holds', () => {
    const replies: RaiseReply[] = [
      { node: 'a', kind: 'raised' },
      { node: 'b', kind: 'raised' },
      { node: 'c', kind: 'behind', current: 9 },
      { node: 'd', kind: 'lapsed' },
      { node: 'e', kind: 'unreachable' },
    ];
    expect(tallyRaise(7, replies, 5)).toEqual({ kind: 'retry', next: 10 });
  });
});
