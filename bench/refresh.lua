-- POST jwt/refresh/ spending each pre-minted refresh token once (rotation + blacklist).
dofile(os.getenv("BENCH_DIR") .. "/threads.lua")
local tokens = {}
local index = 0
function init(args)
  local threads = tonumber(os.getenv("THREADS"))
  local line_number = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if line_number % threads == tid then
      tokens[#tokens + 1] = line
    end
    line_number = line_number + 1
  end
end
function request()
  index = index + 1
  local token = tokens[index] or tokens[#tokens]
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, '{"refresh":"' .. token .. '"}')
end
