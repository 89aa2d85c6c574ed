export * from './merkle-tree.ts';
export * from './diff-trees.ts';
export * from './leaf-range.ts';
export * from './node-hash.ts';
