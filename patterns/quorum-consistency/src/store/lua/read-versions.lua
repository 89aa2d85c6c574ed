-- read-versions: the sibling sets of many keys in one command (one timeout), for anti-entropy's repair
-- and bulk copies.
--
-- KEYS[1]  the versions hash of the first key; one per key
--
-- Returns  one flat (version id, version JSON) array per key, in order (empty for a key not held)

local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
