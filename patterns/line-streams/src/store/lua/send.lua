-- send: append one chat message to its room's stream, or re-queue a dead letter. Atomic, so a send is
-- either fully stored (entry, dedup record, eviction accounting) or not at all.
--
-- KEYS[1]  room stream          lab:line-streams:stream:<room>
-- KEYS[2]  rooms set            lab:line-streams:rooms
-- KEYS[3]  groups set           lab:line-streams:groups
-- KEYS[4]  dedup record         lab:line-streams:dedup:<room>:<clientMsgId> (hash: id, digest; unused when ARGV[7] = '0')
-- KEYS[5]  rate counter         lab:line-streams:rate:<room>
-- KEYS[6]  applied marks hash   lab:line-streams:applied (room -> newest applied stream id)
-- KEYS[7]  dead-letter stream   lab:line-streams:dead-letters
-- KEYS[8]  counters hash        lab:line-streams:counters
-- KEYS[9]  replays stream       lab:line-streams:replays (room, originalId, id of each replayed dead letter)
-- ARGV[1]  room name
-- ARGV[2]  maxLen: entries kept in the room stream (exact MAXLEN)
-- ARGV[3]  dedupTtlMs: lifetime of the dedup record, milliseconds
-- ARGV[4]  rateLimit: sends allowed per window (0 = no limit)
-- ARGV[5]  rateWindowMs: window length, milliseconds
-- ARGV[6]  replayOf: dead-letter entry id to re-queue, or '' for a new send
-- ARGV[7]  hasClientMsgId: '1' or '0'
-- ARGV[8]  delivery group name (created with the stream)
-- ARGV[9]  maxAgeMs: entries older than this (by their id, on Redis's clock) are trimmed (0 = no age limit)
-- ARGV[10] deadLetterMaxLen: dead letters kept (exact MAXLEN; the oldest are dropped and counted)
-- ARGV[11] replaysMaxLen: replay records kept (exact MAXLEN; the oldest are dropped and counted)
-- ARGV[12..] field/value pairs of the entry (senderId, text, sentAt, clientMsgId)
--
-- Returns  one of (decoded in store/script-replies.ts):
--   {'ADDED', id, evicted, evictedUndelivered, evictedByAge}
--   {'DUPLICATE', firstId}               the clientMsgId was seen within the TTL with the same payload: nothing written
--   {'KEY_REUSED', firstId}              the clientMsgId was seen within the TTL with another payload: nothing written
--   {'RATE_LIMITED', remainingWindowMs}  over the room's rate: nothing written
--   {'NO_DEAD_LETTER'}                   replay of an unknown dead-letter id: nothing written
local stream, room = KEYS[1], ARGV[1]
local maxLen = tonumber(ARGV[2])
local replayOf = ARGV[6]
local maxAgeMs = tonumber(ARGV[9])
local deadLetterMaxLen = tonumber(ARGV[10])
local replaysMaxLen = tonumber(ARGV[11])
-- At most this many entries are aged out per send, so one send after a long quiet spell stays short.
local ageBatch = 1000

-- parseId and idLess come from stream-ids.lua, sent in front of this script.

-- A capped stream of records: the oldest are dropped, and counted, so the cap is never silent.
local function addCapped(key, maxEntries, droppedCounter, fields)
  local dropped = redis.call('XLEN', key) + 1 - maxEntries
  if dropped > 0 then redis.call('HINCRBY', KEYS[8], droppedCounter, dropped) end
  return redis.call('XADD', key, 'MAXLEN', '=', maxEntries, '*', unpack(fields))
end

local replayedFrom = ''
local fields = {}
for i = 12, #ARGV do fields[#fields + 1] = ARGV[i] end

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
end

-- The payload a clientMsgId stands for: a retry must carry the same one.
local digest = ''
if ARGV[7] == '1' then
  local senderId, text = '', ''
  for i = 1, #fields, 2 do
    if fields[i] == 'senderId' then senderId = fields[i + 1] end
    if fields[i] == 'text' then text = fields[i + 1] end
  end
  -- senderId is a validated name (no newline), so the separator cannot be forged.
  digest = redis.sha1hex(senderId .. '\n' .. text)
end

if replayOf == '' then
  if ARGV[7] == '1' then
    local kind = redis.call('TYPE', KEYS[4])['ok']
    if kind == 'hash' then
      local first = redis.call('HMGET', KEYS[4], 'id', 'digest')
      if first[2] ~= digest then return {'KEY_REUSED', first[1]} end
      return {'DUPLICATE', first[1]}
    elseif kind == 'string' then
      -- A record written before payload digests: the id is all it holds.
      return {'DUPLICATE', redis.call('GET', KEYS[4])}
    end
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

-- Entries about to be trimmed are counted, and those whose effect is not applied yet move to the
-- dead letters instead of vanishing; they leave every group's PEL (nobody can deliver them now).
local evicted, undelivered, byAge = 0, 0, 0
local applied = redis.call('HGET', KEYS[6], room)
local groups = redis.call('SMEMBERS', KEYS[3])
local function account(entries, reason)
  for _, entry in ipairs(entries) do
    evicted = evicted + 1
    if not applied or idLess(applied, entry[1]) then
      undelivered = undelivered + 1
      local dl = {'room', room, 'originalId', entry[1], 'reason', reason, 'deliveries', '0'}
      for i = 1, #entry[2] do dl[#dl + 1] = entry[2][i] end
      addCapped(KEYS[7], deadLetterMaxLen, 'deadLettersDropped', dl)
    end
    for _, group in ipairs(groups) do
      pcall(redis.call, 'XACK', stream, group, entry[1])
    end
  end
end

-- Age first (XTRIM MINID): the id's milliseconds are Redis's clock when the entry was added, and
-- TIME is the same clock, so no client clock takes part in deciding what is too old.
if maxAgeMs > 0 then
  local now = redis.call('TIME')
  local minMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - maxAgeMs
  local old = redis.call('XRANGE', stream, '-', '(' .. minMs .. '-0', 'COUNT', ageBatch)
  if #old > 0 then
    account(old, 'expired')
    byAge = #old
    -- MINID keeps ids >= the threshold: the one right after the last entry accounted for.
    local lastMs, lastSeq = parseId(old[#old][1])
    redis.call('XTRIM', stream, 'MINID', '=', lastMs .. '-' .. (lastSeq + 1))
  end
end

-- Then count (exact MAXLEN): the entries about to go are the oldest ones.
local excess = redis.call('XLEN', stream) + 1 - maxLen
if excess > 0 then
  account(redis.call('XRANGE', stream, '-', '+', 'COUNT', excess), 'evicted')
end

local id = redis.call('XADD', stream, 'MAXLEN', '=', maxLen, '*', unpack(fields))
if replayOf ~= '' then
  redis.call('XDEL', KEYS[7], replayOf)
  addCapped(KEYS[9], replaysMaxLen, 'replaysDropped', {'room', room, 'originalId', replayedFrom, 'id', id})
  redis.call('HINCRBY', KEYS[8], 'replayed', 1)
elseif ARGV[7] == '1' then
  redis.call('HSET', KEYS[4], 'id', id, 'digest', digest)
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
end
redis.call('HINCRBY', KEYS[8], 'sent', 1)
if evicted > 0 then
  redis.call('HINCRBY', KEYS[8], 'evicted', evicted)
  redis.call('HINCRBY', KEYS[8], 'evictedUndelivered', undelivered)
  if byAge > 0 then redis.call('HINCRBY', KEYS[8], 'evictedByAge', byAge) end
end
return {'ADDED', id, evicted, undelivered, byAge}
