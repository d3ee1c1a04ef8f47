-- wrk script: report.lua's reports at a fixed rate instead of as fast as the connections allow.
--   wrk -t2 -c64 -d20s --latency -s courier-bench/wrk/paced.lua http://127.0.0.1:8800 -- 2500   2,500/s per thread
-- Each wrk thread keeps one schedule, a slot every 1/rate s; a connection ready to send takes the next slot and waits
-- for it. When every connection is waiting for an answer, slots pass untaken; the next ready connection takes them at
-- once (catching up), so the offered rate holds unless the gateway stalls for longer than the connections cover. How
-- far behind its schedule a request was sent is printed ("schedule lag"): wrk's latency counts from the send, so a
-- lag says how much waiting before the send that latency does not show.
-- The reports, the answer counts and their line come from report.lua, loaded from beside this file.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")

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

local interval, first_slot, slots, waiting = nil, nil, 0, 0

local report_init = init
function init(args)
   report_init({})   -- one report per request
   late, max_lag = 0, 0
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

request = function()
   if waiting > 0 then
      waiting = waiting - 1   -- a slot taken in delay()
   else
      next_slot()             -- a connection's first request: a slot of its own
   end
   return wrk.format("POST", "/agent/v1/report", {["Content-Type"] = "application/json"}, next_report())
end

local report_done = done
function done(summary, latency, requests)
   report_done(summary, latency, requests)
   local lag = 0
   for _, thread in ipairs(threads) do
      lag = math.max(lag, thread:get("max_lag"))
   end
   io.write(string.format("schedule lag: max %.1f ms, %d requests sent more than 10 ms after their slot\n", lag,
      sum_over_threads({"late"}).late))
end
