-- query-items: one page of a partition's items, read atomically: the sort keys and their values in one
-- script, so an item deleted (or written) by another client can never show up with a missing value.
--
-- KEYS[1]  the partition's sort-key index (sorted set, every score 0, ordered by bytes)
-- KEYS[2]  the partition's values (hash: sort key -> value)
-- ARGV[1]  'asc' or 'desc'
-- ARGV[2]  the lower lex bound ('-', '[x' or '(x')
-- ARGV[3]  the upper lex bound ('+', '[x' or '(x')
-- ARGV[4]  how many items at most (the caller asks for one more than the page, to know whether more follow)
--
-- Returns  a flat array: sk1, value1, sk2, value2, ... in the requested order (empty when none match).
local sortKeys
if ARGV[1] == 'asc' then
  sortKeys = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, ARGV[4])
else
  sortKeys = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[3], ARGV[2], 'LIMIT', 0, ARGV[4])
end
if #sortKeys == 0 then
  return {}
end
local values = redis.call('HMGET', KEYS[2], unpack(sortKeys))
local out = {}
for i, sk in ipairs(sortKeys) do
  -- Both structures change together in one MULTI, so a value is always there; skip rather than invent one.
  if values[i] then
    out[#out + 1] = sk
    out[#out + 1] = values[i]
  end
end
return out
