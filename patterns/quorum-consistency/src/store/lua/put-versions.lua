--[[
put-versions: put-version for many keys in one atomic script: anti-entropy's
repair and bulk loads, one command (with its own timeout) instead of a
pipeline of many (put-version-rule.lua and merkle-update.lua go in front).

KEYS[1]  digest index      KEYS[2]  tombstone index   KEYS[3]  Merkle tree
KEYS[4]  leaves set        KEYS[5]  summary
KEYS[6..] the versions hash of each key, in the order of ARGV's groups
ARGV[1]  conflict policy   ARGV[2]  the tree's depth
ARGV[3..] one group per key: the key, its leaf, n, then n strings (version id, version JSON pairs)
Returns: the number of versions added over all keys
]]
local added, at = 0, 3
for k = 6, #KEYS do
  local key, leaf, n = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local versions = {}
  for i = 1, n do versions[i] = ARGV[at + 2 + i] end
  at = at + 3 + n
  local K = { KEYS[k], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5] }
  added = added + putVersion(K, key, ARGV[1], leaf, tonumber(ARGV[2]), versions)
end
return added
