-- wrk script: report.lua's reports at a fixed rate instead of as fast as the connections allow.
--   wrk -t2 -c64 -d20s --latency -s examples/uba/wrk/paced.lua http://127.0.0.1:8800 -- 2500   2,500/s per thread
-- Each wrk thread keeps one schedule, a slot every 1/rate s; a connection ready to send takes the next slot and waits
-- for it. When every connection is waiting for an answer, slots pass untaken; the next ready connection takes them at
-- once (catching up), so the offered rate holds unless the gateway stalls for longer than the connections cover. How
-- far behind its schedule a request was sent is printed ("schedule lag"): wrk's latency counts from the send, so a
-- lag says how much waiting before the send that latency does not show.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } courier_timespec;
int clock_gettime(int clock, courier_timespec *now);
]]
local clock = ffi.new("courier_timespec")
local function now_ms()
   ffi.C.clock_gettime(1, clock)   -- CLOCK_MONOTONIC
   return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}
local counter = 0
local interval, first_slot, slots, waiting = nil, nil, 0, 0

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   ok, bad, busy, other, late, max_lag = 0, 0, 0, 0, 0, 0
   interval = 1000 / tonumber(args[1] or error("paced.lua needs the rate per thread: -- RATE"))
end

local function next_slot()
   local now = now_ms()
   if first_slot == nil then first_slot = now end
   local slot = first_slot + slots * interval
   slots = slots + 1
   if now - slot > 10 then late = late + 1 end
   if now - slot > max_lag then max_lag = now - slot end
   return slot, now
end

-- called before a connection's next request (not before its first): the wait until the slot it takes
function delay()
   local slot, now = next_slot()
   waiting = waiting + 1
   return math.max(0, math.floor(slot - now))
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
   if waiting > 0 then
      waiting = waiting - 1   -- a slot taken in delay()
   else
      next_slot()             -- a connection's first request: a slot of its own
   end
   return wrk.format("POST", "/agent/v1/report", {["Content-Type"] = "application/json"}, report())
end

response = function(status, headers, body)
   if status == 200 then ok = ok + 1
   elseif status == 400 then bad = bad + 1
   elseif status == 503 then busy = busy + 1
   else other = other + 1 end
end

function done(summary, latency, requests)
   local t = {ok = 0, bad = 0, busy = 0, other = 0, late = 0}
   local lag = 0
   for _, thread in ipairs(threads) do
      for name, _ in pairs(t) do
         t[name] = t[name] + thread:get(name)
      end
      lag = math.max(lag, thread:get("max_lag"))
   end
   io.write(string.format("answers: 200 %d, 400 %d, 503 %d, other %d\n", t.ok, t.bad, t.busy, t.other))
   io.write(string.format("schedule lag: max %.1f ms, %d requests sent more than 10 ms after their slot\n", lag, t.late))
end
