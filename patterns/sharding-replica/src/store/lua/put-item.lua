-- put-item: writes one item of a partition on Redis Cluster: its sort key into the index and its value
-- into the values hash, in one script (both keys carry the hash tag {pk}, so they sit in one slot).
--
-- KEYS[1]  the partition's sort-key index (sorted set, every score 0)
-- KEYS[2]  the partition's values (hash: sort key -> value)
-- ARGV[1]  the sort key
-- ARGV[2]  the value
--
-- Returns  1 when the item is new, 0 when it replaced an existing value (HSET's count of new fields).
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
