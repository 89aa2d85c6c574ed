-- set-if-newer: stores one version of a key in the L2 cache unless the cache already holds the same or a
-- newer one. A reader that loaded an old version before a write must not put it back over the write's version.
--
-- KEYS[1]  the cache entry (a hash: seq, deleted, value)
-- ARGV[1]  seq of this version (integer)
-- ARGV[2]  "1" when the version is a tombstone (the key was deleted), else "0"
-- ARGV[3]  the value ("" for a tombstone)
-- ARGV[4]  time to live, in seconds
--
-- Returns  1 when stored; 0 when the cache already had a seq >= ARGV[1] (nothing changed)
local current = redis.call('HGET', KEYS[1], 'seq')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'deleted', ARGV[2], 'value', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
