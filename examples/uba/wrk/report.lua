-- wrk script: POSTs the article's report, each a different one (app, event, sequence), and counts answers by status.
--   wrk -t2 -c64 -d20s -s examples/uba/wrk/report.lua http://127.0.0.1:8800            one report per request
--   wrk -t2 -c64 -d20s -s examples/uba/wrk/report.lua http://127.0.0.1:8800 -- 100     JSON arrays of 100 reports
--                                                                                       to /agent/v1/reports
-- Sequence numbers are per wrk thread; three reports in four are events, one a user-status report.
local threads = {}
local counter = 0
local batch = 1

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   ok, bad, busy, other = 0, 0, 0, 0
   if args[1] then batch = tonumber(args[1]) end
end

local function report()
   counter = counter + 1
   local kind = (counter % 4 == 3) and "user" or "event"
   local event = (counter % 2 == 0) and "page_view" or "click"
   return string.format(
      '{"report_type":"%s","app_id":"app-%d","event_name":"%s","content":"{\\"thread\\":%d,\\"seq\\":%d}"}',
      kind, counter % 50, event, id, counter)
end

request = function()
   local headers = {["Content-Type"] = "application/json"}
   if batch == 1 then
      return wrk.format("POST", "/agent/v1/report", headers, report())
   end
   local items = {}
   for i = 1, batch do
      items[i] = report()
   end
   return wrk.format("POST", "/agent/v1/reports", headers, "[" .. table.concat(items, ",") .. "]")
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
