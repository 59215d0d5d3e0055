-- wrk: each connection waits ARG milliseconds after a response before its next request (a client with think time), so
-- the load stays under what the machine can serve and the latency is the server's, not the queue of a saturated machine.
-- Usage: wrk ... -s bench/api/think.lua URL -- MS
local ms = 0
function init(args) ms = tonumber(args[1]) or 0 end
function delay() return ms end
