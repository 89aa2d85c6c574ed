export * from './fault-schedule.ts';
export * from './workload.ts';
export { runOnce, healAll, type RunOptions, type RunResult } from './nemesis-run.ts';
export { nemesisCommand, parseDuration, parseRate, type NemesisFlags } from './nemesis-command.ts';
