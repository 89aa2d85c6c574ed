-- delete-item: removes one item of a partition on Redis Cluster, its value and its sort key together,
-- so a page never meets a sort key without its value.
--
-- KEYS[1]  the partition's sort-key index (sorted set, every score 0)
-- KEYS[2]  the partition's values (hash: sort key -> value)
-- ARGV[1]  the sort key
--
-- Returns  1 when the item was there, 0 when it was absent (ZREM's count).
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
