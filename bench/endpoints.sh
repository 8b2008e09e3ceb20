#!/usr/bin/env bash
# bench/endpoints.sh: every route of issue 13's table beside the page read
# (GET /pages/{id}), through nginx with wrk, in one run (part of `make
# bench`). The data is seeded with autovacuum off, measured never analysed,
# then ANALYZEd and measured again; each route's ratio is its req/s over
# the page read's in the same phase. Plans of the routes' statements
# (EXPLAIN ANALYZE BUFFERS of the statusd statements themselves, generic
# plans, see bench/explain.c) are taken in both phases. Results go to
# stdout, bench/results/endpoints.txt and the section of bench/RESULTS.md
# between its "routes" markers (bench/results/plans.txt holds the plans).
#
# Sizes (BENCH_SIZE):
#   full (default)  10,000 pages in the cloud (summary v2); 1,000 pages in a
#                   second cloud (summary v1); 1,000 components x 100 status
#                   changes (uptime); a page with 100 incidents, a page with
#                   BENCH_INCIDENTS (100,000) in a cloud with
#                   BENCH_CLOUD_INCIDENTS (1,000,000)
#   small           the quick run: 1,000 / 200 pages, 100 components x 100,
#                   3,500 incidents on a page in a cloud with 10,000
# Each measurement: wrk -t2 -c16, 1 s warm-up, BENCH_SECONDS (default 5).
# Fails on any non-2xx answer.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

BUILD=${BUILD:-build}
build_dir=$(realpath -m "$BUILD")
seconds=${BENCH_SECONDS:-5}
size=${BENCH_SIZE:-full}
case $size in
full)
	pages=10000 v1_pages=1000 components=1000
	big=${BENCH_INCIDENTS:-100000} cloud_incidents=${BENCH_CLOUD_INCIDENTS:-1000000}
	;;
small)
	pages=1000 v1_pages=200 components=100
	big=${BENCH_INCIDENTS:-3500} cloud_incidents=${BENCH_CLOUD_INCIDENTS:-10000}
	;;
*)
	echo "bench: BENCH_SIZE must be full or small" >&2
	exit 2
	;;
esac
changes=100 # status changes per component
state=$(mktemp -d /tmp/statusd-bench-endpoints.XXXXXX)
chmod 755 "$state"
# Two free ports: nginx's and statusd's metrics listener's.
read -r port metrics_port < <(free_ports 2)
out=bench/results/endpoints.txt
plans=bench/results/plans.txt
mkdir -p bench/results

cleanup() {
	STATE_DIR=$state deploy/stack.sh stop >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
[ -z "${BENCH_KEEP:-}" ] || trap - EXIT

started=$(date +%s)
stack_start "WORKERS=${BENCH_WORKERS:-4}" RATE=1000000r/s BURST=1000000
api="/jsm/ops/api/$CLOUD"

# Never analysed until the second phase: no autovacuum (nor its ANALYZE).
sql -c "SELECT format('ALTER TABLE %I SET (autovacuum_enabled = false);', tablename)
	FROM pg_tables WHERE schemaname = 'public'" | sql >/dev/null

post() { # path body -> response
	curl -sf -H "Authorization: $auth" -H 'Content-Type: application/json' -d "$2" "$BASE_URL$api$1"
}
json_id() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]]["id"] if sys.argv[1] in d else d["incidentWithUpdates"]["incident"]["id"])' "$1"; }

say "seeding ($size): $pages + $v1_pages pages, $components components x $changes changes, $big of $cloud_incidents incidents"
# Pages: the cloud's (summary v2, the page read, page updates), and a
# second cloud's for summary v1.
v1_cloud=$(python3 -c 'import uuid; print(uuid.uuid4())')
half=$((pages / 2))
sql -v cloud="$CLOUD" -v from=1 -v to="$half" -f bench/seed.sql >/dev/null &
sql -v cloud="$CLOUD" -v from=$((half + 1)) -v to="$pages" -f bench/seed.sql >/dev/null &
sql -v cloud="$v1_cloud" -v from=100001 -v to=$((100000 + v1_pages)) -f bench/seed.sql >/dev/null
wait
v1_token=$("$build_dir/statusctl" -c "$conf" token create --cloud "$v1_cloud" \
	--email bench@example.com --scopes all 2>/dev/null | awk '{print $1}')
v1_auth="Basic $(printf '%s:%s' bench@example.com "$v1_token" | base64 -w0)"

# Through the API: the uptime page, the page with 100 incidents, the page
# with many.
uptime_page=$(post /pages '{"page":{"name":"Uptime bench","subdomain":"uptime-bench","pageType":"PUBLIC"}}' | json_id page)
small_page=$(post /pages '{"page":{"name":"Incident bench","subdomain":"incident-bench","pageType":"PUBLIC"}}' | json_id page)
big_page=$(post /pages '{"page":{"name":"Busy bench","subdomain":"busy-bench","pageType":"PUBLIC"}}' | json_id page)
other_page=$(post /pages '{"page":{"name":"Other bench","subdomain":"other-bench","pageType":"PUBLIC"}}' | json_id page)
for i in $(seq 100); do
	post /incidents "{\"incidentCreateRequest\":{\"pageId\":\"$small_page\",\"name\":\"Bench incident $i\",\"message\":\"Investigating elevated error rates\"}}" >/dev/null
done
sql -v cloud="$CLOUD" -v page="$uptime_page" -v components="$components" \
	-v changes="$changes" -f bench/endpoints.sql >/dev/null
sql -v cloud="$CLOUD" -v page="$big_page" -v other="$other_page" -v big="$big" \
	-v total="$cloud_incidents" -f bench/incidents.sql >/dev/null
# The bulk-seeded nodes are what incident_append_update would store.
stale=$(sql -c "SELECT count(*) FROM (SELECT * FROM incidents WHERE cloud_id = '$CLOUD'
	AND code LIKE 'bi%' ORDER BY code LIMIT 200) i WHERE node IS DISTINCT FROM incident_node_render(i)")
[ "$stale" = 0 ] || {
	say "bench/incidents.sql stored $stale nodes unlike incident_node_render"
	exit 1
}
incident=$(sql -c "SELECT id FROM incidents WHERE cloud_id = '$CLOUD' AND page_id = '$big_page' ORDER BY id LIMIT 1")
component=$(sql -c "SELECT id FROM components WHERE cloud_id = '$CLOUD' AND page_id = '$uptime_page' ORDER BY position LIMIT 1")
say "seeded in $(($(date +%s) - started)) s"

# The requests of each route: "METHOD PATH [BODY]" lines, one picked at
# random per request (bench/routes.lua).
req=$state/requests
mkdir -p "$req"
sql -c "SELECT 'GET $api/pages/' || id FROM pages WHERE cloud_id = '$CLOUD' AND subdomain LIKE 'bench-%' ORDER BY id LIMIT 1000" >"$req/page_read"
sql -c "SELECT 'PUT $api/pages/' || id || ' {\"page\":{\"description\":\"Updated {n}\"}}' FROM pages WHERE cloud_id = '$CLOUD' AND subdomain LIKE 'bench-%' AND page_status = 'PUBLISHED' ORDER BY id LIMIT 1000" >"$req/page_update"
echo "POST $api/pages {\"page\":{\"name\":\"Created {n}\",\"subdomain\":\"created-{n}\",\"pageType\":\"PUBLIC\"}}" >"$req/page_create"
echo "POST $api/incidents {\"incidentCreateRequest\":{\"pageId\":\"$small_page\",\"name\":\"Bench incident\",\"message\":\"Investigating elevated error rates\"}}" >"$req/incident_create"
# PUT /incidents appends an update to the incident's timeline, which its
# answer carries whole: each phase updates incidents of its own (1,000 of
# the big page, each with its one seeded update), so that the analysed
# phase does not measure timelines the first one grew (about 25 updates
# more each) and the phases differ by the statistics alone.
incident_update_targets() { # phase number (0, 1)
	sql -c "SELECT 'PUT $api/incidents {\"incidentUpdateRequest\":{\"pageId\":\"' || page_id || '\",\"incidentId\":\"' || id || '\",\"name\":\"Renamed {n}\"}}' FROM incidents WHERE cloud_id = '$CLOUD' AND page_id = '$big_page' ORDER BY id OFFSET $(($1 * 1000)) LIMIT 1000" >"$req/incident_update"
}
one() { echo "GET $api$2" >"$req/$1"; }
one v2_small_first "/incidents/list/v2?pageId=$small_page&first=25"
one v2_first "/incidents/list/v2?pageId=$big_page&first=25"
one v2_last "/incidents/list/v2?pageId=$big_page&last=25"
one v2_active_first "/incidents/list/v2?pageId=$big_page&first=25&showActive=true"
one v2_active_last "/incidents/list/v2?pageId=$big_page&last=25&showActive=true"
one v2_cloud_first "/incidents/list/v2?first=25"
one v2_cloud_last "/incidents/list/v2?last=25"
one v1_first "/incidents/list?pageId=$big_page&limit=25"
one v1_cloud "/incidents/list?limit=25"
one summary_v2 "/pages/summary/v2?first=25"
echo "GET /jsm/ops/api/$v1_cloud/pages/summary" >"$req/summary_v1"
one uptime_all "/pages/$uptime_page/components/uptime"
one uptime_v2 "/pages/$uptime_page/components/uptime/v2?first=25"
one uptime_page "/pages/$uptime_page/uptime_percentage"
one uptime_one "/components/$component/uptime_percentage"

labels=(
	"page_read|GET /pages/{id} (the reference)"
	"v2_small_first|incidents v2 first=25, page of 100"
	"v2_first|incidents v2 first=25, page of $big"
	"v2_last|incidents v2 last=25, page of $big"
	"v2_active_first|incidents v2 first=25 showActive"
	"v2_active_last|incidents v2 last=25 showActive"
	"v2_cloud_first|incidents v2 first=25, cloud of $cloud_incidents"
	"v2_cloud_last|incidents v2 last=25, cloud"
	"v1_first|incidents v1 limit=25, page of $big"
	"v1_cloud|incidents v1 limit=25, cloud"
	"summary_v2|pages summary v2 first=25 ($pages pages)"
	"summary_v1|pages summary v1 ($v1_pages pages)"
	"uptime_all|components uptime ($components x $changes)"
	"uptime_v2|components uptime v2 first=25"
	"uptime_page|page uptime_percentage"
	"uptime_one|one component's uptime_percentage"
	"incident_create|POST /incidents"
	"incident_update|PUT /incidents"
	"page_create|POST /pages"
	"page_update|PUT /pages/{id}"
)

measure() { # route -> "rps p50 p99"
	local a=$auth line
	[ "$1" != summary_v1 ] || a=$v1_auth
	wrk -t2 -c8 -d1s -s bench/routes.lua "$BASE_URL" -- "$a" "$req/$1" >/dev/null
	line=$(wrk -t2 -c16 -d"${seconds}s" -s bench/routes.lua "$BASE_URL" -- "$a" "$req/$1" | grep '^BENCH')
	case $line in *non2xx=0\ errors=0) ;; *)
		say "$1 had failures: $line"
		return 1
		;;
	esac
	sed -E 's/.*rps=([0-9]+) p50_us=([0-9]+) p99_us=([0-9]+).*/\1 \2 \3/' <<<"$line"
}

# The statements behind the routes, with this run's ids (bench/explain.c).
explain() { # phase
	local c=$CLOUD
	{
		echo "== $1 =="
		"$build_dir/bench-explain" "$DATABASE_URL" <<-EOF
			PAGE_GET	$c	$(sed -n '1s|.*/||p' "$req/page_read")
			INCIDENTS_PAGE_AFTER	$c	false	\N	\N	26	$big_page
			INCIDENTS_PAGE_BEFORE	$c	false	\N	\N	26	$big_page
			INCIDENTS_PAGE_ACTIVE_AFTER	$c	true	\N	\N	26	$big_page
			INCIDENTS_PAGE_ACTIVE_BEFORE	$c	true	\N	\N	26	$big_page
			INCIDENTS_AFTER	$c	false	\N	\N	26
			INCIDENTS_BEFORE	$c	false	\N	\N	26
			INCIDENT_UPDATE	$c	$big_page	{PUBLISHED}	$incident	\N	Explained	\N	\N	\N	false	{}	{}	\N
			INCIDENT_RENDER	$c	$incident
			PAGES_SUMMARY_KEYSET	$c	ALL	\N	\N	26
			PAGES_SUMMARY	$v1_cloud	ALL	1000
			UPTIME_AFTER	$c	$uptime_page	-infinity	infinity	\N	\N	\N	\N	26
			UPTIME_PAGE	$c	$uptime_page	-infinity	infinity
			UPTIME_COMPONENT	$c	$component	-infinity	infinity
		EOF
	} >>"$plans" 2>&1 || say "explain failed (see $plans)"
}

declare -A rps
: >"$plans"
for phase in unanalysed analysed; do
	if [ $phase = analysed ]; then
		analyse_all
		incident_update_targets 1
	else
		incident_update_targets 0
	fi
	explain $phase
	ref=()
	for entry in "${labels[@]}"; do
		route=${entry%%|*}
		r=$(measure "$route") || exit 1
		rps[$phase.$route]=$r
		[ "$route" != page_read ] || ref+=("${r%% *}")
	done
	# The page read again at the end: the reference is the mean of both.
	r=$(measure page_read) || exit 1
	ref+=("${r%% *}")
	rps[$phase.ref]=$(((ref[0] + ref[1]) / 2))
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
{
	echo "statusd routes bench ($size), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, wrk -t2 -c16 -d${seconds}s, seeded in $(($(date +%s) - started)) s total"
	echo
	echo "| route | never analysed req/s | ratio | p99 ms | analysed req/s | ratio | p99 ms |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for entry in "${labels[@]}"; do
		route=${entry%%|*}
		label=${entry#*|}
		read -r u _ up99 <<<"${rps[unanalysed.$route]}"
		read -r a _ ap99 <<<"${rps[analysed.$route]}"
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
			"$u" "$(ratio "$u" "${rps[unanalysed.ref]}")" "$(awk -v x="$up99" 'BEGIN{printf "%.1f", x/1000}')" \
			"$a" "$(ratio "$a" "${rps[analysed.ref]}")" "$(awk -v x="$ap99" 'BEGIN{printf "%.1f", x/1000}')"
	done
	echo
	echo "Reference (GET /pages/{id}, mean of the phase's first and last run): ${rps[unanalysed.ref]} req/s never analysed, ${rps[analysed.ref]} analysed."
	# Goal 1's flatness: the last page's median latency over the first's.
	echo
	for phase in unanalysed analysed; do
		for pair in "v2_last v2_first page of $big" "v2_cloud_last v2_cloud_first cloud of $cloud_incidents"; do
			read -r last first what <<<"$pair"
			read -r _ lp50 _ <<<"${rps[$phase.$last]}"
			read -r _ fp50 _ <<<"${rps[$phase.$first]}"
			echo "- $phase: incidents v2 last/first page p50 under load, $what: $(ratio "$lp50" "$fp50")"
		done
	done
} | tee "$out"

# bench/RESULTS.md: the table and the plans between the markers.
python3 bench/results_section.py routes "$out" "$plans"
say "done in $(($(date +%s) - started)) s"
