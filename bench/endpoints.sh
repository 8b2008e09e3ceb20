#!/usr/bin/env bash
# bench/endpoints.sh: the heavier routes, through nginx with wrk, each for
# BENCH_SECONDS (default 5) after a 1 s warm-up (part of `make bench`):
#   GET  /pages/summary                      a cloud of 1,000 pages
#   GET  /pages/{id}/components/uptime       1,000 components, 100,000
#   GET  /pages/{id}/uptime_percentage         status changes, 90 days
#   POST /incidents                          one incident per request
#   GET  /incidents/list/v2?pageId=&first=25 25 incidents with their updates
# Prints req/s, p50 and p99 per route; fails on any non-2xx answer.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
seconds=${BENCH_SECONDS:-5}
state=$(mktemp -d /tmp/statusd-bench-endpoints.XXXXXX)
chmod 755 "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out=bench/results/endpoints.txt
mkdir -p bench/results

cleanup() {
	STATE_DIR=$state deploy/stack.sh stop >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
[ -z "${BENCH_KEEP:-}" ] || trap - EXIT

STATE_DIR=$state PORT=$port WORKERS=${BENCH_WORKERS:-4} BUILD=$BUILD \
	RATE=1000000r/s BURST=1000000 deploy/stack.sh start >"$state/stack.log" 2>&1 ||
	{ tail -n 20 "$state/stack.log"; exit 1; }
# shellcheck disable=SC1091
. "$state/env"
auth="Basic $(printf '%s:%s' "$EMAIL" "$TOKEN" | base64 -w0)"
api="$BASE_URL/jsm/ops/api/$CLOUD"

page=$(curl -sf -H "Authorization: $auth" -H 'Content-Type: application/json' \
	-d '{"page":{"name":"Uptime bench","subdomain":"uptime-bench","pageType":"PUBLIC"}}' \
	"$api/pages" | python3 -c 'import json,sys; print(json.load(sys.stdin)["page"]["id"])')
echo "bench: seeding 1,000 pages and 1,000 components with 100,000 status changes" >&2
psql -X -q "$DATABASE_URL" -v ON_ERROR_STOP=1 -v cloud="$CLOUD" -v page="$page" \
	-f bench/endpoints.sql >"$state/seed.log" 2>&1 || { cat "$state/seed.log"; exit 1; }
printf '{"incidentCreateRequest":{"pageId":"%s","name":"Bench incident","message":"Investigating elevated error rates"}}' \
	"$page" >"$state/incident.json"
for i in $(seq 25); do
	curl -sf -o /dev/null -H "Authorization: $auth" -H 'Content-Type: application/json' \
		-d @"$state/incident.json" "$api/incidents"
done

run() { # label method path [body]
	local label=$1 method=$2 path=$3 body=${4:-} line
	wrk -t2 -c8 -d1s -s bench/request.lua "$api$path" -- "$method" "$auth" $body >/dev/null
	line=$(wrk -t2 -c16 -d"${seconds}s" -s bench/request.lua "$api$path" -- \
		"$method" "$auth" $body | grep '^BENCH')
	printf '%-40s %s\n' "$label" "${line#BENCH }"
	case $line in *non2xx=0\ errors=0) ;; *) echo "bench: $label had failures" >&2; return 1 ;; esac
}

{
	echo "statusd endpoints bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, wrk -t2 -c16 -d${seconds}s"
	run "GET /pages/summary (1,000 pages)" GET "/pages/summary"
	run "GET components/uptime (1,000 x 100)" GET "/pages/$page/components/uptime"
	run "GET uptime_percentage (1,000 x 100)" GET "/pages/$page/uptime_percentage"
	run "POST /incidents" POST "/incidents" "$state/incident.json"
	run "GET /incidents/list/v2 (first=25)" GET "/incidents/list/v2?pageId=$page&first=25"
} | tee "$out"
