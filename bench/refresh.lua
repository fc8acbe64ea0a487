-- POST jwt/refresh/ spending each pre-minted refresh token once (tokens without a session:
-- each is blacklisted and starts the session that continues it).
dofile(os.getenv("BENCH_DIR") .. "/threads.lua")
dofile(os.getenv("BENCH_DIR") .. "/refresh_request.lua")
local tokens = {}
local index = 0
local make
function init(args)
  local threads = tonumber(os.getenv("THREADS"))
  local line_number = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if line_number % threads == tid then
      tokens[#tokens + 1] = line
    end
    line_number = line_number + 1
  end
  make = refresh_request(tokens[1])
end
function request()
  index = index + 1
  return make(tokens[index] or tokens[#tokens])
end
