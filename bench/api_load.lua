-- wrk script of the API figure (bench/figures.py::api): every connection cycles through the
-- paths given after "--" (pages 1-10 of one endpoint), each request with the token header.
--   wrk -t2 -c16 -d20s --timeout 30s -s bench/api_load.lua http://127.0.0.1:PORT -- TOKEN PATH...
-- At the end it prints one line "SEATLEDGER-WRK {json}" with the latency distribution (ms),
-- the request count, the duration and the errors, which figures.py parses.

local paths = {}
local token = nil
local counter = 0
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  token = args[1]
  for i = 2, #args do
    paths[#paths + 1] = args[i]
  end
  -- Threads start at different pages so the connections spread over the pages at once.
  counter = (id or 0) * 5
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Accept"] = "application/vnd.github+json",
  })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SEATLEDGER-WRK {"requests": %d, "duration_us": %d, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "mean_ms": %.3f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
