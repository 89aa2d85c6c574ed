--[[
read-history: the events after a historyId, with the mailbox's bounds, read in
one atomic step so the bounds and the events describe the same moment.

KEYS[1]  mailbox hash: historyId, trimmedThrough
KEYS[2]  history sorted set: score historyId, member entry JSON
ARGV[1]  startHistoryId: events with a greater historyId are returned
ARGV[2]  limit: at most this many events, oldest first
ARGV[3]  newest: "1" returns the newest `limit` events instead (newest first), ignoring startHistoryId

Returns  { historyId, trimmedThrough, entry JSON... }
]]
local bounds = redis.call('HMGET', KEYS[1], 'historyId', 'trimmedThrough')
local result = { tonumber(bounds[1] or '0'), tonumber(bounds[2] or '0') }
local entries
if ARGV[3] == '1' then
  entries = redis.call('ZRANGE', KEYS[2], '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, tonumber(ARGV[2]))
else
  entries = redis.call('ZRANGE', KEYS[2], '(' .. ARGV[1], '+inf', 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
end
for i = 1, #entries do
  result[#result + 1] = entries[i]
end
return result
