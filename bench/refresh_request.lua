-- The request of jwt/refresh/ for a token. Every request is the same text but for the token,
-- so it is formatted once, for tokens of one length, and each request only splices its token
-- in: formatting each request in Lua made wrk itself the bottleneck (about 20k requests/s
-- against the bare handler) and added its garbage collector's pauses to the measured latencies.
local function format(token)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, '{"refresh":"' .. token .. '"}')
end

-- A function giving the request for a token, fast for tokens as long as `sample`.
function refresh_request(sample)
  local length = #sample
  local placeholder = string.rep("~", length)
  local template = format(placeholder)
  local at = template:find(placeholder, 1, true)
  local head, tail = template:sub(1, at - 1), template:sub(at + length)
  return function(token)
    if #token ~= length then
      return format(token)
    end
    return head .. token .. tail
  end
end
