-- wrk script of bench/http.py: signed-in requests, behind a TLS proxy, counted honestly.
--
--   wrk ... -s bench/_http.lua URL -- COOKIES_FILE
--
-- COOKIES_FILE has one session key a line. Each thread pre-formats one request per session
-- (Cookie: sessionid=KEY, X-Forwarded-Proto: https as the TLS proxy in front of make serve
-- sends it, with X-Forwarded-For: a client address) and hands them out in turn, starting at its own offset, so the 200 connections
-- carry the 200 sessions. Every answer that is not 2xx counts as an error (wrk itself counts
-- only >= 400 and ignores redirects, which here would mean a lost session). done() prints one
-- JSON line.

local threads = {}
local requests = {}
local nextreq = 1
non2xx = 0
statuses = ""

function setup(thread)
   table.insert(threads, thread)
   thread:set("offset", #threads)
end

function init(args)
   local path = wrk.path
   for line in io.lines(args[1]) do
      if #line > 0 then
         local headers = {
            ["Host"] = "127.0.0.1",
            ["Cookie"] = "sessionid=" .. line,
            ["X-Forwarded-Proto"] = "https",
            ["X-Forwarded-For"] = "198.51.100." .. tostring(#requests % 250 + 1),
            ["Accept"] = "text/html,application/json",
         }
         requests[#requests + 1] = wrk.format("GET", path, headers)
      end
   end
   nextreq = ((offset or 1) - 1) * math.floor(#requests / 2) % #requests + 1
   non2xx = 0
   seen = {}
end

function request()
   local r = requests[nextreq]
   nextreq = nextreq % #requests + 1
   return r
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if not seen[status] then
         seen[status] = true
         statuses = statuses .. tostring(status) .. " "
      end
   end
end

function done(summary, latency, requests)
   local bad = 0
   local codes = ""
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non2xx") or 0)
      codes = codes .. (t:get("statuses") or "")
   end
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
         .. '"p99_us": %d, "max_us": %d, "non2xx": %d, "connect": %d, "read": %d, '
         .. '"write": %d, "timeout": %d, "statuses": "%s"}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      bad, e.connect, e.read, e.write, e.timeout, codes))
end
