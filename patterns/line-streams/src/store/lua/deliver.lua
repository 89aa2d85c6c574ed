-- deliver: apply the effects of a worker's batch (an inbox entry and an unread count per recipient), each
-- message at most once and in its room's stream order. The batch holds runs of several rooms, each oldest
-- first: a worker sends everything it holds in one call, so a batch costs one round trip, not one per room.
-- The worker acks after this returns, so a crash in between means a redelivery: the applied mark makes that
-- redelivery a no-op. Dead-lettering happens here too, so the decision and the move are one atomic step.
-- Redis does not undo a script's writes when it fails half-way, so this one reads and checks first and writes
-- last: every key it will write is checked (type, integer counter) before the first write, and a call answered
-- with an error has written nothing. The worker relies on it: it then retries the batch one room per call, so
-- a room whose keys are broken holds up only itself (worker/room-isolation.ts).
--
-- KEYS[1]  applied marks hash   lab:line-streams:applied (room -> newest applied stream id)
-- KEYS[2]  dead-letter stream   lab:line-streams:dead-letters
-- KEYS[3]  counters hash        lab:line-streams:counters
-- KEYS[4..] two per room run, in the order of the runs in ARGV: the room's stream
--          (lab:line-streams:stream:<room>) and its members set (lab:line-streams:members:<room>, read here,
--          so the effect uses the members of now). Each member's inbox list and unread counter are named
--          from ARGV[8] and ARGV[9] plus the user name: the lab runs one Redis node, where a script may touch
--          keys it builds (a Redis Cluster would need hash tags).
-- ARGV[1]  group name
-- ARGV[2]  maxDeliveries: more deliveries than this and the entry becomes a dead letter
-- ARGV[3]  inboxMaxLen: entries kept per inbox
-- ARGV[4]  consumer name (recorded on a dead letter)
-- ARGV[5]  now, milliseconds since the epoch (recorded on a dead letter and as the inbox entry's deliveredAt)
-- ARGV[6]  deadLetterMaxLen: dead letters kept (exact MAXLEN; the oldest are dropped and counted)
-- ARGV[7]  maxApplied: apply at most this many effects in this call, 0 = no limit (the crash-before-ack fault)
-- ARGV[8]  inbox key prefix     lab:line-streams:inbox:
-- ARGV[9]  unread key prefix    lab:line-streams:unread:
-- ARGV[10..] the room runs, one after the other: room name, n, then n pairs oldest first: entry id,
--          handlerFailed ('1' when the worker's handler failed on it: poison)
--
-- Returns  {runs, skipped} (decoded in store/script-replies.ts):
--   runs: one list per room run, in order, of {outcome, deliveries}, one per entry attempted. outcome is
--     APPLIED | DUPLICATE | GONE | NOT_YET | DEAD_LETTERED | FAILED (the handler failed, or the room's members
--     key is not a set, so there is no effect to apply); deliveries is the entry's delivery count in
--     the group's PEL (0 when not pending). A run stops after a NOT_YET or FAILED (the room's later entries must
--     wait); the whole batch stops once maxApplied effects are applied. Entries past the end of their run's
--     list were not attempted (a later room's list may be empty).
--   skipped: older entries found acked without their effect, dead-lettered on the way
-- Errors (nothing written): an inbox, unread counter or the dead-letter stream of the wrong type (or an unread
--   counter that is not an integer); any key the reads meet of the wrong type (a room stream, the marks hash).
-- idLess comes from stream-ids.lua, sent in front of this script.
local group = ARGV[1]
local maxDeliveries = tonumber(ARGV[2])
local maxApplied = tonumber(ARGV[7])
local deadLetterMaxLen = tonumber(ARGV[6])

-- Totals for the counters hash, written once at the end.
local counts = {applied = 0, duplicatesSkipped = 0, redeliveriesApplied = 0, deadLettered = 0,
  handlerFailures = 0, brokenMembers = 0, deadLettersDropped = 0}
-- Inbox pushes gathered per user over every room, written once at the end: one LPUSH per user keeps newest
-- first, and each room's messages stay in their stream order within it.
local pushes, users = {}, {}
-- Marks that moved and dead letters to move, written once at the end with the effects.
local marks, deadLetters = {}, {}
local appliedNow, skipped = 0, 0

local function deliveriesOf(stream, entryId)
  local p = redis.call('XPENDING', stream, group, entryId, entryId, 1)
  if #p == 0 then return 0 end
  return tonumber(p[1][4])
end

-- Decided here, moved (XADD to the dead letters, XACK) in the write phase at the end.
local function deadLetter(stream, room, entryId, fields, reason, deliveries)
  local dl = {'room', room, 'originalId', entryId, 'reason', reason, 'deliveries', tostring(deliveries),
    'consumer', ARGV[4], 'deadAt', ARGV[5]}
  for i = 1, #fields do dl[#dl + 1] = fields[i] end
  deadLetters[#deadLetters + 1] = {stream = stream, id = entryId, fields = dl}
  counts.deadLettered = counts.deadLettered + 1
end

local function push(user, json)
  local list = pushes[user]
  if not list then
    list = {}
    pushes[user] = list
    users[#users + 1] = user
  end
  list[#list + 1] = json
end

-- One room's run; answers its outcomes and whether the batch must stop (maxApplied reached).
local function deliverRun(stream, membersKey, room, firstPair, lastPair)
  -- A members key of the wrong type fails this room's effects (FAILED), not the script: the other rooms go on.
  local members = redis.pcall('SMEMBERS', membersKey)
  local applied = redis.call('HGET', KEYS[1], room)
  local outcomes = {}
  local runSkipped = 0
  for p = firstPair, lastPair, 2 do
    local id, handlerFailed = ARGV[p], ARGV[p + 1] == '1'

    -- 1. Idempotency: the mark is at or past it, so its effect is already in place.
    if applied and not idLess(applied, id) then
      counts.duplicatesSkipped = counts.duplicatesSkipped + 1
      outcomes[#outcomes + 1] = {'DUPLICATE', deliveriesOf(stream, id)}
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
          if deliveriesOf(stream, nextEntry[1]) > 0 or runSkipped >= 100 then
            isNext = false
            break
          end
          deadLetter(stream, room, nextEntry[1], nextEntry[2], 'acked-unapplied', 0)
          applied = nextEntry[1]
          marks[room] = applied
          runSkipped = runSkipped + 1
        end
        if not isNext then
          outcomes[#outcomes + 1] = {'NOT_YET', deliveriesOf(stream, id)}
          break
        end

        -- 4. A message delivered too often is given up on, so it stops blocking its room.
        local deliveries = deliveriesOf(stream, id)
        if deliveries > maxDeliveries then
          deadLetter(stream, room, id, self[2], 'max-deliveries', deliveries)
          applied = id
          marks[room] = applied
          outcomes[#outcomes + 1] = {'DEAD_LETTERED', deliveries}
        elseif handlerFailed then
          counts.handlerFailures = counts.handlerFailures + 1
          outcomes[#outcomes + 1] = {'FAILED', deliveries}
          break
        elseif members.err then
          counts.brokenMembers = counts.brokenMembers + 1
          outcomes[#outcomes + 1] = {'FAILED', deliveries}
          break
        else
          -- 5. The effect for every member but the sender (the rule of recipientsOf in room-order.ts).
          local f = self[2]
          local message = {room = room, id = id, deliveredAt = tonumber(ARGV[5])}
          for i = 1, #f, 2 do
            if f[i] == 'senderId' or f[i] == 'text' or f[i] == 'replayOf' then message[f[i]] = f[i + 1] end
            if f[i] == 'sentAt' then message.sentAt = tonumber(f[i + 1]) end
          end
          local json = cjson.encode(message)
          for i = 1, #members do
            if members[i] ~= message.senderId then push(members[i], json) end
          end
          applied = id
          marks[room] = applied
          counts.applied = counts.applied + 1
          if deliveries > 1 then counts.redeliveriesApplied = counts.redeliveriesApplied + 1 end
          outcomes[#outcomes + 1] = {'APPLIED', deliveries}
          appliedNow = appliedNow + 1
          if maxApplied > 0 and appliedNow >= maxApplied then
            skipped = skipped + runSkipped
            return outcomes, true
          end
        end
      end
    end
  end
  skipped = skipped + runSkipped
  return outcomes, false
end

local runs = {}
local isStopped = false
local a, k = 10, 4
while a <= #ARGV do
  local room, n = ARGV[a], tonumber(ARGV[a + 1])
  local firstPair = a + 2
  local lastPair = firstPair + 2 * (n - 1)
  if isStopped then
    runs[#runs + 1] = {}
  else
    local outcomes, stop = deliverRun(KEYS[k], KEYS[k + 1], room, firstPair, lastPair)
    runs[#runs + 1] = outcomes
    isStopped = stop
  end
  a, k = firstPair + 2 * n, k + 2
end

-- Every key the writes touch is checked first: an error after the first write would leave the effects of
-- the rooms before it without their marks, and the retry would apply them a second time.
local function refuse(key, wants)
  return redis.error_reply('WRONGTYPE deliver: ' .. key .. ' is not ' .. wants .. '; nothing was written')
end
local function isType(key, wanted)
  local t = redis.call('TYPE', key).ok
  return t == 'none' or t == wanted
end
if #deadLetters > 0 and not isType(KEYS[2], 'stream') then return refuse(KEYS[2], 'a stream') end
for _, user in ipairs(users) do
  local inbox, unread = ARGV[8] .. user, ARGV[9] .. user
  if not isType(inbox, 'list') then return refuse(inbox, 'a list') end
  if not isType(unread, 'string') then return refuse(unread, 'a counter') end
  local n = redis.call('GET', unread)
  if n and not string.match(n, '^%-?%d+$') then return refuse(unread, 'an integer') end
end

-- The writes: dead letters, effects and marks together, nothing half-applied whatever the batch size.
for _, d in ipairs(deadLetters) do
  -- Capped: the oldest dead letters are dropped, and counted, so the cap is never silent.
  local dropped = redis.call('XLEN', KEYS[2]) + 1 - deadLetterMaxLen
  if dropped > 0 then counts.deadLettersDropped = counts.deadLettersDropped + dropped end
  redis.call('XADD', KEYS[2], 'MAXLEN', '=', deadLetterMaxLen, '*', unpack(d.fields))
  redis.call('XACK', d.stream, group, d.id)
end
local inboxMax = tonumber(ARGV[3])
for _, user in ipairs(users) do
  local list = pushes[user]
  local inbox, unread = ARGV[8] .. user, ARGV[9] .. user
  -- unpack has a stack limit: push in chunks.
  for from = 1, #list, 500 do
    redis.call('LPUSH', inbox, unpack(list, from, math.min(from + 499, #list)))
  end
  redis.call('LTRIM', inbox, 0, inboxMax - 1)
  redis.call('INCRBY', unread, #list)
end
for room, mark in pairs(marks) do redis.call('HSET', KEYS[1], room, mark) end
for name, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[3], name, n) end
end
return {runs, skipped}
