--[[
put-version: adds versions of one key to this replica's sibling set, which
stays an antichain: a version already held, or one that an held version has
seen, is ignored; a new version removes every held version it has seen.
Under "lww" the set keeps only the newest by (writtenAt, writer, version id).
Atomic, so two coordinators writing the same key cannot lose a sibling.

KEYS[1]  versions hash of the key: version id -> version JSON
KEYS[2]  digest index of this replica: key -> "<sha1>:<bytes>"
KEYS[3]  tombstone index of this replica: set of keys holding a tombstone
ARGV[1]  the key (field in the digest index, member of the tombstone index)
ARGV[2]  conflict policy: "vector-clock" or "lww"
ARGV[3]  version id (canonical clock JSON: {"node":{"counter":n,"timestamp":t}})
ARGV[4]  version JSON: {"value":string|null,"isTombstone":bool,"writtenAt":ms,"writer":string}
ARGV[5..] more (id, JSON) pairs
Returns: the number of versions added (0: the replica already held them or something newer)
]]

-- a has seen everything b has: every counter of b is matched in a.
local function descends(a, b)
  for id, entry in pairs(b) do
    local mine = a[id]
    if mine == nil or mine.counter < entry.counter then return false end
  end
  return true
end

-- The same order as isLwwNewer in domain/versioned-value.ts.
local function lwwNewer(aId, a, bId, b)
  if a.writtenAt ~= b.writtenAt then return a.writtenAt > b.writtenAt end
  if a.writer ~= b.writer then return a.writer > b.writer end
  return aId > bId
end

local policy = ARGV[2]
local added = 0
for i = 3, #ARGV, 2 do
  local id, body = ARGV[i], ARGV[i + 1]
  if redis.call('HEXISTS', KEYS[1], id) == 0 then
    local clock = cjson.decode(id)
    local version = cjson.decode(body)
    local held = redis.call('HGETALL', KEYS[1])
    local isObsolete = false
    local beaten = {}
    for j = 1, #held, 2 do
      local otherId = held[j]
      if policy == 'lww' then
        if lwwNewer(otherId, cjson.decode(held[j + 1]), id, version) then
          isObsolete = true
        else
          beaten[#beaten + 1] = otherId
        end
      else
        local otherClock = cjson.decode(otherId)
        if descends(otherClock, clock) then
          isObsolete = true
        elseif descends(clock, otherClock) then
          beaten[#beaten + 1] = otherId
        end
      end
    end
    if not isObsolete then
      for _, otherId in ipairs(beaten) do redis.call('HDEL', KEYS[1], otherId) end
      redis.call('HSET', KEYS[1], id, body)
      added = added + 1
    end
  end
end

if added > 0 then
  -- Recompute the digest over the sorted set, so equal sets digest alike on every replica.
  local held = redis.call('HGETALL', KEYS[1])
  local ids, bodies, hasTombstone = {}, {}, false
  for j = 1, #held, 2 do
    ids[#ids + 1] = held[j]
    bodies[held[j]] = held[j + 1]
    if cjson.decode(held[j + 1]).isTombstone == true then hasTombstone = true end
  end
  table.sort(ids)
  local parts, bytes = {}, 0
  for _, id in ipairs(ids) do
    parts[#parts + 1] = id .. '\n' .. bodies[id]
    bytes = bytes + #id + #bodies[id]
  end
  redis.call('HSET', KEYS[2], ARGV[1], redis.sha1hex(table.concat(parts, '\n')) .. ':' .. bytes)
  if hasTombstone then
    redis.call('SADD', KEYS[3], ARGV[1])
  else
    redis.call('SREM', KEYS[3], ARGV[1])
  end
end
return added
