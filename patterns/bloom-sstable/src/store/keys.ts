/**
 * Every Redis key of this pattern. Redis is only the shared L2 cache: one
 * hash per cached key, under an epoch that changes whenever an invalidation
 * could not be written, so an entry that might be stale is never read again.
 */
export const keys = {
  cacheEntry: (epoch: string, key: string): string => `lab:bloom-sstable:cache:${epoch}:${key}`,
} as const;
