export * from './vector-clock.ts';
export * from './merge.ts';
export * from './compare.ts';
export * from './reconcile.ts';
export * from './prune.ts';
export * from './clock-json.ts';
export * from './invalid-vector-clock-error.ts';
