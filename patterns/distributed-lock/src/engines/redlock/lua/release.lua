-- release: delete the lease on this node only if it is still ours, and announce it when another
-- instance needs to hear it: the one that granted the lease (it closes it), or the one whose waiter
-- is next in this node's queue (it tries at once). The releasing instance wakes its own waiters.
--
-- KEYS[1]  lock hash: lab:distributed-lock:lock:<resource>
-- KEYS[2]  queue zset: lab:distributed-lock:queue:<resource>, member (id:instance:owner) -> ticket
-- KEYS[3]  queue lease zset: lab:distributed-lock:queue-lease:<resource>, member -> deadline (node clock, ms)
-- ARGV[1]  token: the lease's secret
-- ARGV[2]  channel: where lease events are announced (lab:distributed-lock:released); publishes
--          {event="released", resource, fencingToken, owner, instance, atMs} as JSON
-- ARGV[3]  resource name
-- ARGV[4]  instance that releases
-- ARGV[5]  atMs: the releasing instance's clock when it sent the release (the end of the lease's window)
-- ARGV[6]  '1': a lease that was handed out; '0': an attempt withdrawn (refused, too slow, a late vote),
--          always announced, without a fencing token, since the one it may record was issued to nobody
--
-- Returns  {1, fencingToken, owner}  our lease was deleted (fencingToken '' if none was recorded)
--          {0}                       this node holds no lease of ours
local lease = redis.call('HMGET', KEYS[1], 'token', 'fencingToken', 'owner', 'instance')
if lease[1] ~= ARGV[1] then return {0} end

local fencingToken = lease[2] or ''
local owner = lease[3] or ''
local grantedBy = lease[4] or ''
redis.call('DEL', KEYS[1])

local isHandedOut = ARGV[6] == '1'
local isHeardElsewhere = not isHandedOut or grantedBy ~= ARGV[4]
if not isHeardElsewhere then
  local head = liveHead(KEYS[2], KEYS[3])
  -- Only the head can be granted here next; its instance is the member's second part.
  isHeardElsewhere = head ~= nil and string.match(head, '^[^:]*:([^:]*):') ~= ARGV[4]
end
if not isHeardElsewhere then return {1, fencingToken, owner} end

local announced = nil
if isHandedOut then announced = tonumber(fencingToken) end
redis.call('PUBLISH', ARGV[2], cjson.encode({
  event = 'released', resource = ARGV[3], fencingToken = announced,
  owner = owner, instance = ARGV[4], atMs = tonumber(ARGV[5]),
}))
return {1, fencingToken, owner}
