--[[
send.lua: append one chat message to its room's stream, or re-queue a dead letter.
Atomic, so a send is either fully stored (entry, dedup record, eviction
accounting) or not at all.

KEYS[1] room stream          lab:line-streams:stream:<room>
KEYS[2] rooms set            lab:line-streams:rooms
KEYS[3] groups set           lab:line-streams:groups
KEYS[4] dedup record         lab:line-streams:dedup:<room>:<clientMsgId> (unused when ARGV[7] = '0')
KEYS[5] rate counter         lab:line-streams:rate:<room>
KEYS[6] applied marks hash   lab:line-streams:applied (room -> newest applied stream id)
KEYS[7] dead-letter stream   lab:line-streams:dead-letters
KEYS[8] counters hash        lab:line-streams:counters
KEYS[9] replayed hash        lab:line-streams:replayed (<room>/<originalId> -> new id)

ARGV[1] room name
ARGV[2] maxLen: entries kept in the room stream (exact MAXLEN)
ARGV[3] dedupTtlMs: lifetime of the dedup record, milliseconds
ARGV[4] rateLimit: sends allowed per window (0 = no limit)
ARGV[5] rateWindowMs: window length, milliseconds
ARGV[6] replayOf: dead-letter entry id to re-queue, or '' for a new send
ARGV[7] hasClientMsgId: '1' or '0'
ARGV[8] delivery group name (created with the stream)
ARGV[9..] field/value pairs of the entry (senderId, text, sentAt, clientMsgId)

Returns one of:
  {'DUPLICATE', firstId}                 the clientMsgId was seen within the TTL: nothing written
  {'RATE_LIMITED', remainingWindowMs}    over the room's rate: nothing written
  {'NO_DEAD_LETTER'}                     replay of an unknown dead-letter id: nothing written
  {'ADDED', id, evicted, evictedUndelivered}
]]
local stream, room = KEYS[1], ARGV[1]
local maxLen = tonumber(ARGV[2])
local replayOf = ARGV[6]

local function idLess(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end

local replayedFrom = ''
local fields = {}
for i = 9, #ARGV do fields[#fields + 1] = ARGV[i] end

if replayOf ~= '' then
  local dead = redis.call('XRANGE', KEYS[7], replayOf, replayOf)
  if #dead == 0 then return {'NO_DEAD_LETTER'} end
  -- The dead letter carries the message; the replayed entry says where it came from.
  local f = dead[1][2]
  fields = {}
  local keep = {senderId = true, text = true, sentAt = true, clientMsgId = true}
  local originalId = ''
  for i = 1, #f, 2 do
    if keep[f[i]] then
      fields[#fields + 1] = f[i]
      fields[#fields + 1] = f[i + 1]
    elseif f[i] == 'originalId' then
      originalId = f[i + 1]
    end
  end
  fields[#fields + 1] = 'replayOf'
  fields[#fields + 1] = originalId
  replayedFrom = originalId
else
  if ARGV[7] == '1' then
    local first = redis.call('GET', KEYS[4])
    if first then return {'DUPLICATE', first} end
  end
  local limit = tonumber(ARGV[4])
  if limit > 0 then
    local count = redis.call('INCR', KEYS[5])
    if count == 1 then redis.call('PEXPIRE', KEYS[5], ARGV[5]) end
    if count > limit then
      -- A refused send does not use up the window.
      redis.call('DECR', KEYS[5])
      local remaining = redis.call('PTTL', KEYS[5])
      if remaining < 0 then remaining = tonumber(ARGV[5]) end
      return {'RATE_LIMITED', remaining}
    end
  end
end

-- A new room gets every known group at 0, so no group misses its first message.
if redis.call('EXISTS', stream) == 0 then
  redis.call('SADD', KEYS[2], room)
  redis.call('SADD', KEYS[3], ARGV[8])
  for _, group in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
  end
end

-- Exact MAXLEN: the entries about to be trimmed are the oldest ones, so they can be counted and
-- those whose effect is not applied yet moved to the dead letters instead of vanishing.
local evicted, undelivered = 0, 0
local excess = redis.call('XLEN', stream) + 1 - maxLen
if excess > 0 then
  local applied = redis.call('HGET', KEYS[6], room)
  for _, entry in ipairs(redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)) do
    evicted = evicted + 1
    if not applied or idLess(applied, entry[1]) then
      undelivered = undelivered + 1
      local dl = {'room', room, 'originalId', entry[1], 'reason', 'evicted', 'deliveries', '0'}
      for i = 1, #entry[2] do dl[#dl + 1] = entry[2][i] end
      redis.call('XADD', KEYS[7], '*', unpack(dl))
    end
    -- Out of every group's PEL too: nobody can deliver an entry that is gone.
    for _, group in ipairs(redis.call('SMEMBERS', KEYS[3])) do
      pcall(redis.call, 'XACK', stream, group, entry[1])
    end
  end
end

local id = redis.call('XADD', stream, 'MAXLEN', '=', maxLen, '*', unpack(fields))
if replayOf ~= '' then
  redis.call('XDEL', KEYS[7], replayOf)
  redis.call('HSET', KEYS[9], room .. '/' .. replayedFrom, id)
  redis.call('HINCRBY', KEYS[8], 'replayed', 1)
elseif ARGV[7] == '1' then
  redis.call('SET', KEYS[4], id, 'PX', ARGV[3])
end
redis.call('HINCRBY', KEYS[8], 'sent', 1)
if evicted > 0 then
  redis.call('HINCRBY', KEYS[8], 'evicted', evicted)
  redis.call('HINCRBY', KEYS[8], 'evictedUndelivered', undelivered)
end
return {'ADDED', id, evicted, undelivered}
