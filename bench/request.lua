-- bench/request.lua: wrk script for bench/endpoints.sh. One fixed request:
--   wrk ... -s bench/request.lua URL -- METHOD AUTHORIZATION [BODY_FILE]
-- prints "BENCH rps=R p50_us=.. p99_us=.. non2xx=N errors=N" at the end.

function init(args)
	wrk.method = args[1]
	wrk.headers["Authorization"] = args[2]
	if args[3] ~= nil then
		local f = assert(io.open(args[3], "r"))
		wrk.body = f:read("*a")
		f:close()
		wrk.headers["Content-Type"] = "application/json"
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH rps=%.0f p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99), e.status,
		e.connect + e.read + e.write + e.timeout))
end
