-- merkle-nodes: the values of some nodes of this replica's Merkle tree, for the top-down comparison. One
-- reply for a whole level keeps the exchange to one round trip per level and a few bytes per node.
--
-- KEYS[1]  Merkle tree of this replica: heap index -> "<16 hex>:<keys below>"
-- ARGV[1]  "nodes": ARGV[2..] are the nodes wanted; "children": ARGV[2..] are parents, and their children
--          2p, 2p+1 are wanted (half the request bytes on the way down)
-- ARGV[2]  the first heap index; more follow
--
-- Returns  one string, the values in the order asked, separated by spaces; "-" for an empty subtree

local wanted = {}
for i = 2, #ARGV do
  if ARGV[1] == 'children' then
    wanted[#wanted + 1] = 2 * tonumber(ARGV[i])
    wanted[#wanted + 1] = 2 * tonumber(ARGV[i]) + 1
  else
    wanted[#wanted + 1] = ARGV[i]
  end
end
local out = {}
if #wanted > 0 then
  local values = redis.call('HMGET', KEYS[1], unpack(wanted))
  for i = 1, #wanted do out[i] = values[i] or '-' end
end
return table.concat(out, ' ')
