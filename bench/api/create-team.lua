-- wrk script: POST a team with a name unique across wrk threads, wrk runs and requests.
-- thread_id is a global on purpose: setup() sets it in each thread's Lua state with thread:set.
local counter = 0
local next_thread = 0
local run = "run"

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function init(args)
  -- each wrk invocation passes its own run label, so names never repeat across warm-up and measurement
  if args[1] then run = args[1] end
end

function request()
  counter = counter + 1
  local body = string.format('{"name":"bench-%s-%d-%d"}', run, thread_id, counter)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Dev-User"] = "bench@bench.test" }, body)
end
