-- wrk script: POSTs the article's report to /agent/v1/report, each request a different report (app, event, sequence),
-- and counts answers by status. Usage: wrk -t2 -c64 -d20s -s examples/uba/wrk/report.lua http://127.0.0.1:8800
-- A report's sequence number is per wrk thread; three in four are events, one in four a user-status report.
local counter = 0
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   ok, bad, busy, other = 0, 0, 0, 0
end

request = function()
   counter = counter + 1
   local kind = (counter % 4 == 3) and "user" or "event"
   local event = (counter % 2 == 0) and "page_view" or "click"
   local body = string.format(
      '{"report_type":"%s","app_id":"app-%d","event_name":"%s","content":"{\\"thread\\":%d,\\"seq\\":%d}"}',
      kind, counter % 50, event, id, counter)
   return wrk.format("POST", "/agent/v1/report", {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
   if status == 200 then ok = ok + 1
   elseif status == 400 then bad = bad + 1
   elseif status == 503 then busy = busy + 1
   else other = other + 1 end
end

function done(summary, latency, requests)
   local t = {ok = 0, bad = 0, busy = 0, other = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(t) do
         t[name] = t[name] + thread:get(name)
      end
   end
   io.write(string.format("answers: 200 %d, 400 %d, 503 %d, other %d\n", t.ok, t.bad, t.busy, t.other))
end
