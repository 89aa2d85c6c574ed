-- lapsed-waiters: drops the waiters whose queue entry was not refreshed in time, shared by acquire.lua
-- and view.lua. Not a script of its own: LuaScript sends it in front of theirs (it joins the files), so
-- both judge a waiter by one rule, on the node's clock.
--
-- Returns  nothing; defines dropLapsedWaiters(queueKey, queueLeaseKey) -> the node's time now, in ms
local function dropLapsedWaiters(queueKey, queueLeaseKey)
  local time = redis.call('TIME')
  local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local lapsed = redis.call('ZRANGEBYSCORE', queueLeaseKey, '-inf', nowMs)
  if #lapsed > 0 then
    redis.call('ZREM', queueKey, unpack(lapsed))
    redis.call('ZREM', queueLeaseKey, unpack(lapsed))
  end
  return nowMs
end
