-- extend.lua: push our lease's expiry out on this node, only if it is still ours.
-- KEYS[1] lock hash  lab:distributed-lock:lock:<resource>
-- ARGV[1] token: the lease's secret
-- ARGV[2] ttlMs: the new time to live from now, ms
-- Returns 1 if extended, 0 if this node holds no lease of ours (changed nothing).
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
