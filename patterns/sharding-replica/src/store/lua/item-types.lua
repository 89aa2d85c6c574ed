-- item-types: refuses, before anything is written, an item write to a partition whose keys hold another
-- type (a client outside the lab rewrote one). Redis does not roll a script back when a command in it
-- fails, so a WRONGTYPE met halfway would leave the sort key written without its value.
--
-- KEYS[1]  the partition's sort-key index (sorted set or absent)
-- KEYS[2]  the partition's values (hash or absent)
--
-- Returns  nothing itself: refuseOtherTypes() answers a WRONGTYPE error reply for the script joined after
--          it to return, or nil when both keys may be written
local function refuseOtherTypes()
  local index = redis.call('TYPE', KEYS[1]).ok
  local values = redis.call('TYPE', KEYS[2]).ok
  if (index ~= 'zset' and index ~= 'none') or (values ~= 'hash' and values ~= 'none') then
    return redis.error_reply('WRONGTYPE the partition keys hold ' .. index .. ' and ' .. values
      .. ', not a sorted set and a hash: nothing was written')
  end
  return nil
end
