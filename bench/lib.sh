# shellcheck shell=bash disable=SC2154,SC2034
# What the bench stages built on deploy/stack.sh share (endpoints.sh,
# subscribers.sh, fanout.sh): sourced, not run. They set $state, $port,
# $metrics_port and $BUILD before calling stack_start.

say() { printf 'bench: %s\n' "$*" >&2; }

# free_ports N: N free loopback TCP ports, on one line.
free_ports() {
	python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])' "$1"
}

# stack_start [NAME=VALUE ...]: the stack under $state on $port (metrics on
# $metrics_port), with the given settings of deploy/stack.sh; then its env
# (DATABASE_URL, CLOUD, EMAIL, TOKEN, BASE_URL) loaded, $conf and $auth set.
stack_start() {
	env STATE_DIR="$state" PORT="$port" METRICS_PORT="$metrics_port" \
		BUILD="$BUILD" "$@" deploy/stack.sh start >"$state/stack.log" 2>&1 ||
		{
			tail -n 20 "$state/stack.log"
			exit 1
		}
	# shellcheck disable=SC1091
	. "$state/env"
	conf=$(find "$state" -name statusd.conf | head -n 1)
	auth="Basic $(printf '%s:%s' "$EMAIL" "$TOKEN" | base64 -w0)"
}

sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$DATABASE_URL" "$@"; }

# Every table of the schema analysed (the second phase of a bench).
analyse_all() {
	sql -c "SELECT format('ANALYZE %I;', tablename) FROM pg_tables
		WHERE schemaname = 'public'" | sql >/dev/null
}
