import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { RingLiveEvents } from './events.ts';

type Committed = RingLiveEvents['entry:committed'];

const voteKinds = new Set(['request-vote', 'vote-granted', 'vote-denied']);
/** Enough for the last few elections of a five-node ring, each request and answer. */
const votesKept = 80;
const commitsKept = 12;

/**
 * What a live view opened now must be given to draw what one open all along draws: the
 * recent election messages (the picture's "how this term was won") and the newest
 * committed writes. Heartbeats are not kept: they are the present, redrawn every 100 ms.
 */
export class LiveMemory {
  private readonly votes: ProtocolMessage[] = [];
  private readonly commits: Committed[] = [];

  noteMessages(messages: readonly ProtocolMessage[]): void {
    for (const m of messages) if (voteKinds.has(m.kind)) this.votes.push(m);
    if (this.votes.length > votesKept) this.votes.splice(0, this.votes.length - votesKept);
  }

  noteCommitted(entry: Committed): void {
    // No-ops carry no key: they mark a new leader's term, not a client's write.
    if (entry.key === null) return;
    this.commits.unshift(entry);
    if (this.commits.length > commitsKept) this.commits.length = commitsKept;
  }

  snapshot(): { readonly votes: readonly ProtocolMessage[]; readonly commits: readonly Committed[] } {
    return { votes: [...this.votes], commits: [...this.commits] };
  }
}
