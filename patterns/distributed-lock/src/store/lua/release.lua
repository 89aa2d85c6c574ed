-- release.lua: delete the lease on this node only if it is still ours.
-- KEYS[1] lock hash  lab:distributed-lock:lock:<resource>
-- ARGV[1] token: the lease's secret
-- ARGV[2] channel: where releases are announced (lab:distributed-lock:released)
-- ARGV[3] resource name; '<resource>|<fencingToken>' is published on the channel
-- Returns 1 if our lease was deleted, 0 if this node holds no lease of ours (changed nothing).
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  local fencingToken = redis.call('HGET', KEYS[1], 'fencingToken') or ''
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3] .. '|' .. fencingToken)
  return 1
end
return 0
