-- trim-history: drops all but the newest entries of a user's history, as the
-- count cap would, and remembers how far it trimmed (clients behind that point
-- get HISTORY_EXPIRED and must do a full sync).
--
-- KEYS[1]  mailbox hash: historyId, trimmedThrough
-- KEYS[2]  history sorted set: score historyId, member entry JSON
-- ARGV[1]  keepLast: entries to keep
--
-- Returns  { historyId, trimmedThrough, removed }
local trimmedThrough = tonumber(redis.call('HGET', KEYS[1], 'trimmedThrough') or '0')
local size = redis.call('ZCARD', KEYS[2])
local keep = tonumber(ARGV[1])
local removed = 0
if size > keep then
  local popped = redis.call('ZPOPMIN', KEYS[2], size - keep)
  removed = size - keep
  trimmedThrough = math.max(trimmedThrough, tonumber(popped[#popped]))
  redis.call('HSET', KEYS[1], 'trimmedThrough', trimmedThrough)
end
local historyId = tonumber(redis.call('HGET', KEYS[1], 'historyId') or '0')
-- Trimming everything that exists means nothing before historyId can be read any more.
if keep == 0 and historyId > trimmedThrough then
  trimmedThrough = historyId
  redis.call('HSET', KEYS[1], 'trimmedThrough', trimmedThrough)
end
return { historyId, trimmedThrough, removed }
