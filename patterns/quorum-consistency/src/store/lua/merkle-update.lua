-- merkle-update: the part of the write scripts that keeps this replica's Merkle tree in step with its
-- digest index. Not a script of its own: replica-store.ts puts it in front of put-version.lua,
-- put-versions.lua and drop-tombstone.lua, so each stays one atomic script. The same rule as
-- applyEntryChange in domain/incremental-merkle.ts.
--
-- Tree hash: field = heap index (1 is the root, node i has children 2i and 2i+1, leaf r is 2^depth + r),
-- value = "<16 hex digits>:<keys below>", the XOR of the 64-bit digests of the keys below it. An empty
-- subtree is not stored. Leaves sorted set: member = key, score = its leaf, so the keys under any node (a
-- range of leaves) are listed without reading the whole digest index. Summary hash: "keys" and "bytes"
-- this replica holds, for the full-copy figure. The key names come in as arguments of updateTree.
--
-- Returns  nothing: it defines updateTree and splitEntry for the script it is put in front of

local ZERO = '0000000000000000'

-- XOR of two 64-bit hashes as 16 hex digits, one 32-bit word at a time (Lua's bit library is 32-bit).
local function xor64(a, b)
  local hi = bit.bxor(tonumber(string.sub(a, 1, 8), 16), tonumber(string.sub(b, 1, 8), 16))
  local lo = bit.bxor(tonumber(string.sub(a, 9, 16), 16), tonumber(string.sub(b, 9, 16), 16))
  return bit.tohex(hi, 8) .. bit.tohex(lo, 8)
end

-- A key's digest goes from `before` to `after` (false: absent): every node on its leaf's path XORs in the
-- difference and counts the key in or out; the leaves set and the summary follow.
local function updateTree(treeKey, leavesKey, summaryKey, key, leaf, depth, before, after, bytesDelta)
  if before ~= after then
    local delta = xor64(before or ZERO, after or ZERO)
    local keysDelta = (after and 1 or 0) - (before and 1 or 0)
    local fields = {}
    local node = 2 ^ depth + leaf
    while node >= 1 do
      fields[#fields + 1] = node
      node = math.floor(node / 2)
    end
    local values = redis.call('HMGET', treeKey, unpack(fields))
    local sets, dels = {}, {}
    for i, field in ipairs(fields) do
      local hash, count = ZERO, 0
      local value = values[i]
      if value then
        hash = string.sub(value, 1, 16)
        count = tonumber(string.sub(value, 18))
      end
      count = count + keysDelta
      if count == 0 then
        dels[#dels + 1] = field
      else
        sets[#sets + 1] = field
        sets[#sets + 1] = xor64(hash, delta) .. ':' .. count
      end
    end
    if #sets > 0 then redis.call('HSET', treeKey, unpack(sets)) end
    if #dels > 0 then redis.call('HDEL', treeKey, unpack(dels)) end
    if keysDelta == 1 then redis.call('ZADD', leavesKey, leaf, key) end
    if keysDelta == -1 then redis.call('ZREM', leavesKey, key) end
    if keysDelta ~= 0 then redis.call('HINCRBY', summaryKey, 'keys', keysDelta) end
  end
  if bytesDelta ~= 0 then redis.call('HINCRBY', summaryKey, 'bytes', bytesDelta) end
end

-- A digest index entry "<digest>:<bytes>" split; false, 0 when absent.
local function splitEntry(entry)
  if not entry then return false, 0 end
  local at = string.find(entry, ':', 1, true)
  return string.sub(entry, 1, at - 1), tonumber(string.sub(entry, at + 1))
end

