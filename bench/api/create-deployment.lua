-- wrk script: POST a deployment of the static-site template with a name unique across threads, runs and requests.
-- Arguments after "--": comma-separated team ids (requests take turns), template id, run label.
-- thread_id is a global set per thread by setup().
local counter = 0
local next_thread = 0
local teams, template, run = {}, "", "run"

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function init(args)
  for id in string.gmatch(args[1], "[^,]+") do teams[#teams + 1] = id end
  template, run = args[2], args[3] or "run"
end

function request()
  counter = counter + 1
  local team = teams[(counter + thread_id) % #teams + 1]
  local body = string.format('{"teamId":"%s","templateId":"%s","name":"d%s-%d-%d","values":{"PAGE_TITLE":"Bench"}}',
    team, template, run, thread_id, counter)
  return wrk.format("POST", "/api/deployments", { ["Content-Type"] = "application/json", ["X-Dev-User"] = "bench@bench.test" }, body)
end
