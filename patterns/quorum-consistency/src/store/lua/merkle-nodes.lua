--[[
merkle-nodes: the values of some nodes of this replica's Merkle tree, for the
top-down comparison. One reply for a whole level keeps the exchange to one
round trip per level and a few bytes per node.

KEYS[1]  tree hash: heap index -> "<16 hex>:<keys>"
ARGV[1..] heap indices
Returns: one string, the values in the order asked, separated by spaces; "-" for an empty subtree
]]
local values = redis.call('HMGET', KEYS[1], unpack(ARGV))
local out = {}
for i = 1, #ARGV do out[i] = values[i] or '-' end
return table.concat(out, ' ')
