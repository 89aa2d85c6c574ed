-- merkle-nodes: the values of some nodes of this replica's Merkle tree, for the top-down comparison. One
-- reply for a whole level keeps the exchange to one round trip per level and a few bytes per node. The
-- writes since the last flush are applied first (merkle-update.lua goes in front), so no stale node is
-- ever read; when more are pending than one flush applies, it answers how many still wait instead, and
-- the caller asks again.
--
-- KEYS[1]  Merkle tree of this replica: heap index -> "<16 hex>:<keys below>"
-- KEYS[2]  pending changes of this replica's Merkle tree: leaf -> "<16 hex>:<net keys in or out>"
-- ARGV[1]  levels below each node given whose values are wanted: 0 for the nodes themselves, s for the 2^s
--          nodes s levels down (p * 2^s up to p * 2^s + 2^s - 1), in order; a descent names the nodes it
--          opens, not their descendants (a few bytes per request instead of 2^s numbers)
-- ARGV[2]  the tree's depth
-- ARGV[3]  the most pending leaves one flush applies
-- ARGV[4]  the first heap index; more follow
--
-- Returns  one string, the values in the order asked, separated by spaces ("-" for an empty subtree); or
--          an integer, the pending leaves still waiting after this call's flush (nothing was read)

local waiting = flushPending(KEYS[1], KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]))
if waiting > 0 then return waiting end
local wanted = {}
local width = 2 ^ tonumber(ARGV[1])
for i = 4, #ARGV do
  local first = tonumber(ARGV[i]) * width
  for j = 0, width - 1 do wanted[#wanted + 1] = string.format('%d', first + j) end
end
local out = {}
if #wanted > 0 then
  local values = redis.call('HMGET', KEYS[1], unpack(wanted))
  for i = 1, #wanted do out[i] = values[i] or '-' end
end
return table.concat(out, ' ')
