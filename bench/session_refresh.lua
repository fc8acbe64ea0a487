-- POST jwt/refresh/ as signed-in browsers do: each session refreshes with the token its last
-- refresh returned. Every thread starts with the sessions of its share of SESSIONS (one
-- refresh token per line) and keeps them in a queue: a request takes the oldest token, its
-- answer puts the rotated one back.
dofile(os.getenv("BENCH_DIR") .. "/threads.lua")
dofile(os.getenv("BENCH_DIR") .. "/refresh_request.lua")
local queue = {}
local first, last = 1, 0
local make
local function push(token)
  last = last + 1
  queue[last] = token
end
function init(args)
  local threads = tonumber(os.getenv("THREADS"))
  local line_number = 0
  for line in io.lines(os.getenv("SESSIONS")) do
    if line_number % threads == tid then
      push(line)
    end
    line_number = line_number + 1
  end
  make = refresh_request(queue[first])
end
function request()
  local token = queue[first] or queue[last]
  if first <= last then
    queue[first] = nil
    first = first + 1
  end
  return make(token)
end
function response(status, headers, body)
  local token = body:match('"refresh":"([^"]+)"')
  if token then
    push(token)
  end
end
