-- put-version: adds versions of one key to this replica's sibling set, atomically, so two coordinators
-- writing the same key cannot lose a sibling. The rule (an antichain of versions, or the newest under
-- "lww") is in put-version-rule.lua and the Merkle tree's upkeep in merkle-update.lua, both put in front
-- of this file. The write records its change at its leaf only; the nodes above wait for the next flush.
--
-- KEYS[1]  versions hash of the key: version id -> version JSON
-- KEYS[2]  digest index of this replica: key -> "<digest: 16 hex of sha1>:<bytes of the set>"
-- KEYS[3]  tombstone index of this replica: set of keys whose sibling set is a single tombstone
-- KEYS[4]  pending changes of this replica's Merkle tree: leaf -> "<16 hex>:<net keys in or out>"
-- KEYS[5]  leaves of this replica: sorted set, key scored by its leaf
-- KEYS[6]  summary of this replica: hash of "keys" and "bytes"
-- ARGV[1]  the key (field in the digest index, member of the tombstone index)
-- ARGV[2]  conflict policy: "vector-clock" or "lww"
-- ARGV[3]  the key's leaf in the tree (murmur3 range, computed by the caller)
-- ARGV[4]  version id (canonical clock JSON: {"node":{"counter":n,"timestamp":t}})
-- ARGV[5]  version JSON: {"value":string|null,"isTombstone":bool,"writtenAt":ms,"writer":string}
-- ARGV[6]  then more (id, JSON) pairs, as ARGV[4] and ARGV[5]
--
-- Returns  the number of versions added (0: the replica already held them or something newer)

local versions = {}
for i = 4, #ARGV do versions[#versions + 1] = ARGV[i] end
return putVersion(KEYS, ARGV[1], ARGV[2], ARGV[3], versions)
