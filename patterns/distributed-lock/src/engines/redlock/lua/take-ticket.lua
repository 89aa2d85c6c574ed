-- take-ticket: the first round of a waiter's queue ticket (raise-counter's rule on the ticket counter),
-- and its place in this node's queue in the same step: registered only where the counter was raised
-- to the proposal, so a proposal that fell short of a majority is registered on a minority at most
-- (the waiter takes it back at once), and a registration never grants anything.
--
-- KEYS[1]  ticket counter: lab:distributed-lock:ticket:<resource>
-- KEYS[2]  queue zset: lab:distributed-lock:queue:<resource>, member -> ticket
-- KEYS[3]  queue lease zset: lab:distributed-lock:queue-lease:<resource>, member -> deadline (node clock, ms)
-- KEYS[4]  lock hash: lab:distributed-lock:lock:<resource> (read only: is it held?)
-- ARGV[1]  proposed ticket (integer)
-- ARGV[2]  waiter member
-- ARGV[3]  queueLeaseMs: the entry drops out if no vote refreshes it within this many ms
--
-- Returns  {1, isNext}   raised to the proposal and registered with it; isNext 1 if nothing holds the
--                        lock here and this waiter heads the queue (a vote now could be granted)
--          {0, current}  the counter already was >= proposed (changed nothing)
local proposed = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= proposed then return {0, current} end
redis.call('SET', KEYS[1], proposed)

local nowMs = dropLapsedWaiters(KEYS[2], KEYS[3])
local leaseMs = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], proposed, ARGV[2])
redis.call('ZADD', KEYS[3], nowMs + leaseMs, ARGV[2])
redis.call('PEXPIRE', KEYS[2], leaseMs * 2)
redis.call('PEXPIRE', KEYS[3], leaseMs * 2)

local isNext = 0
if redis.call('EXISTS', KEYS[4]) == 0 and redis.call('ZRANGE', KEYS[2], 0, 0)[1] == ARGV[2] then isNext = 1 end
return {1, isNext}
