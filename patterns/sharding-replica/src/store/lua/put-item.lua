-- put-item: writes one item of a partition (both engines): its sort key into the index and its value
-- into the values hash, in one script (both keys carry the hash tag {pk}, so they sit in one slot).
--
-- KEYS[1]  the partition's sort-key index (sorted set, every score 0)
-- KEYS[2]  the partition's values (hash: sort key -> value)
-- ARGV[1]  the sort key
-- ARGV[2]  the value
--
-- (item-types.lua, joined before this file, gives refuseOtherTypes.)
--
-- Returns  1 when the item is new, 0 when it replaced an existing value (HSET's count of new fields).
local refused = refuseOtherTypes()
if refused then return refused end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
