-- POST jwt/refresh/ spending each pre-minted refresh token once (rotation + blacklist).
-- Every request is the same text but for the token, so it is formatted once and each request
-- only splices its token in: formatting each request in Lua made wrk itself the bottleneck
-- (about 20k requests/s against the bare handler) and added its garbage collector's pauses to
-- the measured latencies.
dofile(os.getenv("BENCH_DIR") .. "/threads.lua")
local tokens = {}
local index = 0
local head, tail, length
local function format(token)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, '{"refresh":"' .. token .. '"}')
end
function init(args)
  local threads = tonumber(os.getenv("THREADS"))
  local line_number = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if line_number % threads == tid then
      tokens[#tokens + 1] = line
    end
    line_number = line_number + 1
  end
  length = #tokens[1]
  local placeholder = string.rep("~", length)
  local template = format(placeholder)
  local at = template:find(placeholder, 1, true)
  head, tail = template:sub(1, at - 1), template:sub(at + length)
end
function request()
  index = index + 1
  local token = tokens[index] or tokens[#tokens]
  if #token ~= length then
    return format(token)
  end
  return head .. token .. tail
end
