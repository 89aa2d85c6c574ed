--[[
deliver.lua: apply one room message's effect (inbox entry + unread count per
recipient) at most once and in the room's stream order. The worker acks after
this returns, so a crash in between means a redelivery: the applied mark makes
that redelivery a no-op. Dead-lettering happens here too, so the decision and
the move are one atomic step.

KEYS[1] room stream          lab:line-streams:stream:<room>
KEYS[2] applied marks hash   lab:line-streams:applied (room -> newest applied stream id)
KEYS[3] dead-letter stream   lab:line-streams:dead-letters
KEYS[4] counters hash        lab:line-streams:counters
KEYS[5..] per recipient, in pairs: inbox list lab:line-streams:inbox:<user>, unread counter lab:line-streams:unread:<user>

ARGV[1] group name
ARGV[2] room name
ARGV[3] entry id
ARGV[4] maxDeliveries: more deliveries than this and the entry becomes a dead letter
ARGV[5] handlerFailed: '1' when the worker's handler failed on this entry (poison), else '0'
ARGV[6] inboxMaxLen: entries kept per inbox
ARGV[7] consumer name (recorded on a dead letter)
ARGV[8] now, milliseconds since the epoch (recorded on a dead letter and as the inbox entry's deliveredAt)
ARGV[9] deadLetterMaxLen: dead letters kept (exact MAXLEN; the oldest are dropped and counted)

Returns {outcome, deliveries, skipped}:
  outcome: APPLIED | DUPLICATE | GONE | NOT_YET | DEAD_LETTERED | FAILED
  deliveries: the entry's delivery count in the group's PEL (0 when not pending)
  skipped: older entries found acked without their effect, dead-lettered on the way
]]
local stream, room, id, group = KEYS[1], ARGV[2], ARGV[3], ARGV[1]

local function parse(x)
  local ms, seq = string.match(x, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function idLessOrEqual(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as <= bs)
end
local function deliveriesOf(entryId)
  local p = redis.call('XPENDING', stream, group, entryId, entryId, 1)
  if #p == 0 then return 0 end
  return tonumber(p[1][4])
end
local function deadLetter(entryId, fields, reason, deliveries)
  local dl = {'room', room, 'originalId', entryId, 'reason', reason, 'deliveries', tostring(deliveries),
    'consumer', ARGV[7], 'deadAt', ARGV[8]}
  for i = 1, #fields do dl[#dl + 1] = fields[i] end
  -- Capped: the oldest dead letters are dropped, and counted, so the cap is never silent.
  local maxLen = tonumber(ARGV[9])
  local dropped = redis.call('XLEN', KEYS[3]) + 1 - maxLen
  if dropped > 0 then redis.call('HINCRBY', KEYS[4], 'deadLettersDropped', dropped) end
  redis.call('XADD', KEYS[3], 'MAXLEN', '=', maxLen, '*', unpack(dl))
  redis.call('HSET', KEYS[2], room, entryId)
  redis.call('XACK', stream, group, entryId)
  redis.call('HINCRBY', KEYS[4], 'deadLettered', 1)
end

-- 1. Idempotency: the mark is at or past it, so its effect is already in place.
local applied = redis.call('HGET', KEYS[2], room)
if applied and idLessOrEqual(id, applied) then
  redis.call('HINCRBY', KEYS[4], 'duplicatesSkipped', 1)
  return {'DUPLICATE', deliveriesOf(id), 0}
end

-- 2. Trimmed before its effect: send.lua dead-lettered it when it evicted it.
local self = redis.call('XRANGE', stream, id, id)
if #self == 0 then return {'GONE', 0, 0} end

-- 3. Order: only the oldest entry past the mark may be applied. An older entry that is in no
--    PEL was acked without its effect (a manual XACK): account for it and move on, else wait.
local skipped = 0
while true do
  local from = applied and ('(' .. applied) or '-'
  local nextEntry = redis.call('XRANGE', stream, from, '+', 'COUNT', 1)[1]
  if nextEntry[1] == id then break end
  if deliveriesOf(nextEntry[1]) > 0 or skipped >= 100 then
    return {'NOT_YET', deliveriesOf(id), skipped}
  end
  deadLetter(nextEntry[1], nextEntry[2], 'acked-unapplied', 0)
  applied = nextEntry[1]
  skipped = skipped + 1
end

-- 4. A message delivered too often is given up on, so it stops blocking its room.
local deliveries = deliveriesOf(id)
if deliveries > tonumber(ARGV[4]) then
  deadLetter(id, self[1][2], 'max-deliveries', deliveries)
  return {'DEAD_LETTERED', deliveries, skipped}
end

if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[4], 'handlerFailures', 1)
  return {'FAILED', deliveries, skipped}
end

-- 5. The effect, all recipients at once, then the mark: nothing half-applied.
local f = self[1][2]
local message = {room = room, id = id, deliveredAt = tonumber(ARGV[8])}
for i = 1, #f, 2 do
  if f[i] == 'senderId' or f[i] == 'text' or f[i] == 'replayOf' then message[f[i]] = f[i + 1] end
  if f[i] == 'sentAt' then message.sentAt = tonumber(f[i + 1]) end
end
local json = cjson.encode(message)
local inboxMax = tonumber(ARGV[6])
for i = 5, #KEYS, 2 do
  redis.call('LPUSH', KEYS[i], json)
  redis.call('LTRIM', KEYS[i], 0, inboxMax - 1)
  redis.call('INCR', KEYS[i + 1])
end
redis.call('HSET', KEYS[2], room, id)
redis.call('HINCRBY', KEYS[4], 'applied', 1)
if deliveries > 1 then redis.call('HINCRBY', KEYS[4], 'redeliveriesApplied', 1) end
return {'APPLIED', deliveries, skipped}
