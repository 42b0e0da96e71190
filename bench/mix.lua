-- wrk script for `python -m bench.loadtest`: a mix of public page kinds.
--
--   wrk -t2 -c50 -d60s --latency -s bench/mix.lua http://127.0.0.1:PORT -- SLUGS_FILE
--
-- SLUGS_FILE (or the environment variable LOADTEST_SLUGS) names a file with
-- one release slug a line: real, published releases taken from the database
-- by bench/loadtest.py. Each request picks a page kind by its share, then one
-- URL of that kind uniformly (264 distinct URLs in all):
--
--   listing 40%  /press/ with filter combinations and page numbers (36 URLs)
--   search  15%  /press/?q=... with one to three words (16 URLs)
--   release 35%  /press/<slug>/ (the slugs file, ~200)
--   feed    10%  /press/feed/?country=... and a few others, RSS and Atom (12 URLs)
--
-- response() counts every status code, and the page cache's X-Cache header,
-- per thread and per wall-clock second; done() prints them as "LOADTEST ..."
-- lines that bench/loadtest.py parses:
--
--   LOADTEST status 503 N             LOADTEST class 2xx N
--   LOADTEST kind listing N           LOADTEST xcache HIT N
--   LOADTEST second EPOCH STATUS N
--   LOADTEST latency p95 MICROSECONDS (p50, p90, p95, p99, mean, max)
--   LOADTEST summary requests N errors_connect N ... errors_timeout N

local LISTINGS = {
  "/press/",
  "/press/?page=2",
  "/press/?page=3",
  "/press/?page=5",
  "/press/?page=10",
  "/press/?page=50",
  "/press/?page=400",
  "/press/?country=ukraine",
  "/press/?country=ukraine&page=2",
  "/press/?country=moldova",
  "/press/?country=georgia",
  "/press/?country=kyrgyzstan",
  "/press/?country=serbia&page=3",
  "/press/?country=participating-states",
  "/press/?topic=elections",
  "/press/?topic=human-rights&page=2",
  "/press/?topic=media-freedom-and-development",
  "/press/?topic=border-management",
  "/press/?topic=combating-trafficking-in-human-beings",
  "/press/?year=2025",
  "/press/?year=2024&page=2",
  "/press/?year=2019",
  "/press/?year=2010&page=4",
  "/press/?structure=secretariat",
  "/press/?structure=field-operations&page=2",
  "/press/?structure=office-for-democratic-institutions-and-human-rights",
  "/press/?country=ukraine&topic=elections",
  "/press/?country=moldova&topic=human-rights",
  "/press/?country=georgia&topic=border-management&page=2",
  "/press/?country=participating-states&topic=elections&year=2024",
  "/press/?country=kazakhstan&topic=countering-terrorism&year=2020",
  "/press/?structure=secretariat&structure=institutions"
    .. "&date_from=2015-01-01&date_to=2019-12-31",
  "/press/?structure=field-operations&year=2023&sort=date",
  "/press/?topic=youth&structure=secretariat",
  "/press/?country=tajikistan&structure=programme-office-in-dushanbe",
  "/press/?type=press-release&year=2022",
}
local SEARCHES = {
  "/press/?q=co-operation",
  "/press/?q=elections",
  "/press/?q=elections&page=2",
  "/press/?q=ammunition+Bishkek",
  "/press/?q=border+management",
  "/press/?q=media+freedom&sort=relevance",
  "/press/?q=human+rights+defenders",
  "/press/?q=trafficking&country=moldova",
  "/press/?q=water+management",
  "/press/?q=election+observation+mission",
  "/press/?q=youth+Ukraine",
  "/press/?q=police+reform+Kyrgyzstan",
  "/press/?q=gender+equality+Vienna",
  "/press/?q=cybersecurity&sort=relevance",
  "/press/?q=journalists&topic=media-freedom-and-development",
  "/press/?q=Chairperson-in-Office+visit",
}
local FEEDS = {
  "/press/feed/",
  "/press/feed/?country=ukraine",
  "/press/feed/?country=moldova",
  "/press/feed/?country=georgia",
  "/press/feed/?country=kyrgyzstan",
  "/press/feed/?country=serbia",
  "/press/feed/?country=participating-states",
  "/press/feed/?country=ukraine&topic=elections",
  "/press/feed/?topic=media-freedom-and-development",
  "/press/feed/atom/",
  "/press/feed/atom/?country=ukraine",
  "/press/feed/atom/?country=armenia",
}
local RELEASES = {}

-- Shares in percent, cumulative.
local MIX = {
  { 40, "listing", LISTINGS },
  { 55, "search", SEARCHES },
  { 90, "release", RELEASES },
  { 100, "feed", FEEDS },
}

-- Per-thread state (each wrk thread runs its own copy of this script).
counts = {}   -- status code -> responses
xcache = {}   -- X-Cache header (HIT, MISS, none) -> responses
seconds = {}  -- "EPOCH STATUS" -> responses
kinds = {}    -- page kind -> requests sent

-- Main-thread state.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  local path = args[1] or os.getenv("LOADTEST_SLUGS")
  if not path then
    error("mix.lua needs a slugs file: wrk ... -s bench/mix.lua URL -- SLUGS_FILE")
  end
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(RELEASES, "/press/" .. line .. "/")
    end
  end
  if #RELEASES == 0 then
    error("mix.lua: no slugs in " .. path)
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  for _ = 1, 10 do
    math.random()
  end
end

function request()
  local r = math.random(100)
  for _, entry in ipairs(MIX) do
    if r <= entry[1] then
      local urls = entry[3]
      kinds[entry[2]] = (kinds[entry[2]] or 0) + 1
      return wrk.format("GET", urls[math.random(#urls)])
    end
  end
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  local cache = headers["X-Cache"] or "none"
  xcache[cache] = (xcache[cache] or 0) + 1
  local key = os.time() .. " " .. status
  seconds[key] = (seconds[key] or 0) + 1
end

local function merge(name)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get(name)) do
      total[key] = (total[key] or 0) + n
    end
  end
  return total
end

function done(summary, latency, requests)
  local classes = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0, other = 0 }
  for status, n in pairs(merge("counts")) do
    local class = math.floor(status / 100)
    local name = (class >= 2 and class <= 5) and (class .. "xx") or "other"
    classes[name] = classes[name] + n
    io.write(string.format("LOADTEST status %d %d\n", status, n))
  end
  for _, name in ipairs({ "2xx", "3xx", "4xx", "5xx", "other" }) do
    io.write(string.format("LOADTEST class %s %d\n", name, classes[name]))
  end
  for kind, n in pairs(merge("kinds")) do
    io.write(string.format("LOADTEST kind %s %d\n", kind, n))
  end
  for value, n in pairs(merge("xcache")) do
    io.write(string.format("LOADTEST xcache %s %d\n", value, n))
  end
  for key, n in pairs(merge("seconds")) do
    io.write(string.format("LOADTEST second %s %d\n", key, n))
  end
  for _, p in ipairs({ 50, 90, 95, 99 }) do
    io.write(string.format("LOADTEST latency p%d %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("LOADTEST latency mean %d\n", math.floor(latency.mean)))
  io.write(string.format("LOADTEST latency max %d\n", latency.max))
  io.write(string.format(
    "LOADTEST summary requests %d errors_connect %d errors_read %d errors_write %d"
      .. " errors_status %d errors_timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout
  ))
end
