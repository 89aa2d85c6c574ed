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
-- ARGV[5]  waiter member ('' for a caller that does not queue)
-- ARGV[6]  ticket: the waiter's place (integer; unused without a member)
-- ARGV[7]  queueLeaseMs: a waiter entry not refreshed within this many ms drops out
-- ARGV[8]  restartDelayMs: how long a node that lost its memory sits out (0 = rule off)
-- ARGV[9]  proposed fencing token: on a grant the counter is raised to it if lower, and the lease
--          records it (0 = no proposal)
--
-- Returns  {1, counter, raised}         granted: the lease is set with PX ttlMs; raised is 1 if the
--                                       counter was raised to the proposal, else 0
--          {2, counter, owner, pttlMs}  held by a lease
--          {3, counter, headMember}     free, but a waiter with an earlier ticket goes first
--          {4, remainingMs}             this node restarted empty and sits out the restart delay
--          (counter is this node's fencing counter, 0 if never set)
if redis.call('EXISTS', KEYS[5]) == 0 then
  -- The marker is written when a node is first used; without it the node lost its data.
  redis.call('SET', KEYS[5], '1')
  local delay = tonumber(ARGV[8])
  if delay > 0 then redis.call('SET', KEYS[6], '1', 'PX', delay) end
end
local quarantine = redis.call('PTTL', KEYS[6])
if quarantine > 0 then return {4, quarantine} end

local nowMs = dropLapsedWaiters(KEYS[2], KEYS[3])

local member = ARGV[5]
if member ~= '' then
  local leaseMs = tonumber(ARGV[7])
  redis.call('ZADD', KEYS[2], ARGV[6], member)
  redis.call('ZADD', KEYS[3], nowMs + leaseMs, member)
  -- An abandoned queue disappears on its own.
  redis.call('PEXPIRE', KEYS[2], leaseMs * 2)
  redis.call('PEXPIRE', KEYS[3], leaseMs * 2)
end

local counter = tonumber(redis.call('GET', KEYS[4]) or '0')
local holder = redis.call('HGET', KEYS[1], 'owner')
if holder then return {2, counter, holder, redis.call('PTTL', KEYS[1])} end

local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if head and head ~= member then return {3, counter, head} end

local proposed = tonumber(ARGV[9])
local raised = 0
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'owner', ARGV[3], 'instance', ARGV[4])
-- The token's write-back rides on the grant: raised here, the node holds our lease while it raises.
if proposed > counter then
  redis.call('SET', KEYS[4], proposed)
  redis.call('HSET', KEYS[1], 'fencingToken', proposed)
  raised = 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if member ~= '' then
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
end
return {1, counter, raised}
