/**
 * Every Redis key of this pattern, on every replica. The whole data model:
 * - versions:<key>        hash, version id (canonical clock JSON) -> version JSON; the key's sibling set
 * - digests:index         hash, key -> "<digest of the sibling set: 16 hex>:<its size in bytes>"
 * - merkle:tree           hash, heap index -> "<XOR of the digests below: 16 hex>:<keys below>"; flushed from merkle:pending
 * - merkle:pending        hash, leaf -> "<XOR of the digest changes not yet in the tree: 16 hex>:<net keys in or out>"
 * - merkle:leaves         sorted set, key scored by its leaf in the tree: the keys under any node
 * - merkle:summary        hash, keys and bytes this replica holds
 * - tombstones:index      set of keys whose sibling set is a single tombstone; candidates for collection
 * - hints:<target>        hash, JSON [key, version id] -> version JSON; writes held for a replica that was down
 */
const prefix = 'lab:quorum-consistency';

export const keys = {
  versions: (key: string): string => `${prefix}:versions:${key}`,
  digestIndex: `${prefix}:digests:index`,
  merkleTree: `${prefix}:merkle:tree`,
  merklePending: `${prefix}:merkle:pending`,
  merkleLeaves: `${prefix}:merkle:leaves`,
  merkleSummary: `${prefix}:merkle:summary`,
  tombstoneIndex: `${prefix}:tombstones:index`,
  hints: (target: string): string => `${prefix}:hints:${target}`,
} as const;
