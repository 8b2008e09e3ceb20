#!/usr/bin/env bash
# bench/subscribers.sh: the subscriber routes at a million (issue 14 item 6;
# part of `make bench`), beside the page read of the same run, through
# nginx with wrk. One page holds BENCH_SUBSCRIBERS (1,000,000) subscribers
# (bench/subscribers.sql: the real table and indexes, counters set in the
# seeding transaction). Measured:
#
#   GET /pages/{id}                       the reference (1,000 seeded pages)
#   GET /subscribers/list/connection      first and last page (limit=25 /
#                                         last=25) of the page and of the cloud
#   GET /subscribers/stats, /subscribers/total_in_cloud
#   GET /subscribers/captcha/challenge
#   POST /subscribers                     sign-ups, each with its own captcha
#                                         (bench/subscribers_captcha.py)
#
# Each route twice: alone (wrk -t1 -c1, BENCH_LATENCY_SECONDS, default 2:
# the latency of one request at a time) and under load (wrk -t2 -c16, 1 s
# warm-up, BENCH_SECONDS, default 5: req/s and its ratio to the page read).
# Both on a database that was never analysed (autovacuum off from the
# start) and again after ANALYZE, with the plans of statusd's own
# statements (bench-explain). Fails on any non-2xx answer, on counters that
# differ from count(*) at the end, and when stats or total_in_cloud take
# 50 ms or more alone (p99) or the last page of a list takes more than 1.5x
# its first (p50 alone). Results: stdout, bench/results/subscribers.txt and
# the section of bench/RESULTS.md between its "subscribers" markers.
#
# BENCH_SIZE=small seeds 100,000 (the quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

BUILD=${BUILD:-build}
build_dir=$(realpath -m "$BUILD")
seconds=${BENCH_SECONDS:-5}
alone_s=${BENCH_LATENCY_SECONDS:-2}
case ${BENCH_SIZE:-full} in
full) n=${BENCH_SUBSCRIBERS:-1000000} ;;
small) n=${BENCH_SUBSCRIBERS:-100000} ;;
*)
	echo "bench: BENCH_SIZE must be full or small" >&2
	exit 2
	;;
esac
state=$(mktemp -d /tmp/statusd-bench-subscribers.XXXXXX)
chmod 755 "$state"
read -r port metrics_port < <(free_ports 2)
out=bench/results/subscribers.txt
plans=bench/results/subscriber-plans.txt
mkdir -p bench/results

cleanup() {
	STATE_DIR=$state deploy/stack.sh stop >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
[ -z "${BENCH_KEEP:-}" ] || trap - EXIT

started=$(date +%s)
# The quota (1,000,000 by default) would refuse the sign-ups.
stack_start "WORKERS=${BENCH_WORKERS:-4}" RATE=1000000r/s BURST=1000000 \
	STATUSD_EXTRA_CONF="subscriber_quota = $((2 * n))"
api="/jsm/ops/api/$CLOUD"

# Never analysed until the second phase: no autovacuum (nor its ANALYZE).
sql -c "SELECT format('ALTER TABLE %I SET (autovacuum_enabled = false);', tablename)
	FROM pg_tables WHERE schemaname = 'public'" | sql >/dev/null

say "seeding 1,000 pages and $n subscribers"
sql -v cloud="$CLOUD" -v from=1 -v to=1000 -f bench/seed.sql >/dev/null
page=$(curl -sf -H "Authorization: $auth" -H 'Content-Type: application/json' \
	-d '{"page":{"name":"Subscriber bench","subdomain":"subscriber-bench","pageType":"PUBLIC"}}' \
	"$BASE_URL$api/pages" | python3 -c 'import json, sys; print(json.load(sys.stdin)["page"]["id"])')
sql -v cloud="$CLOUD" -v page="$page" -v n="$n" -f bench/subscribers.sql >/dev/null
say "seeded in $(($(date +%s) - started)) s"
# A challenge statusd issued, solved as the widget solves it, signs up.
python3 bench/subscribers_captcha.py check "$BASE_URL" "$api" "$auth" "$page"

req=$state/requests
mkdir -p "$req"
sql -c "SELECT 'GET $api/pages/' || id FROM pages WHERE cloud_id = '$CLOUD'
	AND subdomain LIKE 'bench-%' ORDER BY id" >"$req/page_read"
one() { echo "GET $api$2" >"$req/$1"; }
one list_first "/subscribers/list/connection?pageId=$page&limit=25"
one list_last "/subscribers/list/connection?pageId=$page&last=25"
one cloud_first "/subscribers/list/connection?limit=25"
one cloud_last "/subscribers/list/connection?last=25"
one stats "/subscribers/stats?itemId=$page&type=PAGE_SUBSCRIBER"
one total "/subscribers/total_in_cloud"
one challenge "/subscribers/captcha/challenge?pageId=$page"

labels=(
	"page_read|GET /pages/{id} (the reference)"
	"list_first|list/connection limit=25, page of $n"
	"list_last|list/connection last=25, page of $n"
	"cloud_first|list/connection limit=25, cloud"
	"cloud_last|list/connection last=25, cloud"
	"stats|stats of the page"
	"total|total_in_cloud"
	"challenge|GET captcha/challenge"
	"signup|POST /subscribers (solved captcha)"
)

# The sign-ups of one wrk run: enough for 4,000 req/s (each is used once).
signups() { # requests-file seconds
	python3 bench/subscribers_captcha.py mint "$conf" "$api" "$page" \
		$((4000 * ($2 + 1))) >"$1"
}

wrk_route() { # route threads connections seconds -> BENCH line
	if [ "$1" = signup ]; then
		signups "$req/signup" "$4"
		wrk -t"$2" -c"$3" -d"${4}s" -s bench/subscribers.lua "$BASE_URL" \
			-- "$auth" "$req/signup" "$2"
	else
		wrk -t"$2" -c"$3" -d"${4}s" -s bench/routes.lua "$BASE_URL" -- "$auth" "$req/$1"
	fi | grep '^BENCH'
}

# "rps p50_us p99_us" of a wrk run, or a failure.
checked() { # route BENCH-line
	case $2 in *non2xx=0\ errors=0) ;; *)
		say "$1 had failures: $2"
		return 1
		;;
	esac
	sed -E 's/.*rps=([0-9]+) p50_us=([0-9]+) p99_us=([0-9]+).*/\1 \2 \3/' <<<"$2"
}

measure() { # route -> "rps p50 p99 alone_p50 alone_p99"
	local line loaded alone
	[ "$1" = signup ] || wrk_route "$1" 2 8 1 >/dev/null
	line=$(wrk_route "$1" 1 1 "$alone_s")
	alone=$(checked "$1" "$line") || return 1
	line=$(wrk_route "$1" 2 16 "$seconds")
	loaded=$(checked "$1" "$line") || return 1
	echo "$loaded ${alone#* }"
}

explain() { # phase
	{
		echo "== $1 =="
		"$build_dir/bench-explain" "$DATABASE_URL" <<-EOF
			SUBSCRIBER_ITEM	$CLOUD	PAGE_SUBSCRIBER	$page
			SUBSCRIBERS_PAGE_AFTER	$CLOUD	\N	\N	26	$page
			SUBSCRIBERS_PAGE_BEFORE	$CLOUD	\N	\N	26	$page
			SUBSCRIBERS_CLOUD_AFTER	$CLOUD	\N	\N	26
			SUBSCRIBERS_CLOUD_BEFORE	$CLOUD	\N	\N	26
			SUBSCRIBER_STATS	$CLOUD	PAGE_SUBSCRIBER	$page
			SUBSCRIBERS_TOTAL	$CLOUD
		EOF
	} >>"$plans" 2>&1 || say "explain failed (see $plans)"
}

declare -A res
: >"$plans"
for phase in unanalysed analysed; do
	if [ $phase = analysed ]; then
		analyse_all
	fi
	explain $phase
	ref=()
	for entry in "${labels[@]}" "page_read|"; do
		route=${entry%%|*}
		say "$phase: $route"
		r=$(measure "$route") || exit 1
		res[$phase.$route]=$r
		[ "$route" != page_read ] || ref+=("${r%% *}")
	done
	# The page read ran first and last: the reference is the mean of both.
	res[$phase.ref]=$(((ref[0] + ref[1]) / 2))
done

# The counters against count(*), after the bulk seed and the sign-ups
# the API added through the counting trigger.
drift=$(sql -v cloud="$CLOUD" <<-'EOF'
	SELECT count(*) FROM (
		SELECT page_id, item_type, item_id, status, sum(n) AS n
		FROM subscriber_counts WHERE cloud_id = :'cloud'
		GROUP BY 1, 2, 3, 4
	) c FULL JOIN (
		SELECT page_id, item_type, item_id, status, count(*) AS n
		FROM subscribers WHERE cloud_id = :'cloud' GROUP BY 1, 2, 3, 4
	) s USING (page_id, item_type, item_id, status)
	WHERE coalesce(c.n, 0) <> coalesce(s.n, 0);
	SELECT (SELECT n FROM subscriber_cloud_totals WHERE cloud_id = :'cloud')
		- (SELECT count(*) FROM subscribers WHERE cloud_id = :'cloud');
EOF
)
stored=$(sql -c "SELECT count(*) FROM subscribers WHERE cloud_id = '$CLOUD'")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
msf() { awk -v x="$1" 'BEGIN { printf "%.2f", x / 1000 }'; }
failed=()
verdicts() { # phase
	local s t f l
	for s in stats total; do
		read -r _ _ _ _ t <<<"${res[$1.$s]}"
		[ "$t" -lt 50000 ] || failed+=("$1: $s took $(msf "$t") ms alone (p99), goal < 50")
	done
	for s in list cloud; do
		read -r _ _ _ f _ <<<"${res[$1.${s}_first]}"
		read -r _ _ _ l _ <<<"${res[$1.${s}_last]}"
		echo "$1: $s last/first page alone (p50) $(ratio "$l" "$f") (goal <= 1.5)"
		awk -v l="$l" -v f="$f" 'BEGIN { exit !(l > 1.5 * f) }' &&
			failed+=("$1: the last page of $s takes over 1.5x its first")
	done
	return 0
}
{
	echo "statusd subscriber bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $n seeded subscribers ($stored stored at the end)"
	echo "alone: wrk -t1 -c1 -d${alone_s}s; load: wrk -t2 -c16 -d${seconds}s after a 1 s warm-up; total $(($(date +%s) - started)) s"
	echo
	echo "| route | never analysed: alone p50 / p99 ms | req/s | ratio | analysed: alone p50 / p99 ms | req/s | ratio |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for entry in "${labels[@]}"; do
		route=${entry%%|*}
		row="| ${entry#*|} |"
		for phase in unanalysed analysed; do
			read -r rps _ _ a50 a99 <<<"${res[$phase.$route]}"
			row+=" $(msf "$a50") / $(msf "$a99") | $rps | $(ratio "$rps" "${res[$phase.ref]}") |"
		done
		echo "$row"
	done
	echo
	echo "Reference (GET /pages/{id}, mean of the phase's first and last run): ${res[unanalysed.ref]} req/s never analysed, ${res[analysed.ref]} analysed."
	verdicts unanalysed
	verdicts analysed
	read -r groups cloud_drift <<<"$(tr '\n' ' ' <<<"$drift")"
	echo "counters against count(*) at the end: $groups differing (page, item, status) rows, cloud total off by $cloud_drift"
	[ "$groups" = 0 ] && [ "$cloud_drift" = 0 ] || failed+=("the counters differ from count(*)")
	for f in "${failed[@]}"; do echo "FAILED: $f"; done
} | tee "$out"

python3 bench/results_section.py subscribers "$out" "$plans"
say "done in $(($(date +%s) - started)) s"
! grep -q '^FAILED' "$out"
