-- merkle-nodes: the values of some nodes of this replica's Merkle tree, for the top-down comparison. One
-- reply for a whole level keeps the exchange to one round trip per level and a few bytes per node. The
-- writes since the last flush are applied first (merkle-update.lua goes in front), so no stale node is
-- ever read; when more are pending than one flush applies, it answers how many still wait instead, and
-- the caller asks again.
--
-- KEYS[1]  Merkle tree of this replica: heap index -> "<16 hex>:<keys below>"
-- KEYS[2]  pending changes of this replica's Merkle tree: leaf -> "<16 hex>:<net keys in or out>"
-- ARGV[1]  "nodes": ARGV[4..] are the nodes wanted; "children": ARGV[4..] are parents, and their children
--          2p, 2p+1 are wanted (half the request bytes on the way down)
-- ARGV[2]  the tree's depth
-- ARGV[3]  the most pending leaves one flush applies
-- ARGV[4]  the first heap index; more follow
--
-- Returns  one string, the values in the order asked, separated by spaces ("-" for an empty subtree); or
--          an integer, the pending leaves still waiting after this call's flush (nothing was read)

local waiting = flushPending(KEYS[1], KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]))
if waiting > 0 then return waiting end
local wanted = {}
for i = 4, #ARGV do
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
