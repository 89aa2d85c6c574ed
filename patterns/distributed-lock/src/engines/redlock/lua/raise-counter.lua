-- raise-counter: the write-back half of a quorum counter (fencing tokens, queue tickets). A node
-- raises to a given value at most once, so two callers never both win a majority for it; a fencing
-- counter only for the holder of its lease, so raises follow the order of the leases.
--
-- KEYS[1]  counter: lab:distributed-lock:fencing:<resource> or lab:distributed-lock:ticket:<resource>
-- KEYS[2]  lock hash: lab:distributed-lock:lock:<resource> (records the fencing token on our lease)
-- ARGV[1]  proposed value (integer)
-- ARGV[2]  lease token, or '' when raising a ticket counter
--
-- Returns  {1, proposed}  the counter was lower and now equals proposed
--          {0, current}   it already was >= proposed (changed nothing)
--          {2}            a fencing raise for a lease this node no longer holds (changed nothing)
local isFencing = ARGV[2] ~= ''
if isFencing and redis.call('HGET', KEYS[2], 'token') ~= ARGV[2] then return {2} end
local proposed = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= proposed then return {0, current} end
redis.call('SET', KEYS[1], proposed)
if isFencing then redis.call('HSET', KEYS[2], 'fencingToken', proposed) end
return {1, proposed}
