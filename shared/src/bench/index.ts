export { startBaselineServer } from './baseline-server.ts';
export { interleave, MedianResults } from './interleave.ts';
export type { Measurement } from './interleave.ts';
export { runLoad, runLoop } from './load.ts';
export type { LoadOptions, LoadResult } from './load.ts';
export { renderReport, withRatios, writeReport } from './report.ts';
export type { BenchReport, BenchRow } from './report.ts';
export { runBench } from './run-bench.ts';
export type { BenchContext, BenchDefinition } from './run-bench.ts';
