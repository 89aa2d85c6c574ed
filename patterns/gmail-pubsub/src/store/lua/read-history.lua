-- read-history: the entries after a historyId, with the mailbox's bounds, read in
-- one atomic step so the bounds and the entries describe the same moment. Both
-- incremental sync (GET .../history) and full sync (GET .../messages) page with it.
--
-- KEYS[1]  mailbox hash: historyId, trimmedThrough
-- KEYS[2]  history sorted set: score historyId, member entry JSON
-- ARGV[1]  afterHistoryId: entries with a greater historyId are returned
-- ARGV[2]  limit: at most this many entries, oldest first
--
-- Returns  { historyId, trimmedThrough, entry JSON... }
local bounds = redis.call('HMGET', KEYS[1], 'historyId', 'trimmedThrough')
local result = { tonumber(bounds[1] or '0'), tonumber(bounds[2] or '0') }
local entries = redis.call('ZRANGE', KEYS[2], '(' .. ARGV[1], '+inf', 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #entries do
  result[#result + 1] = entries[i]
end
return result
