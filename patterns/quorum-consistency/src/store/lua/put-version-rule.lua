-- put-version-rule: adds versions of one key to this replica's sibling set, which stays an antichain: a
-- version already held, or one that a held version has seen, is ignored; a new version removes every held
-- version it has seen. Under "lww" the set keeps only the newest by (writtenAt, writer, version id). The
-- replica's Merkle tree records the change at the key's leaf in the same call (merkle-update.lua), so the
-- tree, once flushed, never disagrees with the data. Not a script of its own: it defines
-- putVersion(K, key, policy, leaf, versions), which put-version.lua and put-versions.lua call, one key or
-- many per atomic script.
--
-- K        the key names, in put-version.lua's KEYS order: versions hash of the key, digest index,
--          tombstone index, pending changes of the Merkle tree, leaves set, summary
-- key      the key; policy "vector-clock" or "lww"; leaf: the key's leaf in the tree
-- versions flat list of (version id, version JSON) pairs
--
-- Returns  nothing itself; putVersion returns the number of versions added (0: the replica already held
--          them or something newer)
-- a has seen everything b has: every counter of b is matched in a.

local function descends(a, b)
  for id, entry in pairs(b) do
    local mine = a[id]
    if mine == nil or mine.counter < entry.counter then return false end
  end
  return true
end

local function contains(list, value)
  for _, item in ipairs(list) do
    if item == value then return true end
  end
  return false
end

-- The coordinator writes bodies with JSON.stringify in a fixed field order (version-codec.ts).
local function isTombstoneBody(body)
  return string.find(body, '"isTombstone":true', 1, true) ~= nil
end

-- The same order as isLwwNewer in domain/versioned-value.ts.
local function lwwNewer(aId, a, bId, b)
  if a.writtenAt ~= b.writtenAt then return a.writtenAt > b.writtenAt end
  if a.writer ~= b.writer then return a.writer > b.writer end
  return aId > bId
end

local function putVersion(K, key, policy, leaf, versions)

  -- The set as it stands, read once: ids in order, id -> body.
  local flat = redis.call('HGETALL', K[1])
  local ids, bodies = {}, {}
  for j = 1, #flat, 2 do
    ids[#ids + 1] = flat[j]
    bodies[flat[j]] = flat[j + 1]
  end
  local wasCandidate = #flat == 2 and isTombstoneBody(flat[2])

  local added = 0
  for i = 1, #versions, 2 do
    local id, body = versions[i], versions[i + 1]
    if bodies[id] == nil then
      local isObsolete = false
      local kept = {}
      if policy == 'lww' then
        local version = cjson.decode(body)
        for _, otherId in ipairs(ids) do
          if lwwNewer(otherId, cjson.decode(bodies[otherId]), id, version) then isObsolete = true end
        end
        -- The newest replaces every other version, or nothing changes.
      else
        local clock = cjson.decode(id)
        for _, otherId in ipairs(ids) do
          local otherClock = cjson.decode(otherId)
          if descends(otherClock, clock) then
            isObsolete = true
            break
          end
          if not descends(clock, otherClock) then kept[#kept + 1] = otherId end
        end
      end
      if not isObsolete then
        for _, otherId in ipairs(ids) do
          if policy == 'lww' or not contains(kept, otherId) then
            redis.call('HDEL', K[1], otherId)
            bodies[otherId] = nil
          end
        end
        if policy == 'lww' then kept = {} end
        kept[#kept + 1] = id
        ids = kept
        bodies[id] = body
        redis.call('HSET', K[1], id, body)
        added = added + 1
      end
    end
  end

  if added > 0 then
    -- Digest over the key and its sorted set, so equal sets digest alike on every replica and the tree
    -- (an XOR of digests) cannot mistake one key's set for another's.
    table.sort(ids)
    local parts, bytes, hasTombstone = {}, 0, false
    for _, id in ipairs(ids) do
      local body = bodies[id]
      parts[#parts + 1] = id .. '\n' .. body
      bytes = bytes + #id + #body
      if isTombstoneBody(body) then hasTombstone = true end
    end
    local digest = string.sub(redis.sha1hex(key .. '\n' .. table.concat(parts, '\n')), 1, 16)
    local before, bytesBefore = splitEntry(redis.call('HGET', K[2], key))
    redis.call('HSET', K[2], key, string.format('%s:%d', digest, bytes))
    noteChange(K[4], K[5], K[6], key, leaf, before, digest, bytes - bytesBefore)
    -- Only a set that is a single tombstone can ever be collected, so only those are candidates; the
    -- index changes only when the key becomes one or stops being one.
    local isCandidate = hasTombstone and #ids == 1
    if isCandidate and not wasCandidate then redis.call('SADD', K[3], key) end
    if wasCandidate and not isCandidate then redis.call('SREM', K[3], key) end
  end
  return added
end
