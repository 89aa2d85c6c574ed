import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// README exercises pasted as written into bash, against the lab the real runner started
// (`pnpm lab up gmail-pubsub --detach --fresh`) at a port offset in its own state dir:
// a README that drifts from the runner, the CLI or the API fails here.
const readme = new URL('../README.md', import.meta.url);
const lab = readmeRunner({ topology, readme });

/** The inline `code` spans of the README section whose heading starts with `heading`, in order. */
function inlineSpans(heading: string): string[] {
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`no README section ${heading}`);
  const rest = text.slice(start + heading.length + 1);
  const end = rest.search(/\n#{2,4} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
}

/** The rows of every `console.table` in `output`, one array per table, cells keyed by column. */
function consoleTables(output: string): Record<string, string>[][] {
  const tables: Record<string, string>[][] = [];
  let columns: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('│')) continue;
    const cells = line
      .split('│')
      .slice(1, -1)
      .map((cell) => cell.trim().replace(/^'(.*)'$/, '$1'));
    if (cells[0] === '(index)') {
      columns = cells;
      tables.push([]);
    } else {
      tables.at(-1)?.push(Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? ''])));
    }
  }
  return tables;
}

describe.skipIf(!lab.usable)('README exercises through the real runner, at a port offset', () => {
  beforeAll(() => lab.upOrThrow(), 130_000);
  afterAll(() => lab.down(), 60_000);

  it('exercise 3 as pasted: history trimmed below the cursor answers HISTORY_EXPIRED, and the ids go on', async () => {
    const [addresses] = lab.shellBlocks('## Lab exercises');
    const spans = inlineSpans('### 3. Trim history below');
    // The steps' commands (the page's open/disconnect/connect aside), and what the README says they answer.
    const commands = spans.filter((s) => /^(mail|for|curl) /.test(s));
    expect(commands).toHaveLength(6);
    const trimmed = spans[spans.findIndex((s) => s.includes('/history/trim')) + 1] ?? '';
    const run = await lab.bash(
      `set -e\n${addresses}\n${commands.map((c, i) => `echo "--- ${i}"\n${c}\necho`).join('\n')}`,
    );
    expect(run.code, run.stderr).toBe(0);
    const outputs = run.stdout
      .split(/^--- \d+\n/m)
      .slice(1)
      .map((out) => out.trim());
    expect(outputs).toHaveLength(commands.length);
    const [one, two, eight, trim, history, eleven] = outputs.map((out) => out.split('\n'));
    const parse = (line: string | undefined): Record<string, unknown> =>
      JSON.parse(line ?? '{}') as Record<string, unknown>;
    expect(parse(one?.[0])).toMatchObject({ historyId: 1 });
    expect(parse(two?.[0])).toMatchObject({ historyId: 2 });
    expect((eight ?? []).filter(Boolean).map((line) => parse(line).historyId)).toEqual([
      3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    // Step 3 answers exactly what the README prints after its arrow.
    expect(parse(trim?.[0])).toEqual(JSON.parse(trimmed));
    expect(parse(trim?.[0])).toEqual({ historyId: 10, trimmedThrough: 7, removed: 7 });
    // Step 4: the cursor at #2 is past what history still holds: full sync.
    expect(history?.[0]).toContain('HISTORY_EXPIRED');
    expect(history?.[0]).toMatch(/"trimmedThrough":7\b/);
    // The next mail is #11: trimming history never resets the ids.
    expect(parse(eleven?.[0])).toMatchObject({ historyId: 11 });
  }, 60_000);

  it('exercise 7 as pasted: socket.io replays within the recovery window, history covers beyond it and on the pubsub engine', async () => {
    const [steps] = lab.shellBlocks('### 7. Compare the engines');
    const run = await lab.bash(`set -e\n${steps}`, 240_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const tables = consoleTables(run.stdout);
    expect(tables, run.stdout).toHaveLength(2);
    const [adapter, pubsub] = tables;
    const row = (r: Record<string, string> | undefined) => ({
      reconnect: r?.reconnect,
      sessionRecovered: r?.sessionRecovered,
      replayedBySocketIo: Number(r?.replayedBySocketIo),
      fromHistory: Number(r?.fromHistory),
      duplicates: Number(r?.duplicates),
      handedToApp: r?.handedToApp,
    });
    // socketio-adapter, within the window: socket.io recovered the session and replayed all 100 from its stream.
    expect(row(adapter?.[0])).toEqual({
      reconnect: 'within the recovery window',
      sessionRecovered: 'true',
      replayedBySocketIo: 100,
      fromHistory: 0,
      duplicates: 0,
      handedToApp: '100/100',
    });
    // Beyond the window, and on the pubsub engine either way: a new socket, all 100 from history by historyId.
    const fromHistory = {
      sessionRecovered: 'false',
      replayedBySocketIo: 0,
      fromHistory: 100,
      duplicates: 0,
      handedToApp: '100/100',
    };
    expect(row(adapter?.[1])).toEqual({ reconnect: 'beyond the recovery window', ...fromHistory });
    expect(pubsub?.map(row)).toEqual([
      { reconnect: 'within the recovery window', ...fromHistory },
      { reconnect: 'beyond the recovery window', ...fromHistory },
    ]);
  }, 260_000);
});
