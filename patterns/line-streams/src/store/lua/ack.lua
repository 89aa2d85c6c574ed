-- ack: XACK a worker's settled entries of several rooms in one call, after deliver.lua applied their effects:
-- one command for the whole batch instead of one XACK per room (the worker's cost per round is its commands).
-- Separate from deliver.lua on purpose: the ack comes after the effect, so a crash in between is the
-- redelivery the applied mark absorbs (the crash-before-ack fault stops right there).
--
-- KEYS[1..] the rooms' streams (lab:line-streams:stream:<room>), one per run in ARGV
-- ARGV[1]  group name
-- ARGV[2..] the runs, one per key in order: n, then n entry ids
--
-- Returns  the number of entries acknowledged (XACK's count: ids no longer pending count 0)
local group = ARGV[1]
local acked = 0
local a = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  if n > 0 then acked = acked + redis.call('XACK', KEYS[k], group, unpack(ARGV, a + 1, a + n)) end
  a = a + 1 + n
end
return acked
