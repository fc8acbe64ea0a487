-- GET admin/users/?search=… as a staff member, cycling through the queries in $SEARCHES (one
-- query string per line), each thread from its own starting point.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ACCESS")
local queries = {}
for line in io.lines(os.getenv("SEARCHES")) do
  queries[#queries + 1] = line
end
local next_query = 1
function setup(thread)
  thread:set("start", math.random(#queries))
end
function init()
  next_query = start or 1
end
function request()
  next_query = next_query % #queries + 1
  return wrk.format("GET", wrk.path .. "?" .. queries[next_query])
end
