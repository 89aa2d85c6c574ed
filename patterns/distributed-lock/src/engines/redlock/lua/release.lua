-- release: delete the lease on this node only if it is still ours, and announce it so every instance
-- hears it: waiters retry at once, and the instance that granted the lease closes it.
--
-- KEYS[1]  lock hash: lab:distributed-lock:lock:<resource>
-- ARGV[1]  token: the lease's secret
-- ARGV[2]  channel: where lease events are announced (lab:distributed-lock:released); publishes
--          {event="released", resource, fencingToken, owner, instance, atMs} as JSON
-- ARGV[3]  resource name
-- ARGV[4]  instance that releases
-- ARGV[5]  atMs: the releasing instance's clock when it sent the release (the end of the lease's window)
-- ARGV[6]  '1': a lease that was handed out; '0': an attempt withdrawn (refused, too slow, a late vote),
--          announced without a fencing token, since the one it may record was issued to nobody
--
-- Returns  {1, fencingToken, owner}  our lease was deleted (fencingToken '' if none was recorded)
--          {0}                       this node holds no lease of ours
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  local fencingToken = redis.call('HGET', KEYS[1], 'fencingToken') or ''
  local owner = redis.call('HGET', KEYS[1], 'owner') or ''
  redis.call('DEL', KEYS[1])
  local announced = nil
  if ARGV[6] == '1' then announced = tonumber(fencingToken) end
  redis.call('PUBLISH', ARGV[2], cjson.encode({
    event = 'released', resource = ARGV[3], fencingToken = announced,
    owner = owner, instance = ARGV[4], atMs = tonumber(ARGV[5]),
  }))
  return {1, fencingToken, owner}
end
return {0}
