-- delete-item: removes one item of a partition (both engines), its value and its sort key together,
-- so a page never meets a sort key without its value.
--
-- KEYS[1]  the partition's sort-key index (sorted set, every score 0)
-- KEYS[2]  the partition's values (hash: sort key -> value)
-- ARGV[1]  the sort key
--
-- (item-types.lua, joined before this file, gives refuseOtherTypes.)
--
-- Returns  1 when the item was there, 0 when it was absent (ZREM's count).
local refused = refuseOtherTypes()
if refused then return refused end
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
