import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// The README's exercise pasted as written into bash, against the ring the real runner started
// (`pnpm lab up coordinator-ring --detach --fresh`) at a port offset in its own state dir:
// a README that drifts from the runner or the API fails here.
const lab = readmeRunner({ topology, readme: new URL('../README.md', import.meta.url) });

interface VoteLine {
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly kind: string;
}

const voteLines = (text: string): VoteLine[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as VoteLine);

describe.skipIf(!lab.usable)('README exercises through the real runner, at a port offset', () => {
  beforeAll(() => lab.upOrThrow(), 130_000);
  afterAll(() => lab.down(), 60_000);

  it('exercise 7 as pasted: the new leader’s trace holds its request-votes and the survivor’s grant, in its term', async () => {
    // The setup block (it restarts the ring fresh, then defines R1..R3, leader, url_of) and exercise 7's block.
    const [setup, steps] = lab.shellBlocks('## Lab exercises');
    expect(steps).toContain('votes $NU');
    // The README's prose then says: run `votes` on the voter, the node neither killed nor elected.
    const voterSide =
      'echo "old=$L new=$N term=$T"\n' +
      'for V in ring-1 ring-2 ring-3; do [ $V = $L ] || [ $V = $N ] || { echo "voter: $V"; votes $(url_of $V); }; done\n';
    const run = await lab.bash(`set -e\n${setup}\n${steps}\n${voterSide}`, 110_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    const [, oldLeader = '', newLeader = '', term = ''] =
      /old=(ring-\d) new=(ring-\d) term=(\d+)/.exec(run.stdout) ?? [];
    expect(newLeader, run.stdout).toMatch(/^ring-\d$/);
    expect(newLeader).not.toBe(oldLeader);
    expect(run.stdout).toContain(`new leader: ${newLeader}`);
    // A fresh ring elects in term 1 at the earliest, so the election after the kill is in a later term.
    expect(Number(term)).toBeGreaterThanOrEqual(2);
    const voter = ['ring-1', 'ring-2', 'ring-3'].find((n) => n !== oldLeader && n !== newLeader) ?? '';

    const [winnerText = '', voterText = ''] = run.stdout.split(`voter: ${voter}\n`);
    const winnerSide = voteLines(winnerText.slice(winnerText.indexOf(`term: ${term}`)));
    const asked = winnerSide
      .filter((e) => e.kind === 'request-vote' && e.from === newLeader)
      .map((e) => e.to);
    expect(new Set(asked), run.stdout).toEqual(new Set([oldLeader, voter]));
    const granted = winnerSide.filter((e) => e.kind === 'vote-granted' && e.to === newLeader);
    // One grant plus the candidate's own vote: 2 of 3, a majority; the killed node said nothing.
    expect(granted.map((e) => e.from)).toContain(voter);
    expect(winnerSide.filter((e) => e.from === oldLeader)).toEqual([]);
    const firstAsk = Math.min(...winnerSide.filter((e) => e.kind === 'request-vote').map((e) => e.seq));
    expect(Math.min(...granted.map((e) => e.seq))).toBeGreaterThan(firstAsk);

    // The voter's own trace tells the same vote from its side, in the same term.
    const fromVoter = voteLines(voterText).map((e) => `${e.kind} ${e.from}->${e.to}`);
    expect(fromVoter, run.stdout).toEqual(
      expect.arrayContaining([`request-vote ${newLeader}->${voter}`, `vote-granted ${voter}->${newLeader}`]),
    );
    expect(fromVoter.filter((line) => line.includes(oldLeader))).toEqual([]);
  }, 120_000);
});
