-- wrk script of bench/load/run.sh: GET requests at a fixed total rate.
--
--   wrk -t T -c C -d 60s -s paced.lua URL -- RATE T PATH...
--
-- wrk has no rate option; delay() paces the requests instead. Each
-- thread owns RATE / T requests per second and hands out send slots
-- interval ms apart: a connection asking for its next request gets the
-- next free slot, so C connections hold the total at RATE as long as
-- each answer comes back within C / RATE seconds. After a stall the
-- thread catches up at most one second of missed slots, so the achieved
-- rate (printed) shows when the servers could not keep up.
--
-- The PATHs are requested in turn; "{T}" in a path is replaced by the
-- next ticker of LOAD_TICKERS (comma-separated). LOAD_TOKEN, when set,
-- is sent as a bearer token. done() prints one line for run.sh:
--
--   LOAD requests N seconds S rate R p50_ms X p99_ms Y max_ms Z
--        non2xx N socket_errors N statuses code:count,...

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } load_timespec;
int clock_gettime(int clock_id, load_timespec *ts);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("load_timespec")

local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

local requests, tickers = {}, {}
local next_request, next_ticker = 1, 1
local interval, next_slot = 0, nil
statuses = {}

local function split(s)
    local out = {}
    for v in string.gmatch(s or "", "[^,]+") do
        table.insert(out, v)
    end
    return out
end

function init(args)
    -- wrk calls init() of a thread before setup() of the next, so the
    -- thread count comes as an argument.
    local rate, nthreads = tonumber(args[1]), tonumber(args[2])
    if not rate or rate <= 0 or not nthreads or #args < 3 then
        error("usage: wrk -t T ... -s paced.lua URL -- RATE T PATH...")
    end
    interval = 1000 * nthreads / rate
    tickers = split(os.getenv("LOAD_TICKERS") or "AAPL")
    local token = os.getenv("LOAD_TOKEN")
    if token and token ~= "" then
        wrk.headers["Authorization"] = "Bearer " .. token
    end
    for i = 3, #args do
        table.insert(requests, args[i])
    end
end

function delay()
    local now = now_ms()
    if not next_slot then
        next_slot = now
    elseif next_slot < now - 1000 then
        next_slot = now - 1000
    end
    local slot = next_slot
    next_slot = next_slot + interval
    if slot <= now then
        return 0
    end
    return math.floor(slot - now)
end

function request()
    local path = requests[next_request]
    next_request = next_request % #requests + 1
    if string.find(path, "{T}", 1, true) then
        path = string.gsub(path, "{T}", tickers[next_ticker])
        next_ticker = next_ticker % #tickers + 1
    end
    return wrk.format("GET", path)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local all, non2xx, codes = {}, 0, {}
    for _, t in ipairs(threads) do
        for code, n in pairs(t:get("statuses")) do
            all[code] = (all[code] or 0) + n
        end
    end
    for code, n in pairs(all) do
        if code < 200 or code > 299 then
            non2xx = non2xx + n
        end
        table.insert(codes, code .. ":" .. n)
    end
    table.sort(codes)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "LOAD requests %d seconds %.2f rate %.1f p50_ms %.2f p99_ms %.2f" ..
        " max_ms %.2f non2xx %d socket_errors %d statuses %s\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000, non2xx,
        e.connect + e.read + e.write + e.timeout,
        #codes > 0 and table.concat(codes, ",") or "-"))
end
