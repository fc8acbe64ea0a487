-- Gives every wrk thread its number, as `tid`.
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
