-- put-versions: put-version for many keys in one atomic script: anti-entropy's repair and bulk loads, one
-- command (with its own timeout) instead of a pipeline of many (put-version-rule.lua and
-- merkle-update.lua go in front). The batch's changes are flushed into the tree at the end, each node
-- above the batch's leaves written once for the whole batch, unless the caller flushes only in its last batch
-- (anti-entropy's repair: one flush per round writes the nodes the batches share once).
--
-- KEYS[1]  digest index of this replica: key -> "<digest>:<bytes>"
-- KEYS[2]  tombstone index of this replica
-- KEYS[3]  pending changes of this replica's Merkle tree: leaf -> "<16 hex>:<net keys in or out>"
-- KEYS[4]  leaves set of this replica
-- KEYS[5]  summary of this replica
-- KEYS[6]  Merkle tree of this replica: heap index -> "<16 hex>:<keys below>"
-- KEYS[7]  the versions hash of the first key, then one per key, in the order of ARGV's groups
-- ARGV[1]  conflict policy: "vector-clock" or "lww"
-- ARGV[2]  the tree's depth
-- ARGV[3]  the most pending leaves one flush applies; 0: no flush (a later batch of the caller's flushes)
-- ARGV[4]  the first group: the key, its leaf, n, then n strings (version id, version JSON pairs); more
--          groups follow
--
-- Returns  the number of versions added over all keys

local added, at = 0, 4
for k = 7, #KEYS do
  local key, leaf, n = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  local versions = {}
  for i = 1, n do versions[i] = ARGV[at + 2 + i] end
  at = at + 3 + n
  local K = { KEYS[k], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5] }
  added = added + putVersion(K, key, ARGV[1], leaf, versions)
end
local limit = tonumber(ARGV[3])
-- Also when this batch added nothing: earlier batches of the caller's may have left changes pending.
if limit > 0 then flushPending(KEYS[6], KEYS[3], tonumber(ARGV[2]), limit) end
return added
