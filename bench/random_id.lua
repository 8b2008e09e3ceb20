-- bench/random_id.lua: wrk script for `make bench`. Each request asks for a
-- random page of the seeded set.
--
--   wrk ... -s bench/random_id.lua URL -- IDS_FILE PATH_PREFIX [AUTHORIZATION]
--
-- IDS_FILE has one page id a line; a request goes to PATH_PREFIX .. id (for
-- statusd /jsm/ops/api/{cloud}/pages/, for the baselines
-- /bench/select/{cloud}/). AUTHORIZATION, when given, is sent as the
-- Authorization header. At the end one machine-readable line is printed:
--   BENCH requests=N seconds=S rps=R p50_us=.. p90_us=.. p99_us=.. max_us=..
--         non2xx=N connect=N read=N write=N timeout=N
-- (wrk counts every status above 399 in non2xx.)

local thread_no = 0

function setup(thread)
	thread_no = thread_no + 1
	thread:set("thread_no", thread_no)
end

local ids = {}
local prefix

function init(args)
	local path, auth = args[1], args[3]
	prefix = args[2]
	if path == nil or prefix == nil then
		error("usage: -- IDS_FILE PATH_PREFIX [AUTHORIZATION]")
	end
	for line in io.lines(path) do
		if line ~= "" then
			ids[#ids + 1] = line
		end
	end
	if #ids == 0 then
		error("no ids in " .. path)
	end
	if auth ~= nil and auth ~= "" then
		wrk.headers["Authorization"] = auth
	end
	math.randomseed(os.time() * 131 + (thread_no or 0) * 7919)
end

function request()
	return wrk.format(nil, prefix .. ids[math.random(#ids)])
end

function done(summary, latency, requests)
	local seconds = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d " ..
		"p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d " ..
		"timeout=%d\n",
		summary.requests, seconds, summary.requests / seconds,
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max, e.status, e.connect,
		e.read, e.write, e.timeout))
end
