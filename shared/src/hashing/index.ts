export * from './murmur3-32.ts';
export * from './murmur3-128.ts';
export * from './hash-ring.ts';
export * from './jump-consistent-hash.ts';
export * from './rendezvous.ts';
