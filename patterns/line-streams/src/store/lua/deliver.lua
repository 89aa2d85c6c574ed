-- deliver: apply the effects of a run of one room's messages (an inbox entry and an unread count per
-- recipient), each at most once and in the room's stream order. A worker sends every entry of the room it
-- holds in one call, oldest first, so the cost per message is a few commands inside Redis, not a round trip.
-- The worker acks after this returns, so a crash in between means a redelivery: the applied mark makes that
-- redelivery a no-op. Dead-lettering happens here too, so the decision and the move are one atomic step.
--
-- KEYS[1] room stream          lab:line-streams:stream:<room>
-- KEYS[2] applied marks hash   lab:line-streams:applied (room -> newest applied stream id)
-- KEYS[3] dead-letter stream   lab:line-streams:dead-letters
-- KEYS[4] counters hash        lab:line-streams:counters
-- KEYS[5] room members set     lab:line-streams:members:<room> (read here, so the effect uses the members of now)
--   Each member's inbox list and unread counter are named from ARGV[9] and ARGV[10] plus the user name: the
--   lab runs one Redis node, where a script may touch keys it builds (a Redis Cluster would need hash tags).
--
-- ARGV[1] group name
-- ARGV[2] room name
-- ARGV[3] maxDeliveries: more deliveries than this and the entry becomes a dead letter
-- ARGV[4] inboxMaxLen: entries kept per inbox
-- ARGV[5] consumer name (recorded on a dead letter)
-- ARGV[6] now, milliseconds since the epoch (recorded on a dead letter and as the inbox entry's deliveredAt)
-- ARGV[7] deadLetterMaxLen: dead letters kept (exact MAXLEN; the oldest are dropped and counted)
-- ARGV[8] maxApplied: apply at most this many effects in this call, 0 = no limit (the crash-before-ack fault)
-- ARGV[9] inbox key prefix     lab:line-streams:inbox:
-- ARGV[10] unread key prefix   lab:line-streams:unread:
-- ARGV[11..] pairs, oldest first: entry id, handlerFailed ('1' when the worker's handler failed on it: poison)
--
-- Returns  {outcomes, skipped} (decoded in store/script-replies.ts):
--   outcomes: one {outcome, deliveries} per entry attempted, in order. outcome is
--     APPLIED | DUPLICATE | GONE | NOT_YET | DEAD_LETTERED | FAILED; deliveries is the entry's delivery count in
--     the group's PEL (0 when not pending). The run stops after a NOT_YET or FAILED (the room's later entries must
--     wait) or once maxApplied effects are applied: entries past the end of outcomes were not attempted.
--   skipped: older entries found acked without their effect, dead-lettered on the way
local stream, group, room = KEYS[1], ARGV[1], ARGV[2]
local maxDeliveries = tonumber(ARGV[3])
local maxApplied = tonumber(ARGV[8])
local members = redis.call('SMEMBERS', KEYS[5])
local memberCount = #members
local firstPair = 11

-- idLess comes from stream-ids.lua, sent in front of this script.
local function deliveriesOf(entryId)
  local p = redis.call('XPENDING', stream, group, entryId, entryId, 1)
  if #p == 0 then return 0 end
  return tonumber(p[1][4])
end

-- Totals for the counters hash, written once at the end.
local counts = {applied = 0, duplicatesSkipped = 0, redeliveriesApplied = 0, deadLettered = 0,
  handlerFailures = 0, deadLettersDropped = 0}
local applied = redis.call('HGET', KEYS[2], room)
local markMoved = false

local function deadLetter(entryId, fields, reason, deliveries)
  local dl = {'room', room, 'originalId', entryId, 'reason', reason, 'deliveries', tostring(deliveries),
    'consumer', ARGV[5], 'deadAt', ARGV[6]}
  for i = 1, #fields do dl[#dl + 1] = fields[i] end
  -- Capped: the oldest dead letters are dropped, and counted, so the cap is never silent.
  local maxLen = tonumber(ARGV[7])
  local dropped = redis.call('XLEN', KEYS[3]) + 1 - maxLen
  if dropped > 0 then counts.deadLettersDropped = counts.deadLettersDropped + dropped end
  redis.call('XADD', KEYS[3], 'MAXLEN', '=', maxLen, '*', unpack(dl))
  redis.call('XACK', stream, group, entryId)
  applied, markMoved = entryId, true
  counts.deadLettered = counts.deadLettered + 1
end

-- Inbox pushes gathered per member, written once at the end: LPUSH of many keeps newest first.
local pushes = {}
for i = 1, memberCount do pushes[i] = {} end

local outcomes, skipped, appliedNow = {}, 0, 0
for p = firstPair, #ARGV, 2 do
  local id, handlerFailed = ARGV[p], ARGV[p + 1] == '1'

  -- 1. Idempotency: the mark is at or past it, so its effect is already in place.
  if applied and not idLess(applied, id) then
    counts.duplicatesSkipped = counts.duplicatesSkipped + 1
    outcomes[#outcomes + 1] = {'DUPLICATE', deliveriesOf(id)}
  else
    -- 2. Trimmed before its effect: send.lua dead-lettered it when it evicted it.
    local self = redis.call('XRANGE', stream, id, id)[1]
    if not self then
      outcomes[#outcomes + 1] = {'GONE', 0}
    else
      -- 3. Order: only the oldest entry past the mark may be applied. An older entry that is in no
      --    PEL was acked without its effect (a manual XACK): account for it and move on, else wait.
      local isNext = true
      while true do
        local from = applied and ('(' .. applied) or '-'
        local nextEntry = redis.call('XRANGE', stream, from, '+', 'COUNT', 1)[1]
        if nextEntry[1] == id then break end
        if deliveriesOf(nextEntry[1]) > 0 or skipped >= 100 then
          isNext = false
          break
        end
        deadLetter(nextEntry[1], nextEntry[2], 'acked-unapplied', 0)
        skipped = skipped + 1
      end
      if not isNext then
        outcomes[#outcomes + 1] = {'NOT_YET', deliveriesOf(id)}
        break
      end

      -- 4. A message delivered too often is given up on, so it stops blocking its room.
      local deliveries = deliveriesOf(id)
      if deliveries > maxDeliveries then
        deadLetter(id, self[2], 'max-deliveries', deliveries)
        outcomes[#outcomes + 1] = {'DEAD_LETTERED', deliveries}
      elseif handlerFailed then
        counts.handlerFailures = counts.handlerFailures + 1
        outcomes[#outcomes + 1] = {'FAILED', deliveries}
        break
      else
        -- 5. The effect for every member but the sender (the rule of recipientsOf in room-order.ts).
        local f = self[2]
        local message = {room = room, id = id, deliveredAt = tonumber(ARGV[6])}
        for i = 1, #f, 2 do
          if f[i] == 'senderId' or f[i] == 'text' or f[i] == 'replayOf' then message[f[i]] = f[i + 1] end
          if f[i] == 'sentAt' then message.sentAt = tonumber(f[i + 1]) end
        end
        local json = cjson.encode(message)
        for i = 1, memberCount do
          if members[i] ~= message.senderId then pushes[i][#pushes[i] + 1] = json end
        end
        applied, markMoved = id, true
        counts.applied = counts.applied + 1
        if deliveries > 1 then counts.redeliveriesApplied = counts.redeliveriesApplied + 1 end
        outcomes[#outcomes + 1] = {'APPLIED', deliveries}
        appliedNow = appliedNow + 1
        if maxApplied > 0 and appliedNow >= maxApplied then break end
      end
    end
  end
end

-- The effects and the mark together: nothing half-applied, whatever the batch size.
local inboxMax = tonumber(ARGV[4])
for i = 1, memberCount do
  local list = pushes[i]
  if #list > 0 then
    local inbox, unread = ARGV[9] .. members[i], ARGV[10] .. members[i]
    -- unpack has a stack limit: push in chunks.
    for from = 1, #list, 500 do
      redis.call('LPUSH', inbox, unpack(list, from, math.min(from + 499, #list)))
    end
    redis.call('LTRIM', inbox, 0, inboxMax - 1)
    redis.call('INCRBY', unread, #list)
  end
end
if markMoved then redis.call('HSET', KEYS[2], room, applied) end
for name, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[4], name, n) end
end
return {outcomes, skipped}
