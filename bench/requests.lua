-- wrk script for the Mitmachstadt benchmark.
--
-- Reads a request list (one request per line: METHOD \t PATH \t HEADERS \t BODY, headers as
-- "Name: value" joined by " ;; "), picks requests at random per thread, stops a thread after
-- its share of the request budget, and prints a JSON summary with latency percentiles and the
-- number of answers per HTTP status (wrk itself counts only statuses >= 400 as errors; a
-- redirect, e.g. to a login page or an added slash, must not pass for a fast answer).

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local requests = {}
local budget = 0
local count = 0
local seed = 1
-- Answers per status code of this thread ("200" -> n), read by done() through thread:get.
statuses = {}
-- Wall-clock span of this thread's traffic: wrk itself always sleeps the full duration, so
-- when the request budget ends a thread early, the rate is computed over this span instead.
first_us = 0
last_us = 0

local function split(text, sep)
  local out = {}
  local start = 1
  while true do
    local i, j = string.find(text, sep, start, true)
    if not i then
      table.insert(out, string.sub(text, start))
      return out
    end
    table.insert(out, string.sub(text, start, i - 1))
    start = j + 1
  end
end

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  budget = tonumber(args[2] or "0")
  seed = (tonumber(args[3] or "1") or 1) * 7919 + (id or 1)
  math.randomseed(seed)
  for line in io.lines(file) do
    if #line > 0 then
      local parts = split(line, "\t")
      local headers = {}
      if parts[3] and #parts[3] > 0 then
        for _, header in ipairs(split(parts[3], " ;; ")) do
          local name, value = string.match(header, "^([^:]+):%s*(.*)$")
          if name then headers[name] = value end
        end
      end
      local body = parts[4]
      if body == "" then body = nil end
      table.insert(requests, wrk.format(parts[1], parts[2], headers, body))
    end
  end
end

function request()
  if first_us == 0 then first_us = now_us() end
  return requests[math.random(#requests)]
end

function response(status, headers, body)
  count = count + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  last_us = now_us()
  if budget > 0 and count >= budget then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests_)
  local p = {}
  for _, q in ipairs({50, 90, 95, 99}) do
    p[#p + 1] = string.format('"p%d": %.3f', q, latency:percentile(q) / 1000)
  end
  local first, last = nil, 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    local f, l = thread:get("first_us"), thread:get("last_us")
    if f and f > 0 and (first == nil or f < first) then first = f end
    if l and l > last then last = l end
    for code, n in pairs(thread:get("statuses") or {}) do
      by_status[code] = (by_status[code] or 0) + n
    end
  end
  local active = 0
  -- No completed answer (last == 0): no span, rather than a negative one.
  if first and last > first then active = (last - first) / 1e6 end
  local codes = {}
  for code, n in pairs(by_status) do
    codes[#codes + 1] = string.format('"%s": %d', code, n)
  end
  table.sort(codes)
  io.write("BENCH-JSON ")
  io.write(string.format(
    '{"requests": %d, "duration_s": %.4f, "active_s": %.4f, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {%s}, "latency_ms": {"mean": %.3f, "max": %.3f, %s}}\n',
    summary.requests, summary.duration / 1e6, active, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, table.concat(codes, ", "),
    latency.mean / 1000, latency.max / 1000, table.concat(p, ", ")))
end
