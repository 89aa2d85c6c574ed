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
-- ARGV[10..] the room runs, one after the other: room name, n, f, then n entry ids oldest first, then f
--          positions (1..n) of the entries the worker's handler failed on (poison); f is almost always 0
--
-- Returns  {runs, skipped} (decoded in store/script-replies.ts):
--   runs: one string per room run, in order, of `outcome:deliveries` per entry attempted, joined by ','
--     (one string, not a list of pairs: the worker decodes one value per room, not three per message). outcome is
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

-- One entry's delivery count in the PEL (0 when not pending): the slow path, one command per entry.
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

-- A room's entries past its mark, read ahead: one XRANGE and one XPENDING for the whole run instead of
-- three commands per message (the entry, the next one past the mark, its delivery count). A worker usually
-- holds exactly the entries that follow the mark, so the window is those, up to its newest held id; what
-- the window cannot answer (an id outside it, a window cut short) falls back to one command per question.
local function readAhead(stream, mark, newestHeld, limit)
  local entries = redis.call('XRANGE', stream, mark and ('(' .. mark) or '-', newestHeld, 'COUNT', limit)
  local at, deliveries = {}, {}
  for i = 1, #entries do at[entries[i][1]] = i end
  local isPelComplete = true
  if #entries > 0 then
    local rows = redis.call('XPENDING', stream, group, entries[1][1], entries[#entries][1], #entries)
    for i = 1, #rows do deliveries[rows[i][1]] = tonumber(rows[i][4]) end
    -- As many rows as asked for: pending ids of deleted entries may have pushed some out.
    isPelComplete = #rows < #entries
  end
  -- Fewer entries than the limit: the window holds every entry up to newestHeld.
  return {entries = entries, at = at, deliveries = deliveries, isPelComplete = isPelComplete,
    isComplete = #entries < limit}
end

-- One room's run; answers its outcomes and whether the batch must stop (maxApplied reached).
local function deliverRun(stream, membersKey, room, applied, firstId, lastId, hasFailed)
  -- A members key of the wrong type fails this room's effects (FAILED), not the script: the other rooms go on.
  local members = redis.pcall('SMEMBERS', membersKey)
  local outcomes = {}
  local runSkipped = 0
  local window
  -- window.entries[pos] is the entry right after the mark as long as the mark moves along the window.
  local pos = 1
  local function view()
    if not window then window = readAhead(stream, applied, ARGV[lastId], 2 * (lastId - firstId + 1)) end
    return window
  end
  local function pendingCount(entryId)
    local w = view()
    local n = w.deliveries[entryId]
    if n then return n end
    if w.at[entryId] and w.isPelComplete then return 0 end
    return deliveriesOf(stream, entryId)
  end
  -- The entry itself, or nil when it was trimmed.
  local function entryAt(entryId)
    local w = view()
    local i = w.at[entryId]
    if i then return w.entries[i] end
    if w.isComplete then return nil end
    return redis.call('XRANGE', stream, entryId, entryId)[1]
  end
  -- The oldest entry past the mark.
  local function nextPastMark()
    local w = view()
    local e = w.entries[pos]
    if e and (not applied or idLess(applied, e[1])) then return e end
    return redis.call('XRANGE', stream, applied and ('(' .. applied) or '-', '+', 'COUNT', 1)[1]
  end
  local function advanceTo(entryId)
    applied = entryId
    marks[room] = applied
    local e = window and window.entries[pos]
    if e and e[1] == entryId then pos = pos + 1 end
  end

  for p = firstId, lastId do
    local id, handlerFailed = ARGV[p], hasFailed[p - firstId + 1]

    -- 1. Idempotency: the mark is at or past it, so its effect is already in place.
    if applied and not idLess(applied, id) then
      counts.duplicatesSkipped = counts.duplicatesSkipped + 1
      outcomes[#outcomes + 1] = 'DUPLICATE:' .. deliveriesOf(stream, id)
    else
      -- 2. Trimmed before its effect: send.lua dead-lettered it when it evicted it.
      local self = entryAt(id)
      if not self then
        outcomes[#outcomes + 1] = 'GONE:0'
      else
        -- 3. Order: only the oldest entry past the mark may be applied. An older entry that is in no
        --    PEL was acked without its effect (a manual XACK): account for it and move on, else wait.
        local isNext = true
        while true do
          local nextEntry = nextPastMark()
          if nextEntry[1] == id then break end
          if pendingCount(nextEntry[1]) > 0 or runSkipped >= 100 then
            isNext = false
            break
          end
          deadLetter(stream, room, nextEntry[1], nextEntry[2], 'acked-unapplied', 0)
          advanceTo(nextEntry[1])
          runSkipped = runSkipped + 1
        end
        if not isNext then
          outcomes[#outcomes + 1] = 'NOT_YET:' .. pendingCount(id)
          break
        end

        -- 4. A message delivered too often is given up on, so it stops blocking its room.
        local deliveries = pendingCount(id)
        if deliveries > maxDeliveries then
          deadLetter(stream, room, id, self[2], 'max-deliveries', deliveries)
          advanceTo(id)
          outcomes[#outcomes + 1] = 'DEAD_LETTERED:' .. deliveries
        elseif handlerFailed then
          counts.handlerFailures = counts.handlerFailures + 1
          outcomes[#outcomes + 1] = 'FAILED:' .. deliveries
          break
        elseif members.err then
          counts.brokenMembers = counts.brokenMembers + 1
          outcomes[#outcomes + 1] = 'FAILED:' .. deliveries
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
          advanceTo(id)
          counts.applied = counts.applied + 1
          if deliveries > 1 then counts.redeliveriesApplied = counts.redeliveriesApplied + 1 end
          outcomes[#outcomes + 1] = 'APPLIED:' .. deliveries
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

-- Every room's applied mark in one HMGET (a command per batch, not per room).
local roomNames = {}
local a = 10
while a <= #ARGV do
  roomNames[#roomNames + 1] = ARGV[a]
  a = a + 3 + tonumber(ARGV[a + 1]) + tonumber(ARGV[a + 2])
end
-- unpack has a stack limit: ask in chunks.
local initialMarks = {}
for from = 1, #roomNames, 500 do
  local chunk = redis.call('HMGET', KEYS[1], unpack(roomNames, from, math.min(from + 499, #roomNames)))
  for i = 1, #chunk do initialMarks[from + i - 1] = chunk[i] end
end

local runs = {}
local isStopped = false
local k = 4
a = 10
for r = 1, #roomNames do
  local n, f = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local firstId, lastId = a + 3, a + 2 + n
  if isStopped then
    runs[#runs + 1] = ''
  else
    local hasFailed = {}
    for i = lastId + 1, lastId + f do hasFailed[tonumber(ARGV[i])] = true end
    local mark = initialMarks[r]
    if mark == false then mark = nil end
    local outcomes, stop = deliverRun(KEYS[k], KEYS[k + 1], roomNames[r], mark, firstId, lastId, hasFailed)
    runs[#runs + 1] = table.concat(outcomes, ',')
    isStopped = stop
  end
  a, k = lastId + 1 + f, k + 2
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
local markPairs = {}
for room, mark in pairs(marks) do
  markPairs[#markPairs + 1] = room
  markPairs[#markPairs + 1] = mark
end
for from = 1, #markPairs, 1000 do
  redis.call('HSET', KEYS[1], unpack(markPairs, from, math.min(from + 999, #markPairs)))
end
for name, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[3], name, n) end
end
return {runs, skipped}
