-- GET users/me/ as many accounts: the requests take the tokens of ACCESS_TOKENS (one access
-- token per line) in turn, so that requests waiting at once are for different accounts.
local requests = {}
local turn = 0
function init(args)
  for token in io.lines(os.getenv("ACCESS_TOKENS")) do
    requests[#requests + 1] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
  end
end
function request()
  turn = turn % #requests + 1
  return requests[turn]
end
