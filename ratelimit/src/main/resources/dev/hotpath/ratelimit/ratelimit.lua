-- Hotpath distributed token buckets: one call takes permits from every bandwidth of one key.
-- KEYS[1]  state hash {v=format version, f=limit spec, 1..n=token index per bandwidth}
-- ARGV[1]  'a' acquire (reserve when the wait is at most ARGV[3]) | 's' sync usage | 'd' debit: take
--          permits a fail-open fallback granted from every bandwidth, into debt if need be, at most
--          that bandwidth's cap from ARGV[3]
-- ARGV[2]  permits (acquire, debit) or used permits (sync)
-- ARGV[3]  max wait, microseconds (acquire); per bandwidth the most to debit, joined by ',' (debit)
-- ARGV[4]  bandwidth number, 1-based (sync)
-- ARGV[5]  limit spec: per bandwidth kind:capacity:tokens:period:offset (kind 0 greedy, 1 window;
--          microseconds; greedy tokens/period reduced by their gcd), joined by ','; stored as the
--          state's fingerprint, and parsed only when a replaced limit meets older state
-- ARGV[6..] the same numbers, five per bandwidth, so the common path parses no string
-- Returns {granted 0|1, wait us, remaining, limit, reset us}.
-- Lua numbers are doubles: the client only sends limits whose arithmetic stays below 2^53, and
-- divmod corrects the rounding of '/', so every value here is an exact integer.
-- The clock is the server's TIME, so client clocks do not matter.

local function divmod(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
    r = r + b
  elseif r >= b then
    q = q + 1
    r = r - b
  end
  return q, r
end

local function ceildiv(a, b)
  local q, r = divmod(a, b)
  if r > 0 then
    q = q + 1
  end
  return q
end

-- permits released up to now: greedy floor(now * tokens / period); window (index + 1) * capacity
local function ceiling(b, now)
  if b[1] == 0 then
    local q, r = divmod(now, b[4])
    local part = divmod(r * b[3], b[4])
    return q * b[3] + part
  end
  local index = divmod(now - b[5], b[4])
  return (index + 1) * b[2]
end

-- first instant at which ceiling reaches index
local function timeof(b, index)
  if b[1] == 0 then
    local q, r = divmod(index, b[3])
    return q * b[4] + ceildiv(r * b[4], b[3])
  end
  return (ceildiv(index, b[2]) - 1) * b[4] + b[5]
end

local function parse(spec)
  local bands = {}
  for part in string.gmatch(spec, '[^,]+') do
    local b = {}
    for value in string.gmatch(part, '[^:]+') do
      b[#b + 1] = tonumber(value)
    end
    bands[#bands + 1] = b
  end
  return bands
end

-- TIME before writes needs effects replication: the default from Redis 5, asked for on older ones
if redis.replicate_commands then
  redis.replicate_commands()
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local key = KEYS[1]
local mode = ARGV[1]
local amount = tonumber(ARGV[2])
local maxwait = tonumber(ARGV[3])
local target = tonumber(ARGV[4])
local spec = ARGV[5]
local n = (#ARGV - 5) / 5
local bands = {}
for i = 1, n do
  local at = 5 + (i - 1) * 5
  bands[i] = {tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4]),
    tonumber(ARGV[at + 5])}
end

local fields = {'v', 'f'}
for i = 1, n do
  fields[#fields + 1] = tostring(i)
end
local stored = redis.call('HMGET', key, unpack(fields))

-- floors[i]: the state of a full bucket; a missing or older state is lifted to it
local floors, states = {}, {}
for i = 1, n do
  floors[i] = ceiling(bands[i], now) - bands[i][2]
  states[i] = floors[i]
end
if stored[1] == '1' then
  if stored[2] == spec then
    for i = 1, n do
      local s = tonumber(stored[i + 2])
      if s and s > states[i] then
        states[i] = s
      end
    end
  elseif stored[2] then
    -- the limit was replaced: each bandwidth keeps the permits it had used, up to its new capacity
    local old = parse(stored[2])
    for i = 1, math.min(n, #old) do
      local s = tonumber(stored[i + 2])
      if s then
        local oldfloor = ceiling(old[i], now) - old[i][2]
        local used = math.min(math.max(s, oldfloor) - oldfloor, bands[i][2])
        states[i] = floors[i] + used
      end
    end
  end
end

local wait = 0
local nexts = {}
if mode == 'a' then
  for i = 1, n do
    nexts[i] = states[i] + amount
    if nexts[i] > floors[i] + bands[i][2] then
      local w = timeof(bands[i], nexts[i]) - now
      if w > wait then
        wait = w
      end
    end
  end
elseif mode == 'd' then
  local caps = {}
  for cap in string.gmatch(ARGV[3], '[^,]+') do
    caps[#caps + 1] = tonumber(cap)
  end
  for i = 1, n do
    nexts[i] = states[i] + math.min(amount, caps[i] or 0)
  end
else
  for i = 1, n do
    nexts[i] = states[i]
  end
  nexts[target] = math.max(states[target], floors[target] + math.min(amount, bands[target][2]))
end

local granted = mode == 'd' or wait <= maxwait
local final = states
if granted then
  final = nexts
end
local remaining, tightest = nil, 1
for i = 1, n do
  local r = floors[i] + bands[i][2] - final[i]
  if remaining == nil or r < remaining then
    remaining = r
    tightest = i
  end
end
local reset = math.max(0, timeof(bands[tightest], final[tightest] + bands[tightest][2]) - now)

if granted then
  local args = {'v', '1', 'f', spec}
  local full = 0
  for i = 1, n do
    args[#args + 1] = i
    args[#args + 1] = nexts[i] -- a Lua number reaches Redis as %.17g: exact below 2^53
    local t = timeof(bands[i], nexts[i] + bands[i][2]) - now
    if t > full then
      full = t
    end
  end
  redis.call('HSET', key, unpack(args))
  -- the key expires when the bucket would be full again: then it is the same as no key
  redis.call('PEXPIRE', key, math.floor(full / 1000) + 2)
end
if granted then
  return {1, wait, remaining, bands[tightest][2], reset}
end
return {0, wait, remaining, bands[tightest][2], reset}
