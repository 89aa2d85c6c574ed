-- acquire: one lock node's vote on a lease (Redlock step 2), honouring the FIFO wait queue and the
-- delayed-restart rule.
--
-- KEYS[1]  lock hash: lab:distributed-lock:lock:<resource> (token, owner, instance)
-- KEYS[2]  queue zset: lab:distributed-lock:queue:<resource>, member -> ticket
-- KEYS[3]  queue lease zset: lab:distributed-lock:queue-lease:<resource>, member -> deadline (node clock, ms)
-- KEYS[4]  fencing counter: lab:distributed-lock:fencing:<resource>
-- KEYS[5]  node marker: lab:distributed-lock:node:incarnation
-- KEYS[6]  quarantine: lab:distributed-lock:node:quarantine
-- ARGV[1]  token: the lease's random secret
-- ARGV[2]  ttlMs: lease time to live, ms
-- ARGV[3]  owner: shown to others while held
-- ARGV[4]  instance: shown to others while held
-- ARGV[5]  restartDelayMs: how long a node that lost its memory sits out (0 = rule off)
-- ARGV[6]  proposed fencing token: on a grant the counter is raised to it if lower, and the lease
--          records it (0 = no proposal)
-- ARGV[7]  waiter member; absent for a caller that does not queue (so it sends three arguments fewer)
-- ARGV[8]  ticket: the waiter's place (integer; only with a member)
-- ARGV[9]  queueLeaseMs: a waiter entry not refreshed within this many ms drops out (only with a member)
--
-- Returns  {1, counter, raised}         granted: the lease is set with PX ttlMs; raised is 1 if the
--                                       counter was raised to the proposal, else 0
--          {2, counter, owner, pttlMs}  held by a lease
--          {3, counter, headMember}     free, but a waiter with an earlier ticket goes first
--          {4, remainingMs}             this node restarted empty and sits out the restart delay
--          (counter is this node's fencing counter, 0 if never set)
-- One read for both node keys: the marker is written when a node is first used, so without it the
-- node lost its data and sits out the restart delay.
local node = redis.call('MGET', KEYS[5], KEYS[6])
local isQuarantined = node[2] ~= false
if not node[1] then
  redis.call('SET', KEYS[5], '1')
  local delay = tonumber(ARGV[5])
  if delay > 0 then
    redis.call('SET', KEYS[6], '1', 'PX', delay)
    isQuarantined = true
  end
end
if isQuarantined then return {4, redis.call('PTTL', KEYS[6])} end

local member = ARGV[7]
local ticket = tonumber(ARGV[8])
-- A waiter that is not granted (re)takes its place: an entry refreshed by its votes, dropped when they stop.
local function keepPlace()
  if not member then return end
  local leaseMs = tonumber(ARGV[9])
  redis.call('ZADD', KEYS[2], ticket, member)
  redis.call('ZADD', KEYS[3], nodeNowMs() + leaseMs, member)
  -- An abandoned queue disappears on its own.
  redis.call('PEXPIRE', KEYS[2], leaseMs * 2)
  redis.call('PEXPIRE', KEYS[3], leaseMs * 2)
end

local counter = tonumber(redis.call('GET', KEYS[4]) or '0')
local holder = redis.call('HGET', KEYS[1], 'owner')
if holder then
  keepPlace()
  return {2, counter, holder, redis.call('PTTL', KEYS[1])}
end

-- Granted only to the waiter with the lowest live ticket: no later ticket collects a majority while an
-- earlier waiter is registered on one. A caller without a ticket goes after every waiter.
local head = waiterAhead(KEYS[2], KEYS[3], member, ticket)
if head then
  keepPlace()
  return {3, counter, head}
end

local proposed = tonumber(ARGV[6])
local raised = 0
-- The token's write-back rides on the grant: raised here, the node holds our lease while it raises.
if proposed > counter then
  raised = 1
  redis.call('SET', KEYS[4], proposed)
  redis.call('HSET', KEYS[1], 'token', ARGV[1], 'owner', ARGV[3], 'instance', ARGV[4], 'fencingToken', proposed)
else
  redis.call('HSET', KEYS[1], 'token', ARGV[1], 'owner', ARGV[3], 'instance', ARGV[4])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if member then
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
end
return {1, counter, raised}
