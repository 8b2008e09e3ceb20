-- bench/subscribers.lua: wrk script for the sign-ups of
-- bench/subscribers.sh. Each line of the requests file, "POST PATH BODY",
-- is sent once (its captcha works once): thread k of T sends lines k,
-- k + T, k + 2T, ... in order. A thread that runs out starts again from
-- its first line; those replays answer 400 and fail the run.
--   wrk -tT ... -s bench/subscribers.lua URL -- AUTHORIZATION FILE T
-- prints "BENCH rps=R p50_us=.. p99_us=.. non2xx=N errors=N" at the end
-- (bench/routes.lua's setup and done; init and request are replaced).

dofile("bench/routes.lua")

local lines = {}
local next_line = 1
local stride = 1

function init(args)
	wrk.headers["Authorization"] = args[1]
	wrk.headers["Content-Type"] = "application/json"
	stride = tonumber(args[3])
	local i = 0
	for line in io.lines(args[2]) do
		i = i + 1
		if (i - 1) % stride == thread_id - 1 then
			local method, path, body = line:match("^(%S+) (%S+) (.*)$")
			table.insert(lines, { method, path, body })
		end
	end
end

function request()
	local r = lines[next_line]
	next_line = next_line % #lines + 1
	return wrk.format(r[1], r[2], nil, r[3])
end
