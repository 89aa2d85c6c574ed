import { proposeNext, tallyRaise, tallyRaiseAtLeast } from '../../domain/quorum-counter.ts';
import { raiseMessages } from '../../domain/attempt-view.ts';
import { quorumSize } from '../../domain/quorum.ts';
import type { RedlockContext } from './redlock-context.ts';

export type CounterResult =
  | { kind: 'issued'; value: number }
  | { kind: 'quorum-unavailable'; reachable: number; needed: number; grantedBy: readonly string[] };

// Only a broken exclusion makes two callers race for one fencing token; a few rounds settle it.
const maxCounterRounds = 10;

/**
 * A strictly increasing number from the quorum counter (domain/quorum-counter.ts):
 * read a majority (or use `floor`, read with the votes), then write max + 1 back to a majority.
 * With `lease` it is a fencing token (unique, recorded on the lease); without, a queue ticket.
 */
export async function issueCounter(
  ctx: RedlockContext,
  counterKey: string,
  lease: { resource: string; token: string } | null,
  resource: string,
  floor?: number,
): Promise<CounterResult> {
  const { nodes, trace } = ctx;
  const me = ctx.config.instance;
  const quorum = quorumSize(nodes.size);
  let proposed: number;
  const counter = lease ? 'fencing' : 'ticket';
  if (floor === undefined) {
    const read = await nodes.readCounter(counterKey);
    trace([
      ...read.map((r) => ({ from: me, to: r.node, kind: 'ticket-read', detail: { resource } })),
      ...read.map((r) => ({
        from: r.node,
        to: me,
        kind: r.value === null ? 'unreachable' : 'counter',
        detail: { resource, value: r.value },
      })),
    ]);
    const values = read.flatMap((r) => (r.value === null ? [] : [r.value]));
    if (values.length < quorum) {
      return { kind: 'quorum-unavailable', reachable: values.length, needed: quorum, grantedBy: [] };
    }
    proposed = proposeNext(values);
  } else {
    proposed = proposeNext([floor]);
  }
  for (let round = 0; round < maxCounterRounds; round++) {
    const replies = await nodes.raiseCounter(counterKey, proposed, lease ?? undefined);
    trace(raiseMessages(me, { counter, resource, proposed }, replies));
    const decision = lease
      ? tallyRaise(proposed, replies, nodes.size)
      : tallyRaiseAtLeast(proposed, replies, nodes.size);
    if (decision.kind === 'issued') return decision;
    if (decision.kind === 'quorum-unavailable') return { ...decision, grantedBy: [] };
    proposed = decision.next;
  }
  return { kind: 'quorum-unavailable', reachable: nodes.size, needed: quorum, grantedBy: [] };
}
