-- extend: push our lease's expiry out on this node, only if it is still ours, and announce it so the
-- instance that granted the lease moves its expiry too.
--
-- KEYS[1]  lock hash: lab:distributed-lock:lock:<resource>
-- ARGV[1]  token: the lease's secret
-- ARGV[2]  ttlMs: the new time to live from now, ms
-- ARGV[3]  channel: where lease events are announced (PUBLISH {event="extended", ...} as JSON)
-- ARGV[4]  resource name
-- ARGV[5]  instance that extends
-- ARGV[6]  atMs: the extending instance's clock + ttlMs, the latest the lease can now last
--
-- Returns  {1, fencingToken, owner}  extended (fencingToken '' if none was recorded)
--          {0}                       this node holds no lease of ours (changed nothing)
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  local fencingToken = redis.call('HGET', KEYS[1], 'fencingToken') or ''
  local owner = redis.call('HGET', KEYS[1], 'owner') or ''
  redis.call('PUBLISH', ARGV[3], cjson.encode({
    event = 'extended', resource = ARGV[4], fencingToken = tonumber(fencingToken),
    owner = owner, instance = ARGV[5], atMs = tonumber(ARGV[6]),
  }))
  return {1, fencingToken, owner}
end
return {0}
