import { describe, expect, it } from 'vitest';
import { seededRandom } from '@kvs-lab/shared/testing';
import { decideVote, electionTimeoutMs, majority, observeTerm, startElection } from './election.ts';
import type { ElectionState, LogPosition, VoteRequest } from './election.ts';

const pos = (lastLogIndex: number, lastLogTerm: number): LogPosition => ({ lastLogIndex, lastLogTerm });
const ask = (term: number, candidateId: string, at = pos(0, 0)): VoteRequest => ({
  term,
  candidateId,
  ...at,
});

describe('election rules', () => {
  it('majority of 3 is 2 and of 5 is 3: any two majorities share a node', () => {
    expect(majority(3)).toBe(2);
    expect(majority(5)).toBe(3);
    for (let n = 1; n <= 9; n++) expect(2 * majority(n)).toBeGreaterThan(n);
  });

  it('when a voter has voted in a term, then it refuses every other candidate in that term', () => {
    const first = decideVote({ currentTerm: 1, votedFor: null }, pos(0, 0), ask(2, 'a'));
    expect(first.granted).toBe(true);
    const second = decideVote(first.next, pos(0, 0), ask(2, 'b'));
    expect(second.granted).toBe(false);
    const again = decideVote(first.next, pos(0, 0), ask(2, 'a'));
    expect(again.granted).toBe(true);
  });

  it('when a candidate asks with a stale term, then the vote is refused and the state unchanged', () => {
    const state: ElectionState = { currentTerm: 5, votedFor: null };
    const decision = decideVote(state, pos(0, 0), ask(4, 'a'));
    expect(decision.granted).toBe(false);
    expect(decision.next).toBe(state);
  });

  it('when the candidate log is behind, then the vote is refused but the higher term is adopted', () => {
    const decision = decideVote({ currentTerm: 1, votedFor: 'x' }, pos(5, 3), ask(4, 'a', pos(9, 2)));
    expect(decision.granted).toBe(false);
    expect(decision.next).toEqual({ currentTerm: 4, votedFor: null });
    expect(decideVote({ currentTerm: 1, votedFor: null }, pos(5, 3), ask(4, 'a', pos(4, 3))).granted).toBe(
      false,
    );
    expect(decideVote({ currentTerm: 1, votedFor: null }, pos(5, 3), ask(4, 'a', pos(5, 3))).granted).toBe(
      true,
    );
  });

  it('in any random run of vote requests, each voter grants at most one candidate per term', () => {
    const random = seededRandom(42);
    const voters = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const states = new Map<string, ElectionState>(voters.map((v) => [v, { currentTerm: 0, votedFor: null }]));
    const grants = new Map<string, Set<string>>();
    for (let i = 0; i < 5000; i++) {
      const voter = voters[Math.floor(random() * voters.length)] ?? 'v1';
      const candidate = `c${Math.floor(random() * 4)}`;
      const term = 1 + Math.floor(random() * 20);
      const state = states.get(voter) ?? { currentTerm: 0, votedFor: null };
      const decision = decideVote(state, pos(0, 0), ask(term, candidate));
      states.set(voter, decision.next);
      if (decision.granted) {
        const key = `${voter}@${term}`;
        const set = grants.get(key) ?? new Set();
        set.add(candidate);
        grants.set(key, set);
      }
    }
    for (const set of grants.values()) expect(set.size).toBe(1);
  });

  it('when a node sees a higher term, then it adopts it with no vote cast; a lower one changes nothing', () => {
    const state: ElectionState = { currentTerm: 3, votedFor: 'a' };
    expect(observeTerm(state, 7)).toEqual({ currentTerm: 7, votedFor: null });
    expect(observeTerm(state, 2)).toBe(state);
  });

  it('when an election starts, then the term goes up by one and the candidate votes for itself', () => {
    expect(startElection({ currentTerm: 3, votedFor: null }, 'a')).toEqual({ currentTerm: 4, votedFor: 'a' });
  });

  it('election timeouts stay within [min, max]', () => {
    expect(electionTimeoutMs(600, 1200, 0)).toBe(600);
    expect(electionTimeoutMs(600, 1200, 1)).toBe(1200);
    expect(electionTimeoutMs(600, 1200, 0.5)).toBe(900);
  });
});
