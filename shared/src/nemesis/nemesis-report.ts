import type { RunResult } from './nemesis-run.ts';

/** The line printed as each run ends. */
export function progressLine(index: number, total: number, result: RunResult): string {
  const { ok, fail, indeterminate } = result.counts;
  return (
    `run ${index + 1}/${total} seed ${result.seed}: ${result.faultsApplied} faults, ` +
    `${ok} ok / ${fail} failed / ${indeterminate} indeterminate: ${result.valid ? 'valid' : 'INVALID'}`
  );
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => cell.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();
}

/** The closing table, a replay command per failing run, and the pass rate. */
export function finalReport(pattern: string, results: readonly RunResult[], replayFlags: string): string {
  const header = ['run', 'seed', 'faults', 'ok', 'failed', 'indet.', 'verdict'];
  const rows = results.map((r, i) => [
    String(i + 1),
    String(r.seed),
    String(r.faultsApplied),
    String(r.counts.ok),
    String(r.counts.fail),
    String(r.counts.indeterminate),
    r.valid ? 'valid' : 'INVALID',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const lines = [pad(header, widths), ...rows.map((row) => pad(row, widths))];
  for (const r of results.filter((result) => !result.valid)) {
    lines.push(
      '',
      `seed ${r.seed}: ${r.sentence}`,
      `  replay: pnpm lab nemesis ${pattern} --seed ${r.seed} --runs 1${replayFlags}`,
    );
  }
  const validCount = results.filter((r) => r.valid).length;
  lines.push('', `${validCount} of ${results.length} runs valid`);
  return lines.join('\n');
}
