-- merkle-keys: every (key, digest) under some nodes of this replica's Merkle tree: the keys anti-entropy
-- compares once the tree has told it where the replicas differ. A node is a range of leaves, so one
-- ZRANGEBYSCORE finds its keys; their digests come from one HMGET for all the ranges (a command per range
-- was half of this script's time at 100,000 keys).
--
-- KEYS[1]  leaves of this replica: sorted set, key scored by its leaf
-- KEYS[2]  digest index of this replica: key -> "<digest>:<bytes>"
-- ARGV[1]  first leaf of the first range; ARGV[2] its last leaf (inclusive); then more (first, last) pairs
--
-- Returns  one flat array per range, in the order asked: key1, digest1, key2, digest2, ... (empty when the
--          range holds no key)

-- Redis commands take their arguments from the Lua stack: a few hundred at a time stays well inside it.
local CHUNK = 500

local found, ends = {}, {}
for i = 1, #ARGV, 2 do
  local keys = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i + 1])
  for _, key in ipairs(keys) do found[#found + 1] = key end
  ends[#ends + 1] = #found
end
local entries = {}
for first = 1, #found, CHUNK do
  local last = math.min(first + CHUNK - 1, #found)
  local values = redis.call('HMGET', KEYS[2], unpack(found, first, last))
  for j = 1, #values do entries[first + j - 1] = values[j] end
end
local out, from = {}, 1
for r, last in ipairs(ends) do
  local range = {}
  for j = from, last do
    local entry = entries[j]
    if entry then
      range[#range + 1] = found[j]
      range[#range + 1] = string.sub(entry, 1, string.find(entry, ':', 1, true) - 1)
    end
  end
  out[r] = range
  from = last + 1
end
return out
