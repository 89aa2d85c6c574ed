-- stream-ids: the order of stream entry ids (`<ms>-<seq>`), shared by send.lua and deliver.lua. Not a
-- script of its own: the store sends it in front of each of theirs (LuaScript joins the files), so both
-- compare ids by one rule, on numbers, not strings ("10-0" comes after "9-0").
--
-- Returns  nothing; defines parseId(id) -> ms, seq and idLess(a, b) -> a is older than b
local function parseId(x)
  local ms, seq = string.match(x, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

local function idLess(a, b)
  local am, as = parseId(a)
  local bm, bs = parseId(b)
  return am < bm or (am == bm and as < bs)
end
