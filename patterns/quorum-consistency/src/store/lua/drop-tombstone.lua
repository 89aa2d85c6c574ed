-- drop-tombstone: forgets a key whose only version is the given tombstone. The caller has checked that
-- every replica holds that tombstone alone; the check here makes sure nothing newer arrived in between.
-- merkle-update.lua is put in front of this file (its noteChange and splitEntry).
--
-- KEYS[1]  versions hash of the key: version id -> version JSON
-- KEYS[2]  digest index of this replica: key -> "<digest>:<bytes>"
-- KEYS[3]  tombstone index of this replica: set of keys whose sibling set is a single tombstone
-- KEYS[4]  pending changes of this replica's Merkle tree: leaf -> "<16 hex>:<net keys in or out>"
-- KEYS[5]  leaves of this replica: sorted set, key scored by its leaf
-- KEYS[6]  summary of this replica: hash of "keys" and "bytes"
-- ARGV[1]  the key
-- ARGV[2]  the tombstone's version id
-- ARGV[3]  the key's leaf in the tree
--
-- Returns  1 when dropped, 0 when the replica holds something else

if redis.call('HLEN', KEYS[1]) ~= 1 or redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1])
local before, bytesBefore = splitEntry(redis.call('HGET', KEYS[2], ARGV[1]))
redis.call('HDEL', KEYS[2], ARGV[1])
noteChange(KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[3], before, false, -bytesBefore)
redis.call('SREM', KEYS[3], ARGV[1])
return 1
