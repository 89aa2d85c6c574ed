--[[
drop-tombstone: forgets a key whose only version is the given tombstone.
The caller has checked that every replica holds that tombstone alone; the
check here makes sure nothing newer arrived in between.

KEYS[1]  versions hash of the key
KEYS[2]  digest index of this replica
KEYS[3]  tombstone index of this replica
ARGV[1]  the key
ARGV[2]  the tombstone's version id
Returns: 1 when dropped, 0 when the replica holds something else
]]
if redis.call('HLEN', KEYS[1]) ~= 1 or redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
