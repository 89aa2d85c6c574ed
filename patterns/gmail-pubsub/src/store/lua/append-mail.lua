-- append-mail: appends one mail to a user's history, bumps the user's historyId,
-- trims the history by count and age, and publishes the notification, all in one
-- atomic step: nothing is half-written, and notifications leave in historyId order.
--
-- KEYS[1]  mailbox hash: historyId (last assigned), trimmedThrough (highest historyId trimmed away)
-- KEYS[2]  history sorted set: score historyId, member entry JSON
-- ARGV[1]  entry JSON object without historyId and at, e.g. {"kind":"mail",...,"body":"..."}
-- ARGV[2]  notification JSON object without historyId and at (the entry minus the body)
-- ARGV[3]  maxCount: entries kept at most
-- ARGV[4]  maxAgeMs: entries older than this (by Redis server time) are trimmed
-- ARGV[5]  ageTrimBatch: at most this many entries trimmed by age per call (bounded work)
-- ARGV[6..] channels to publish the notification on (none when the engine broadcasts it itself)
--
-- Returns  { historyId, at (ms, Redis server time), trimmedThrough }
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local historyId = redis.call('HINCRBY', KEYS[1], 'historyId', 1)
-- The JSON objects arrive without their first two fields so no JSON library has to re-encode them.
local head = '{"historyId":' .. historyId .. ',"at":' .. now .. ','
local entry = head .. string.sub(ARGV[1], 2)
local note = head .. string.sub(ARGV[2], 2)
redis.call('ZADD', KEYS[2], historyId, entry)

local trimmedThrough = tonumber(redis.call('HGET', KEYS[1], 'trimmedThrough') or '0')
local size = redis.call('ZCARD', KEYS[2])
local maxCount = tonumber(ARGV[3])
if size > maxCount then
  local popped = redis.call('ZPOPMIN', KEYS[2], size - maxCount)
  trimmedThrough = math.max(trimmedThrough, tonumber(popped[#popped]))
end
local oldestAllowed = now - tonumber(ARGV[4])
for _ = 1, tonumber(ARGV[5]) do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if #oldest == 0 or cjson.decode(oldest[1]).at >= oldestAllowed then break end
  redis.call('ZPOPMIN', KEYS[2])
  trimmedThrough = math.max(trimmedThrough, tonumber(oldest[2]))
end
redis.call('HSET', KEYS[1], 'trimmedThrough', trimmedThrough)

for i = 6, #ARGV do
  redis.call('PUBLISH', ARGV[i], note)
end
return { historyId, now, trimmedThrough }
