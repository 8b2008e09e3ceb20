-- bench/routes.lua: wrk script for bench/endpoints.sh. Each request is a
-- random line of a requests file, "METHOD PATH [BODY]" (the body the rest
-- of the line), with every {n} replaced by a number unique to the request
-- (names and subdomains of created pages):
--   wrk ... -s bench/routes.lua URL -- AUTHORIZATION REQUESTS_FILE
-- prints "BENCH rps=R p50_us=.. p99_us=.. non2xx=N errors=N" at the end.

local lines = {}
local counter = 0
local prefix = ""
local threads = 0

-- Runs in wrk's main state, once per thread: a number for each.
function setup(thread)
	threads = threads + 1
	thread:set("thread_id", threads)
end

function init(args)
	wrk.headers["Authorization"] = args[1]
	for line in io.lines(args[2]) do
		local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
		if method then
			table.insert(lines, { method, path, body ~= "" and body or nil })
		end
	end
	-- Threads run apart: each numbers its requests with a prefix of its
	-- own (the run's clock and the thread's number).
	prefix = string.format("%x-%d", os.time(), thread_id or 0)
	math.randomseed(os.time() * 100 + (thread_id or 0))
end

function request()
	local r = lines[math.random(#lines)]
	counter = counter + 1
	local n = prefix .. "-" .. counter
	local path = r[2]:gsub("{n}", n)
	local headers = nil
	local body = nil
	if r[3] then
		body = r[3]:gsub("{n}", n)
		-- wrk.format takes these instead of wrk.headers, not besides.
		headers = { ["Content-Type"] = "application/json" }
		for k, v in pairs(wrk.headers) do
			headers[k] = v
		end
	end
	return wrk.format(r[1], path, headers, body)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH rps=%.0f p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99), e.status,
		e.connect + e.read + e.write + e.timeout))
end
