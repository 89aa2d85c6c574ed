-- fenced-write: the protected resource accepts a write only with a token higher than every token it
-- accepted before (Kleppmann's fencing check), unless the check is off.
--
-- KEYS[1]  resource hash: lab:distributed-lock:resource:<name> (value, highestToken, acceptedCount, rejectedCount)
-- KEYS[2]  accepted list: lab:distributed-lock:resource-accepted:<name>, newest first
-- KEYS[3]  rejected list: lab:distributed-lock:resource-rejected:<name>, newest first
-- KEYS[4]  resource index: lab:distributed-lock:resources
-- ARGV[1]  fencingToken (integer)
-- ARGV[2]  data: the new value
-- ARGV[3]  '1' = check tokens, '0' = accept everything (the lab's "fencing off" switch)
-- ARGV[4]  writeId
-- ARGV[5]  writer (owner)
-- ARGV[6]  resource name
-- ARGV[7]  logCap: entries kept per list
--
-- Returns  {1, highestToken}  accepted
--          {0, highestToken}  rejected as stale
local token = tonumber(ARGV[1])
local highest = tonumber(redis.call('HGET', KEYS[1], 'highestToken') or '-1')
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local entry = cjson.encode({
  writeId = ARGV[4], fencingToken = token, data = ARGV[2], writer = ARGV[5], atMs = nowMs,
  checked = ARGV[3] == '1',
})
local cap = tonumber(ARGV[7])
redis.call('SADD', KEYS[4], ARGV[6])
if ARGV[3] == '1' and token <= highest then
  redis.call('HINCRBY', KEYS[1], 'rejectedCount', 1)
  redis.call('LPUSH', KEYS[3], entry)
  redis.call('LTRIM', KEYS[3], 0, cap - 1)
  return {0, highest}
end
if token > highest then highest = token end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'highestToken', highest)
redis.call('HINCRBY', KEYS[1], 'acceptedCount', 1)
redis.call('LPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], 0, cap - 1)
return {1, highest}
