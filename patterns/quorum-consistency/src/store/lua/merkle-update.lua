-- merkle-update: the part of the write scripts that keeps this replica's Merkle tree in step with its
-- digest index, and the flush that brings the tree up to date before a read. Not a script of its own:
-- replica-store.ts puts it in front of put-version.lua, put-versions.lua, drop-tombstone.lua and
-- merkle-nodes.lua, so each stays one atomic script. The same rules as recordChange and flushChanges in
-- domain/deferred-merkle.ts.
--
-- Tree hash: field = heap index (1 is the root, node i has children 2i and 2i+1, leaf r is 2^depth + r),
-- value = "<16 hex digits>:<keys below>", the XOR of the 64-bit digests of the keys below it. An empty
-- subtree is not stored. A write does not touch it: it records its change at its leaf in the pending
-- hash (field = leaf r, value = "<XOR of the digest changes>:<net keys in or out>"), one field instead of
-- the depth+1 nodes of its path; a flush applies a batch of pending leaves, each node above them once.
-- Leaves sorted set: member = key, score = its leaf, so the keys under any node (a range of leaves) are
-- listed without reading the whole digest index. Summary hash: "keys" and "bytes" this replica holds, for
-- the full-copy figure. The key names come in as arguments of the functions.
--
-- Returns  nothing: it defines noteChange, flushPending and splitEntry for the script it is put in front of

local ZERO = '0000000000000000'
local WORD = 4294967296

-- A 64-bit hash in 16 hex digits as two 32-bit words (Lua's bit library is 32-bit), and back. Numbers are
-- turned into strings with string.format('%d' / '%x'): Lua's own number-to-string goes through %.14g,
-- several times slower, and a flush does it for thousands of nodes.
local function wordsOf(hex)
  return tonumber(string.sub(hex, 1, 8), 16), tonumber(string.sub(hex, 9, 16), 16)
end

local function entryOf(hi, lo, count)
  return string.format('%08x%08x:%d', hi % WORD, lo % WORD, count)
end

-- A key's digest goes from `before` to `after` (false: absent): its leaf's pending change XORs in the
-- difference and counts the key in or out (a leaf whose changes cancel out waits for nothing); the
-- leaves set and the summary follow at once.
local function noteChange(pendingKey, leavesKey, summaryKey, key, leaf, before, after, bytesDelta)
  if before ~= after then
    local keysDelta = (after and 1 or 0) - (before and 1 or 0)
    local hi, lo = wordsOf(before or ZERO)
    local afterHi, afterLo = wordsOf(after or ZERO)
    hi, lo = bit.bxor(hi, afterHi), bit.bxor(lo, afterLo)
    local net = keysDelta
    local waiting = redis.call('HGET', pendingKey, leaf)
    if waiting then
      local waitingHi, waitingLo = wordsOf(waiting)
      hi, lo = bit.bxor(hi, waitingHi), bit.bxor(lo, waitingLo)
      net = net + tonumber(string.sub(waiting, 18))
    end
    if hi == 0 and lo == 0 and net == 0 then
      redis.call('HDEL', pendingKey, leaf)
    else
      redis.call('HSET', pendingKey, leaf, entryOf(hi, lo, net))
    end
    if keysDelta == 1 then redis.call('ZADD', leavesKey, leaf, key) end
    if keysDelta == -1 then redis.call('ZREM', leavesKey, key) end
    if keysDelta ~= 0 then redis.call('HINCRBY', summaryKey, 'keys', keysDelta) end
  end
  if bytesDelta ~= 0 then redis.call('HINCRBY', summaryKey, 'bytes', bytesDelta) end
end

-- Redis commands take their arguments from the Lua stack: a few hundred at a time stays well inside it.
local CHUNK = 200

-- Applies up to about `limit` pending leaves to the tree (all of them when that many or fewer wait):
-- each node above them gets the combination of its changed children's changes, read and written once.
-- Returns how many pending leaves still wait.
local function flushPending(treeKey, pendingKey, depth, limit)
  local waiting = redis.call('HLEN', pendingKey)
  if waiting == 0 then return 0 end
  local flat
  if waiting <= limit then
    flat = redis.call('HGETALL', pendingKey)
  else
    flat = redis.call('HSCAN', pendingKey, 0, 'COUNT', limit)[2]
  end
  -- The change of each node, as three tables by heap index (no table per node): the two words of the
  -- XOR of its digest changes, and its net keys in or out. `level` lists one level's nodes, leaves first.
  local his, los, counts = {}, {}, {}
  local taken, level = {}, {}
  local base = 2 ^ depth
  for i = 1, #flat, 2 do
    local node = base + tonumber(flat[i])
    taken[#taken + 1] = flat[i]
    level[#level + 1] = node
    his[node], los[node] = wordsOf(flat[i + 1])
    counts[node] = tonumber(string.sub(flat[i + 1], 18))
  end
  -- Level by level up to the root: a parent's change combines its changed children's.
  local nodes = {}
  while #level > 0 do
    local parents = {}
    for _, node in ipairs(level) do
      nodes[#nodes + 1] = node
      if node > 1 then
        local parent = math.floor(node / 2)
        if counts[parent] then
          his[parent] = bit.bxor(his[parent], his[node])
          los[parent] = bit.bxor(los[parent], los[node])
          counts[parent] = counts[parent] + counts[node]
        else
          his[parent], los[parent], counts[parent] = his[node], los[node], counts[node]
          parents[#parents + 1] = parent
        end
      end
    end
    level = parents
  end
  for first = 1, #nodes, CHUNK do
    local last = math.min(first + CHUNK - 1, #nodes)
    local fields = {}
    for i = first, last do fields[#fields + 1] = string.format('%d', nodes[i]) end
    local values = redis.call('HMGET', treeKey, unpack(fields))
    local sets, dels = {}, {}
    for j, field in ipairs(fields) do
      local node = nodes[first + j - 1]
      local hi, lo, count = his[node], los[node], counts[node]
      -- Changes that cancel out (a key written and written back) leave the node as it is.
      if hi ~= 0 or lo ~= 0 or count ~= 0 then
        local value = values[j]
        if value then
          local storedHi, storedLo = wordsOf(value)
          hi, lo = bit.bxor(hi, storedHi), bit.bxor(lo, storedLo)
          count = count + tonumber(string.sub(value, 18))
        end
        if count == 0 then
          dels[#dels + 1] = field
        else
          sets[#sets + 1] = field
          sets[#sets + 1] = entryOf(hi, lo, count)
        end
      end
    end
    if #sets > 0 then redis.call('HSET', treeKey, unpack(sets)) end
    if #dels > 0 then redis.call('HDEL', treeKey, unpack(dels)) end
  end
  for first = 1, #taken, CHUNK do
    redis.call('HDEL', pendingKey, unpack(taken, first, math.min(first + CHUNK - 1, #taken)))
  end
  return waiting - #taken
end

-- A digest index entry "<digest>:<bytes>" split; false, 0 when absent.
local function splitEntry(entry)
  if not entry then return false, 0 end
  local at = string.find(entry, ':', 1, true)
  return string.sub(entry, 1, at - 1), tonumber(string.sub(entry, at + 1))
end
