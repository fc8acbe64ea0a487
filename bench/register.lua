-- POST users/ with a new username each time (e-mails go to the outbox).
dofile(os.getenv("BENCH_DIR") .. "/threads.lua")
local counter = 0
function request()
  counter = counter + 1
  local name = (os.getenv("BENCH_PREFIX") or "") .. "load" .. tid .. "x" .. counter
  local body = '{"username":"' .. name .. '","email":"' .. name .. '@example.com","password":"vK7#mQ2!xLp9"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
