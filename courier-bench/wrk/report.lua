-- wrk script: POSTs the article's report, each a different one (app, event, sequence), and counts answers by status.
--   wrk -t2 -c64 -d20s -s courier-bench/wrk/report.lua http://127.0.0.1:8800            one report per request
--   wrk -t2 -c64 -d20s -s courier-bench/wrk/report.lua http://127.0.0.1:8800 -- 100     JSON arrays of 100 reports
--                                                                                       to /agent/v1/reports
-- Sequence numbers are per wrk thread; three reports in four are events, one a user-status report.
-- paced.lua loads this file and keeps its reports and answer counts: the globals below are shared with it.
threads = {}
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

-- the next report of this wrk thread
function next_report()
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
      return wrk.format("POST", "/agent/v1/report", headers, next_report())
   end
   local items = {}
   for i = 1, batch do
      items[i] = next_report()
   end
   return wrk.format("POST", "/agent/v1/reports", headers, "[" .. table.concat(items, ",") .. "]")
end

response = function(status, headers, body)
   if status == 200 then ok = ok + 1
   elseif status == 400 then bad = bad + 1
   elseif status == 503 then busy = busy + 1
   else other = other + 1 end
end

-- each named counter summed over wrk's threads
function sum_over_threads(names)
   local t = {}
   for _, name in ipairs(names) do t[name] = 0 end
   for _, thread in ipairs(threads) do
      for _, name in ipairs(names) do
         t[name] = t[name] + thread:get(name)
      end
   end
   return t
end

function done(summary, latency, requests)
   local t = sum_over_threads({"ok", "bad", "busy", "other"})
   io.write(string.format("answers: 200 %d, 400 %d, 503 %d, other %d\n", t.ok, t.bad, t.busy, t.other))
end
