-- dequeue: a waiter leaves the queue (granted elsewhere, gave up, or timed out).
--
-- KEYS[1]  queue zset: lab:distributed-lock:queue:<resource>
-- KEYS[2]  queue lease zset: lab:distributed-lock:queue-lease:<resource>
-- ARGV[1]  waiter member
--
-- Returns  1 if it was queued on this node, 0 if not
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
