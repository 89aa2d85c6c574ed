-- drop-tombstone: forgets a key whose only version is the given tombstone. The caller has checked that
-- every replica holds that tombstone alone; the check here makes sure nothing newer arrived in between.
-- merkle-update.lua is put in front of this file (its updateTree and splitEntry).
--
-- KEYS[1]  versions hash of the key: version id -> version JSON
-- KEYS[2]  digest index of this replica: key -> "<digest>:<bytes>"
-- KEYS[3]  tombstone index of this replica: set of keys whose sibling set is a single tombstone
-- KEYS[4]  Merkle tree of this replica: heap index -> "<16 hex>:<keys below>"
-- KEYS[5]  leaves of this replica: sorted set, key scored by its leaf
-- KEYS[6]  summary of this replica: hash of "keys" and "bytes"
-- ARGV[1]  the key
-- ARGV[2]  the tombstone's version id
-- ARGV[3]  the key's leaf in the tree
-- ARGV[4]  the tree's depth
--
-- Returns  1 when dropped, 0 when the replica holds something else

if redis.call('HLEN', KEYS[1]) ~= 1 or redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1])
local before, bytesBefore = splitEntry(redis.call('HGET', KEYS[2], ARGV[1]))
redis.call('HDEL', KEYS[2], ARGV[1])
updateTree(KEYS[4], KEYS[5], KEYS[6], ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]), before, false, -bytesBefore)
redis.call('SREM', KEYS[3], ARGV[1])
return 1
