-- merkle-keys: every (key, digest) under some nodes of this replica's Merkle tree: the keys anti-entropy
-- compares once the tree has told it where the replicas differ. A node is a range of leaves, so one
-- ZRANGEBYSCORE finds its keys.
--
-- KEYS[1]  leaves of this replica: sorted set, key scored by its leaf
-- KEYS[2]  digest index of this replica: key -> "<digest>:<bytes>"
-- ARGV[1]  first leaf of the first range; ARGV[2] its last leaf (inclusive); then more (first, last) pairs
--
-- Returns  a flat array key1, digest1, key2, digest2, ... over all the ranges (empty when none holds a key)

local out = {}
for i = 1, #ARGV, 2 do
  local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i + 1])
  if #found > 0 then
    local entries = redis.call('HMGET', KEYS[2], unpack(found))
    for j, key in ipairs(found) do
      local entry = entries[j]
      if entry then
        out[#out + 1] = key
        out[#out + 1] = string.sub(entry, 1, string.find(entry, ':', 1, true) - 1)
      end
    end
  end
end
return out
