/**
 * Every Redis key of this pattern, on every replica. The whole data model:
 * - versions:<key>        hash, version id (canonical clock JSON) -> version JSON; the key's sibling set
 * - digests:index         hash, key -> "<sha1 of the sibling set>:<its size in bytes>"; Merkle trees are built from it
 * - tombstones:index      set of keys whose sibling set holds a tombstone; candidates for collection
 * - hints:<target>        hash, JSON [key, version id] -> version JSON; writes held for a replica that was down
 */
const prefix = 'lab:quorum-consistency';

export const keys = {
  versions: (key: string): string => `${prefix}:versions:${key}`,
  digestIndex: `${prefix}:digests:index`,
  tombstoneIndex: `${prefix}:tombstones:index`,
  hints: (target: string): string => `${prefix}:hints:${target}`,
} as const;
