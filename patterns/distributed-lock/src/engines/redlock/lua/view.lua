-- view: what this lock node holds for one resource (read-only apart from purging dead waiters).
--
-- KEYS[1]  lock hash: lab:distributed-lock:lock:<resource>
-- KEYS[2]  queue zset: lab:distributed-lock:queue:<resource>
-- KEYS[3]  queue lease zset: lab:distributed-lock:queue-lease:<resource>
-- KEYS[4]  fencing counter: lab:distributed-lock:fencing:<resource>
-- KEYS[5]  quarantine: lab:distributed-lock:node:quarantine
--
-- Returns  {token, owner, instance, fencingToken, pttlMs, counter, quarantinePttlMs, queue}
--          where missing strings are '' and queue is a flat {member, ticket, member, ticket, ...}
dropLapsedWaiters(KEYS[2], KEYS[3])
local lease = redis.call('HMGET', KEYS[1], 'token', 'owner', 'instance', 'fencingToken')
return {
  lease[1] or '', lease[2] or '', lease[3] or '', lease[4] or '',
  redis.call('PTTL', KEYS[1]),
  tonumber(redis.call('GET', KEYS[4]) or '0'),
  redis.call('PTTL', KEYS[5]),
  redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES'),
}
