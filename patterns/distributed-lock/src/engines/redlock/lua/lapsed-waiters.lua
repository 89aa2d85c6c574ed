-- lapsed-waiters: drops the waiters whose queue entry was not refreshed in time, shared by the scripts
-- that read or join the queue. Not a script of its own: LuaScript sends it in front of theirs (it joins
-- the files), so all judge a waiter by one rule, on the node's clock.
--
-- Returns  nothing; defines
--          nodeNowMs() -> the node's time now, in ms
--          dropLapsedWaiters(queueKey, queueLeaseKey) -> the node's time now, in ms
--          waiterAhead(queueKey, queueLeaseKey, member, ticket) -> the earliest live waiter that goes
--            before `member` holding `ticket` (both nil: before anyone), or nil
--          liveHead(queueKey, queueLeaseKey) -> the earliest live waiter, or nil
local function nodeNowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local function dropLapsedWaiters(queueKey, queueLeaseKey)
  local nowMs = nodeNowMs()
  local lapsed = redis.call('ZRANGEBYSCORE', queueLeaseKey, '-inf', nowMs)
  if #lapsed > 0 then
    redis.call('ZREM', queueKey, unpack(lapsed))
    redis.call('ZREM', queueLeaseKey, unpack(lapsed))
  end
  return nowMs
end

-- Tickets are distinct (a quorum counter issues each once), so a lower score goes first.
local function isAhead(first, member, ticket)
  if not first[1] or first[1] == member then return false end
  return ticket == nil or tonumber(first[2]) < ticket
end

-- The clock is read and the lapsed entries dropped only when someone seems to go first: an empty
-- queue (every uncontended acquire and release) or a waiter at its head costs one read.
local function waiterAhead(queueKey, queueLeaseKey, member, ticket)
  if not isAhead(redis.call('ZRANGE', queueKey, 0, 0, 'WITHSCORES'), member, ticket) then return nil end
  dropLapsedWaiters(queueKey, queueLeaseKey)
  local first = redis.call('ZRANGE', queueKey, 0, 0, 'WITHSCORES')
  if isAhead(first, member, ticket) then return first[1] end
  return nil
end

local function liveHead(queueKey, queueLeaseKey)
  return waiterAhead(queueKey, queueLeaseKey, nil, nil)
end
