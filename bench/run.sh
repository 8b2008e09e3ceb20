#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup and its helpers run from the EXIT trap
# bench/run.sh: `make bench`. Measures statusd's hot read path, GET
# /jsm/ops/api/{cloud}/pages/{id}, through nginx with wrk, next to two
# baselines measured in the same run through a second nginx with the same
# settings (DESIGN.md section 9):
#
#   (a) bare     bench-bare: libfcgi accept loop, fixed page document
#   (b) select   bench-select: (a) plus one prepared SELECT doc FROM pages
#   (c) statusd  statusd, authenticated (Basic email:token)
#
# Each step is a 1 s wrk warm-up and then `wrk -t2 -c32 -d<BENCH_SECONDS>s`;
# the three steps run interleaved, BENCH_ROUNDS times, and the medians are
# reported with the ratios statusd/select (goal >= 0.8) and statusd/bare.
# Also reported: CPU time per request of each component (responder, nginx,
# PostgreSQL, wrk) from /proc, which is steadier than req/s on a shared
# machine, and how much of the machine other processes used meanwhile.
# Then the cost of metrics (issue 12 item 6): the page read of two fresh
# statusd, one with its metrics and one with metrics_listen = off,
# alternately, BENCH_METRICS_PAIRS times; the median ratio is the figure
# (goal >= 0.97).
# Checked: wrk saw no non-2xx answers and no socket errors from statusd
# (exit status 1 otherwise), and the RSS of each statusd worker before and
# after its runs (growth over 10 % is flagged).
#
# Everything runs in a temporary state directory (a throwaway PostgreSQL
# cluster, statusd and nginx from deploy/stack.sh, the baselines and their
# nginx) that is stopped and removed at the end, whatever happens. The
# summary goes to stdout and bench/results/latest.txt, wrk's own output to
# bench/results/raw/.
#
# Environment:
#   BUILD            build directory (default build)
#   BENCH_WORKERS    FastCGI workers for statusd and each baseline (default 4)
#   BENCH_SECONDS    seconds per measured run (default 5)
#   BENCH_ROUNDS     rounds (default 3)
#   BENCH_PAGES      seeded pages (default 10000)
#   BENCH_CONNECTIONS, BENCH_THREADS   wrk -c and -t (default 32 and 2)
#   BENCH_STATUSD_CONF  extra statusd.conf lines, e.g. token_cache_seconds = 0
#   BENCH_METRICS_PAIRS  pairs of statusd runs with and without metrics
#                    (default 5; see "the cost of metrics" below)
#   BENCH_KEEP=1     keep the state directory (logs) instead of removing it
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Always a cluster of our own: the seed replaces pages.
unset DATABASE_URL EXTRA_CONF
cd "$repo"

BUILD=${BUILD:-build}
build_dir=$(realpath -m "$BUILD")
workers=${BENCH_WORKERS:-4}
run_s=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
pages=${BENCH_PAGES:-10000}
conns=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
results=$repo/bench/results
lua=$repo/bench/random_id.lua
# limit_req stays in the path (as in production) but must not reject anything.
rate=1000000r/s
burst=1000000

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

for v in workers run_s rounds pages conns threads; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number (${!v})"
done
for t in wrk nginx psql curl ss base64; do
	command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
done
for b in statusd statusctl bench-bare bench-select; do
	[ -x "$build_dir/$b" ] || die "no $build_dir/$b (make bench builds it)"
done

root=0
[ "$(id -u)" -eq 0 ] && root=1
start_time=$(date +%s)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- state, processes and cleanup -------------------------------------------

state=$(mktemp -d /tmp/statusd-bench.XXXXXX)
run_dir=$state/run
log_dir=$state/log
ngx_prefix=$state/bench-nginx
bare_sock=$run_dir/bench-bare.sock
select_sock=$run_dir/bench-select.sock
ids_file=$state/ids.txt
bare_pid=''
select_pid=''
metrics_on_pid=''
metrics_off_pid=''
stack_started=0

stop_pid() { # pid signal tenths: signal, wait, then SIGKILL
	local pid=$1 sig=$2 tenths=$3 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < tenths; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# Processes still using the state directory (cwd, command line or open
# files): by construction ours.
leftovers() {
	local p pid
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		if [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ]; then
			continue
		fi
		if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF "$state" ||
			[[ $(readlink "$p/cwd" 2>/dev/null) == "$state"* ]]; then
			echo "$pid"
		fi
	done
}

cleanup() {
	local rc=$? pid left
	trap - EXIT INT TERM
	set +e
	if [ -s "$ngx_prefix/nginx.pid" ]; then
		stop_pid "$(<"$ngx_prefix/nginx.pid")" QUIT 50
	fi
	# The responders wait for their workers; the workers die with them.
	[ -z "$bare_pid" ] || stop_pid "$bare_pid" TERM 50
	[ -z "$select_pid" ] || stop_pid "$select_pid" TERM 50
	[ -z "$metrics_on_pid" ] || stop_pid "$metrics_on_pid" TERM 50
	[ -z "$metrics_off_pid" ] || stop_pid "$metrics_off_pid" TERM 50
	wait 2>/dev/null
	if [ "$stack_started" -eq 1 ] || [ -d "$state/pg" ]; then
		STATE_DIR=$state deploy/stack.sh stop >>"$log_dir/stack.log" 2>&1 ||
			say "deploy/stack.sh stop failed (see $log_dir/stack.log)"
	fi
	left=$(leftovers)
	if [ -n "$left" ]; then
		say "processes left behind, killing: $(tr '\n' ' ' <<<"$left")"
		for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
	fi
	if [ "$rc" -ne 0 ] && [ -d "$log_dir" ]; then
		for f in "$log_dir"/*.log; do
			[ -s "$f" ] || continue
			say "last lines of $f:"
			tail -n 8 "$f" >&2
		done
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "state kept in $state"
	else
		rm -rf "$state"
	fi
	say "finished in $(($(date +%s) - start_time)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$log_dir" "$results/raw"

# A port nothing uses, in any state, below the ephemeral range (so no
# outgoing connection of this or another program can be holding it).
free_port() {
	local lo p i
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$lo" -gt 12000 ] || lo=65000
	for ((i = 0; i < 200; i++)); do
		p=$((10000 + RANDOM % (lo - 10000)))
		[ "$p" != "${1:-}" ] || continue
		if [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

http_code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true
}

# --- the stack, the seed, the baselines -------------------------------------

# Another program may take the port between the check and nginx's bind:
# then try another one.
for attempt in 1 2 3; do
	api_port=$(free_port)
	metrics_port=$(free_port "$api_port") # not PORT+1: another stack may hold it
	say "starting the stack in $state (port $api_port, $workers statusd workers)"
	stack_started=1
	if STATE_DIR=$state PORT=$api_port METRICS_PORT=$metrics_port \
		WORKERS=$workers BUILD=$BUILD \
		BUILD_DIR=$build_dir RATE=$rate BURST=$burst \
		STATUSD_EXTRA_CONF=${BENCH_STATUSD_CONF:-} \
		deploy/stack.sh start >"$log_dir/stack.log" 2>&1; then
		break
	fi
	if [ "$attempt" -eq 3 ] ||
		! grep -q 'bind() to 127.0.0.1:[0-9]* failed' "$log_dir/stack.log"; then
		die "deploy/stack.sh start failed: $(tail -n 5 "$log_dir/stack.log")"
	fi
	say "port $api_port was taken meanwhile; again with another one"
done
bench_port=$(free_port "$api_port")
[ -s "$state/env" ] || die "deploy/stack.sh wrote no $state/env"
# shellcheck disable=SC1091
. "$state/env"
for v in BASE_URL CLOUD TOKEN EMAIL DATABASE_URL; do
	[ -n "${!v:-}" ] || die "$state/env has no $v"
done

say "seeding $pages pages"
half=$((pages / 2))
seed_pids=()
psql -X -q "$DATABASE_URL" -v cloud="$CLOUD" -v from=1 -v to="$half" \
	-f bench/seed.sql >>"$log_dir/seed.log" 2>&1 &
seed_pids+=($!)
psql -X -q "$DATABASE_URL" -v cloud="$CLOUD" -v from=$((half + 1)) \
	-v to="$pages" -f bench/seed.sql >>"$log_dir/seed.log" 2>&1 &
seed_pids+=($!)
for pid in "${seed_pids[@]}"; do
	wait "$pid" || die "seeding failed: $(tail -n 5 "$log_dir/seed.log")"
done
# ANALYZE also makes the statements statusd prepared before the seed plan
# again with statistics (bench/RESULTS.md: without them page_get can pick the
# wrong index).
psql -X -q -At "$DATABASE_URL" -v ON_ERROR_STOP=1 -v cloud="$CLOUD" \
	>"$ids_file" 2>>"$log_dir/seed.log" <<-'EOF' || die "listing the seeded ids failed"
	VACUUM ANALYZE pages;
	SELECT id FROM pages WHERE cloud_id = :'cloud' AND subdomain LIKE 'bench-%';
EOF
[ "$(wc -l <"$ids_file")" -eq "$pages" ] || die "expected $pages ids in $ids_file"
doc_bytes=$(psql -X -At "$DATABASE_URL" -c \
	"SELECT avg(length(doc))::int FROM pages WHERE cloud_id = '$CLOUD' AND subdomain LIKE 'bench-%'")

say "starting bench-bare and bench-select ($workers workers each)"
"$build_dir/bench-bare" -s "$bare_sock" -w "$workers" </dev/null \
	>>"$log_dir/bench-bare.log" 2>&1 &
bare_pid=$!
"$build_dir/bench-select" -s "$select_sock" -w "$workers" -d "$DATABASE_URL" \
	</dev/null >>"$log_dir/bench-select.log" 2>&1 &
select_pid=$!

mkdir -p "$ngx_prefix/tmp" "$ngx_prefix/snippets"
cp nginx/snippets/*.conf "$ngx_prefix/snippets/"
for up in bare select; do
	sed "s/^fastcgi_pass statusd;\$/fastcgi_pass bench_$up;/" \
		nginx/snippets/statusd-fastcgi.conf >"$ngx_prefix/snippets/bench-fastcgi-$up.conf"
	[ "$(grep -c "^fastcgi_pass bench_$up;\$" "$ngx_prefix/snippets/bench-fastcgi-$up.conf")" -eq 1 ] ||
		die "nginx/snippets/statusd-fastcgi.conf has no line 'fastcgi_pass statusd;'"
done
user_line=''
[ "$root" -eq 0 ] || user_line='user nobody nogroup;'
# Same process count as the statusd nginx (worker_processes auto in both).
grep -q '^worker_processes auto;' nginx/local.conf.in ||
	say "warning: nginx/local.conf.in no longer says worker_processes auto"

for ((i = 0; i < 100; i++)); do
	[ -S "$bare_sock" ] && [ -S "$select_sock" ] && break
	kill -0 "$bare_pid" 2>/dev/null || die "bench-bare exited"
	kill -0 "$select_pid" 2>/dev/null || die "bench-select exited"
	sleep 0.1
done
if [ ! -S "$bare_sock" ] || [ ! -S "$select_sock" ]; then
	die "the baseline sockets did not appear"
fi
render_bench_nginx() {
	sed -e "s|@PORT@|$bench_port|g" -e "s|@PREFIX@|$ngx_prefix|g" \
		-e "s|@LOG_DIR@|$log_dir|g" -e "s|@BARE_SOCKET@|$bare_sock|g" \
		-e "s|@SELECT_SOCKET@|$select_sock|g" -e "s|@USER_LINE@|$user_line|g" \
		-e "s|@RATE@|$rate|g" -e "s|@BURST@|$burst|g" \
		bench/nginx.conf.in >"$ngx_prefix/nginx.conf"
	! grep -n '@[A-Z_]*@' "$ngx_prefix/nginx.conf" >&2 || die "unrendered placeholder in bench/nginx.conf.in"
}
for attempt in 1 2 3; do
	render_bench_nginx
	if nginx -p "$ngx_prefix/" -c "$ngx_prefix/nginx.conf" </dev/null >/dev/null \
		2>>"$log_dir/bench-nginx-error.log"; then
		break
	fi
	[ "$attempt" -lt 3 ] || die "the bench nginx did not start"
	bench_port=$(free_port "$api_port")
done

bench_url=http://127.0.0.1:$bench_port
read -r sample_id <"$ids_file"
auth="Basic $(printf '%s:%s' "$EMAIL" "$TOKEN" | base64 -w0)"
declare -A url_prefix=(
	[bare]=/bench/bare/$CLOUD/
	[select]=/bench/select/$CLOUD/
	[statusd]=/jsm/ops/api/$CLOUD/pages/
)
declare -A base=([bare]=$bench_url [select]=$bench_url [statusd]=$BASE_URL)
declare -A label=(
	[bare]="(a) bare responder"
	[select]="(b) bare prepared select"
	[statusd]="(c) statusd GET page"
)
targets=(bare select statusd)

# Every target answers 200 before anything is measured, and statusd sends
# exactly the document the bare select reads.
for ((i = 0; i < 50; i++)); do
	[ "$(http_code "$bench_url${url_prefix[select]}$sample_id")" = 200 ] && break
	sleep 0.1
done
for t in "${targets[@]}"; do
	code=$(http_code -H "Authorization: $auth" "${base[$t]}${url_prefix[$t]}$sample_id")
	[ "$code" = 200 ] || die "$t: GET ${url_prefix[$t]}$sample_id answered $code"
done
curl -s --max-time 5 "$bench_url${url_prefix[select]}$sample_id" >"$state/select.json"
curl -s --max-time 5 -H "Authorization: $auth" \
	"$BASE_URL${url_prefix[statusd]}$sample_id" >"$state/statusd.json"
cmp -s "$state/select.json" "$state/statusd.json" ||
	say "warning: statusd's document differs from the one bench-select reads"

# --- measuring ----------------------------------------------------------------

# Direct children of pid $1 (one pass over /proc).
children() {
	local f s st pp
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		s=${s##*) }
		read -r st pp _ <<<"$s"
		[ "$pp" = "$1" ] && [ "$st" != Z ] && {
			f=${f#/proc/}
			echo "${f%/stat}"
		}
	done
	return 0
}

# utime+stime in clock ticks of pids $@ and their direct children.
cpu_ticks() {
	local total=0 pid s a
	for pid in $(for p in "$@"; do
		echo "$p"
		children "$p"
	done); do
		read -r s 2>/dev/null <"/proc/$pid/stat" || continue
		s=${s##*) }
		read -r -a a <<<"$s"
		total=$((total + a[11] + a[12]))
	done
	echo "$total"
}

# Busy and steal clock ticks of the whole machine (all CPUs), from /proc/stat.
machine_ticks() {
	local _cpu user nice sys irq softirq steal
	read -r _cpu user nice sys _ _ irq softirq steal _ </proc/stat
	echo "$((user + nice + sys + irq + softirq + steal)) $steal"
}

# CPU milliseconds used by this shell's finished children (wrk), from
# `times`, into variable $1. Not in a subshell: `times` there would report
# the subshell's children.
children_ms() {
	local u s
	times >"$state/times"
	{
		read -r _ _
		read -r u s
	} <"$state/times"
	printf -v "$1" '%s' "$(awk -v u="$u" -v s="$s" 'function ms(x, m) {
		m = x; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", x); sub(/s$/, "", x)
		return (m * 60 + x) * 1000 }
		BEGIN { printf "%d", ms(u) + ms(s) }')"
}

# CPU ticks of every process that is not part of the benchmark, into file $1
# as "pid ticks" lines (ticks: utime+stime+cutime+cstime, so the children a
# process reaped count too). Ours: statusd, both nginx, PostgreSQL, the
# baselines (each with its children) and this shell, whose children are wrk.
# Runs in this shell (no subshell), so it does not count itself.
foreign_snapshot() {
	local f s pid r
	local -a a
	local -A ours=([$$]=1)
	local -A pp=() tk=()
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		pid=${s%% *}
		r=${s##*) }
		read -r -a a <<<"$r"
		pp[$pid]=${a[1]}
		tk[$pid]=$((a[11] + a[12] + a[13] + a[14]))
	done
	for pid in "${roots[@]}"; do ours[$pid]=1; done
	for pid in "${!pp[@]}"; do
		[ -z "${ours[${pp[$pid]}]:-}" ] || ours[$pid]=1
	done
	for pid in "${!tk[@]}"; do
		[ -n "${ours[$pid]:-}" ] || echo "$pid ${tk[$pid]}"
	done >"$1"
}

# Ticks the other processes used between two snapshots: the growth of those
# in both, all of those that are new.
foreign_ticks() {
	awk 'NR == FNR { t0[$1] = $2; next }
		{ d = ($1 in t0) ? $2 - t0[$1] : $2; if (d > 0) sum += d }
		END { printf "%d", sum }' "$1" "$2"
}

pid_of() { [ -s "$1" ] && head -n 1 "$1" || echo 0; }
statusd_pid=$(pid_of "$run_dir/statusd.pid")
api_nginx_pid=$(pid_of "$run_dir/nginx.pid")
bench_nginx_pid=$(pid_of "$ngx_prefix/nginx.pid")
pg_pid=$(pid_of "$state/pg/postmaster.pid")
roots=("$statusd_pid" "$api_nginx_pid" "$bench_nginx_pid" "$pg_pid" "$bare_pid" "$select_pid")
declare -A responder_pid=([bare]=$bare_pid [select]=$select_pid [statusd]=$statusd_pid)
declare -A nginx_pid=([bare]=$bench_nginx_pid [select]=$bench_nginx_pid [statusd]=$api_nginx_pid)
hz=$(getconf CLK_TCK)
ncpu=$(nproc)

# statusd workers and their VmRSS in kB, as "pid:kB" words.
statusd_rss() {
	local pid kb
	for pid in $(children "$statusd_pid" | sort -n); do
		kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
		echo "$pid:${kb:-0}"
	done
}

# The redirection is on wrk itself, not on the function call: a function's
# redirection holds in this shell while wrk runs, and a trap (Ctrl-C, then
# cleanup) that runs then would write into the file.
wrk_run() { # target seconds output-file
	local t=$1 d=$2 out=$3 header=''
	[ "${base[$t]}" != "$BASE_URL" ] || header=$auth
	wrk -t"$threads" -c"$conns" -d"${d}s" --latency -s "$lua" "${base[$t]}/" \
		-- "$ids_file" "${url_prefix[$t]}" "$header" >"$out" 2>&1
}

declare -A m # m[target,round,key]
w0=0 w1=0
rss_cold=$(statusd_rss)
rss_before=''
rss_series=()
rm -f "$results"/raw/*.txt

# One measured run of target t as round r, after a 1 s warm-up, into
# m[t,r,*].
measure_run() { # target round
	local t=$1 r=$2
	wrk_run "$t" 1 "$results/raw/warmup-$t-$r.txt" ||
		die "wrk warm-up of $t failed: $(tail -n 3 "$results/raw/warmup-$t-$r.txt")"
	if [ "$t" = statusd ] && [ "$r" -eq 1 ]; then
		rss_before=$(statusd_rss)
	fi
	c0_resp=$(cpu_ticks "${responder_pid[$t]}")
	c0_ngx=$(cpu_ticks "${nginx_pid[$t]}")
	c0_pg=$(cpu_ticks "$pg_pid")
	raw=$results/raw/$t-$r.txt
	foreign_snapshot "$state/foreign0"
	read -r mt0 st0 <<<"$(machine_ticks)"
	children_ms w0
	wrk_run "$t" "$run_s" "$raw" || die "wrk on $t failed: $(tail -n 3 "$raw")"
	children_ms w1
	read -r mt1 st1 <<<"$(machine_ticks)"
	foreign_snapshot "$state/foreign1"
	c1_resp=$(cpu_ticks "${responder_pid[$t]}")
	c1_ngx=$(cpu_ticks "${nginx_pid[$t]}")
	c1_pg=$(cpu_ticks "$pg_pid")
	line=$(grep '^BENCH ' "$raw") || die "no BENCH line in $raw"
	for kv in ${line#BENCH }; do
		m[$t,$r,${kv%%=*}]=${kv#*=}
	done
	n=${m[$t,$r,requests]}
	[ "$n" -gt 0 ] || die "$t: no requests completed"
	# CPU microseconds per request, by component.
	m[$t,$r,cpu_resp]=$(((c1_resp - c0_resp) * 1000000 / hz / n))
	m[$t,$r,cpu_ngx]=$(((c1_ngx - c0_ngx) * 1000000 / hz / n))
	m[$t,$r,cpu_pg]=$(((c1_pg - c0_pg) * 1000000 / hz / n))
	m[$t,$r,cpu_wrk]=$(((w1 - w0) * 1000 / n))
	# What the rest of the machine did meanwhile (other processes, and
	# hypervisor steal), and how much stayed idle, in % of all CPUs.
	cap=$(awk -v s="${m[$t,$r,seconds]}" -v c="$ncpu" 'BEGIN { printf "%d", s * c * 1000 }')
	# A process that reaped a long-lived child during the run counts all
	# of that child's CPU: cap at what the machine did beyond our share.
	ours=$(((c1_resp - c0_resp + c1_ngx - c0_ngx + c1_pg - c0_pg) * 1000 / hz + w1 - w0))
	m[$t,$r,other]=$(awk -v f="$(($(foreign_ticks "$state/foreign0" "$state/foreign1") * 1000 / hz))" \
		-v b="$(((mt1 - mt0) * 1000 / hz))" -v o="$ours" -v c="$cap" \
		'BEGIN { if (f > b - o) f = b - o; if (f < 0) f = 0; printf "%.0f", f * 100 / c }')
	m[$t,$r,cpu_total]=$((m[$t,$r,cpu_resp] + m[$t,$r,cpu_ngx] + m[$t,$r,cpu_pg] + m[$t,$r,cpu_wrk]))
	m[$t,$r,idle]=$(awk -v b="$(((mt1 - mt0) * 1000 / hz))" -v c="$cap" \
		'BEGIN { v = 100 - b * 100 / c; printf "%.0f", (v < 0 ? 0 : v) }')
	m[$t,$r,steal]=$(awk -v b="$(((st1 - st0) * 1000 / hz))" -v c="$cap" 'BEGIN { printf "%.0f", b * 100 / c }')
	if [ "$t" = statusd ]; then
		rss_series+=("$(statusd_rss)")
	fi
	say "round $r $t: ${m[$t,$r,rps]} req/s, p50 ${m[$t,$r,p50_us]} us, p99 ${m[$t,$r,p99_us]} us"
}

say "measuring: $rounds rounds of ${targets[*]}, ${run_s}s each after a 1 s warm-up"
for ((r = 1; r <= rounds; r++)); do
	for t in "${targets[@]}"; do
		measure_run "$t" "$r"
	done
done

# --- the cost of metrics (issue 12 item 6) ------------------------------------

# Two more statusd, started the same way, on the same database with the
# same settings, one with its metrics (on a listener of its own) and one
# with metrics_listen = off (no listener and no counters: every recording
# call returns at once), behind the same nginx: the socket path that nginx
# connects to becomes a symlink, pointed before each run at one or the
# other. (Both fresh, so that neither has the stack's statusd's head start;
# an A/A run of the stack's statusd against a fresh one differed by 6 % in
# CPU per request.) BENCH_METRICS_PAIRS pairs of runs (default 5), each
# pair in the other order than the last, so that drift over the run falls
# on both sides; the figure is the median of the pairs' ratios (with /
# without).
pairs=${BENCH_METRICS_PAIRS:-5}
[[ $pairs =~ ^[1-9][0-9]*$ ]] || die "BENCH_METRICS_PAIRS must be a positive number ($pairs)"
statusd_sock=$(sed -n 's/^listen = //p' "$state/statusd.conf")
[ -S "$statusd_sock" ] || die "no statusd socket at '$statusd_sock' (listen in $state/statusd.conf)"
start_statusd() { # on|off metrics_listen; sets ab_pid
	local sock=$run_dir/statusd-$1.sock i
	grep -v '^metrics_listen' "$state/statusd.conf" >"$state/statusd-$1.conf"
	echo "metrics_listen = $2" >>"$state/statusd-$1.conf"
	"$build_dir/statusd" -c "$state/statusd-$1.conf" -l "$sock" -w "$workers" \
		</dev/null >>"$log_dir/statusd-$1.log" 2>&1 &
	ab_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		kill -0 "$ab_pid" 2>/dev/null || die "statusd ($1) exited"
		sleep 0.1
	done
	die "statusd ($1) did not start"
}
start_statusd on "127.0.0.1:$(free_port "$api_port")"
metrics_on_pid=$ab_pid
start_statusd off off
metrics_off_pid=$ab_pid
mv "$statusd_sock" "$run_dir/statusd-stack.sock"
point_statusd() { # on|off|stack
	ln -sfn "statusd-$1.sock" "$statusd_sock.next"
	mv -Tf "$statusd_sock.next" "$statusd_sock"
}
for t in metrics_on metrics_off; do
	url_prefix[$t]=${url_prefix[statusd]}
	base[$t]=$BASE_URL
	nginx_pid[$t]=$api_nginx_pid
done
responder_pid[metrics_on]=$metrics_on_pid
responder_pid[metrics_off]=$metrics_off_pid
label[metrics_on]="statusd, metrics on"
label[metrics_off]="statusd, metrics_listen = off"
say "metrics cost: $pairs pairs of runs with and without metrics"
for ((p = 1; p <= pairs; p++)); do
	order=(on off)
	[ $((p % 2)) -eq 1 ] || order=(off on)
	for o in "${order[@]}"; do
		point_statusd "$o"
		measure_run "metrics_$o" "$p"
	done
done
point_statusd stack

# --- the summary --------------------------------------------------------------

median() { # numbers -> median (mean of the two middle ones for an even count)
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
series() { # target key -> the values of all rounds
	local r
	for ((r = 1; r <= rounds; r++)); do echo "${m[$1,$r,$2]}"; done
}
declare -A med
for t in "${targets[@]}"; do
	for k in rps p50_us p99_us cpu_resp cpu_ngx cpu_pg cpu_wrk cpu_total other idle steal; do
		# shellcheck disable=SC2046
		med[$t,$k]=$(median $(series "$t" "$k"))
	done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
ratio4() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

status=0
summary=$state/summary.txt
{
	echo "statusd bench, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "         $(nginx -v 2>&1 | sed 's/^nginx version: //'), PostgreSQL $(psql -X -At "$DATABASE_URL" -c 'SHOW server_version' | cut -d' ' -f1)"
	echo "load:    wrk -t$threads -c$conns -d${run_s}s --latency -s bench/random_id.lua, 1 s warm-up, $rounds rounds interleaved"
	echo "         $workers FastCGI workers each, $pages pages (documents avg $doc_bytes bytes), random id per request"
	echo
	printf '%-26s %8s %7s %7s\n' "median of $rounds" "req/s" "p50 ms" "p99 ms"
	for t in "${targets[@]}"; do
		printf '%-26s %8.0f %7s %7s\n' "${label[$t]}" "${med[$t,rps]}" \
			"$(ms "${med[$t,p50_us]}")" "$(ms "${med[$t,p99_us]}")"
	done
	echo
	echo "CPU per request in microseconds (median), and the rest of the machine (% of all CPUs)"
	printf '%-26s %9s %6s %8s %5s %6s   %6s %5s %6s\n' "" responder nginx postgres wrk total other idle steal
	for t in "${targets[@]}"; do
		printf '%-26s %9s %6s %8s %5s %6s   %6s %5s %6s\n' "${label[$t]}" \
			"${med[$t,cpu_resp]}" "${med[$t,cpu_ngx]}" "${med[$t,cpu_pg]}" "${med[$t,cpu_wrk]}" \
			"${med[$t,cpu_total]}" "${med[$t,other]}" "${med[$t,idle]}" "${med[$t,steal]}"
	done
	other_max=$(for t in "${targets[@]}"; do series "$t" other; done | sort -n | tail -n 1)
	if [ "$other_max" -gt 10 ]; then
		echo "  NOTE: up to $other_max % of the machine went to other processes during a run:"
		echo "  the figures are noisy; compare CPU per request, or run again on a quiet machine."
	fi
	echo "  (load average before the bench started: $load_at_start)"
	echo
	r_sel=$(ratio "${med[statusd,rps]}" "${med[select,rps]}")
	r_bare=$(ratio "${med[statusd,rps]}" "${med[bare,rps]}")
	verdict=ok
	awk -v r="$r_sel" 'BEGIN { exit !(r < 0.8) }' && verdict="BELOW the goal"
	echo "statusd/select  $r_sel   (goal >= 0.80, DESIGN.md section 9: $verdict)"
	echo "statusd/bare    $r_bare"
	echo "select/bare     $(ratio "${med[select,rps]}" "${med[bare,rps]}")"
	echo "CPU per request, select/statusd  $(ratio "${med[select,cpu_total]}" "${med[statusd,cpu_total]}")" \
		"  (the req/s ratio to expect where the machine is CPU-bound: less noisy)"
	echo
	echo "req/s by round (and the % of the machine other processes used meanwhile):"
	for t in "${targets[@]}"; do
		printf '  %-8s' "$t"
		for ((r = 1; r <= rounds; r++)); do
			printf ' %7.0f (%2s %%)' "${m[$t,$r,rps]}" "${m[$t,$r,other]}"
		done
		echo
	done
	echo
	echo "metrics cost (issue 12 item 6): the page read with metrics and with"
	echo "metrics_listen = off (no counters), $pairs pairs of runs alternated:"
	printf '  %-5s %10s %10s %8s %18s\n' pair "on req/s" "off req/s" on/off "CPU off/on"
	on_off=() cpu_on_off=()
	for ((p = 1; p <= pairs; p++)); do
		on_off+=("$(ratio4 "${m[metrics_on,$p,rps]}" "${m[metrics_off,$p,rps]}")")
		cpu_on_off+=("$(ratio4 "${m[metrics_off,$p,cpu_total]}" "${m[metrics_on,$p,cpu_total]}")")
		printf '  %-5s %10.0f %10.0f %8s %18s\n' "$p" "${m[metrics_on,$p,rps]}" \
			"${m[metrics_off,$p,rps]}" "${on_off[-1]}" "${cpu_on_off[-1]}"
		for t in metrics_on metrics_off; do
			e="${m[$t,$p,non2xx]}/${m[$t,$p,connect]}/${m[$t,$p,read]}/${m[$t,$p,write]}/${m[$t,$p,timeout]}"
			[ "$e" = 0/0/0/0/0 ] || {
				echo "  CHECK FAILED: $t pair $p: non2xx/connect/read/write/timeout $e"
				status=1
			}
		done
	done
	cost=$(median "${on_off[@]}")
	verdict=ok
	awk -v r="$cost" 'BEGIN { exit !(r < 0.97) }' && verdict="BELOW the goal"
	echo "  median on/off $(printf '%.3f' "$cost")   (goal >= 0.97, within 3 %: $verdict);" \
		"CPU per request off/on $(printf '%.3f' "$(median "${cpu_on_off[@]}")")"
	echo
	echo "errors seen by wrk (non-2xx, socket connect/read/write/timeout):"
	for t in "${targets[@]}"; do
		bad=''
		for ((r = 1; r <= rounds; r++)); do
			e="${m[$t,$r,non2xx]}/${m[$t,$r,connect]}/${m[$t,$r,read]}/${m[$t,$r,write]}/${m[$t,$r,timeout]}"
			[ "$e" = 0/0/0/0/0 ] || bad+=" round $r: non2xx=${m[$t,$r,non2xx]} connect=${m[$t,$r,connect]} read=${m[$t,$r,read]} write=${m[$t,$r,write]} timeout=${m[$t,$r,timeout]};"
		done
		if [ -z "$bad" ]; then
			echo "  $t: none"
		else
			echo "  $t:$bad"
			[ "$t" != statusd ] || status=1
		fi
	done
	[ "$status" -eq 0 ] || echo "  CHECK FAILED: statusd answered non-2xx or wrk had socket errors"
	echo
	echo "statusd worker RSS (kB): at start, after the first warm-up (before), after each measured run"
	grown=0
	for w in $rss_before; do
		pid=${w%%:*}
		kb0=${w#*:}
		cold=$(tr ' ' '\n' <<<"$rss_cold" | sed -n "s/^$pid://p")
		line=$(printf '  pid %-8s %7s %7s ->' "$pid" "${cold:--}" "$kb0")
		last=''
		for s in "${rss_series[@]}"; do
			last=$(tr ' ' '\n' <<<"$s" | sed -n "s/^$pid://p")
			line+=$(printf ' %7s' "${last:-gone}")
		done
		if [ -z "$last" ]; then
			line+="   (worker replaced: not comparable)"
		else
			pct=$(awk -v a="$last" -v b="$kb0" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')
			line+="   $pct %"
			if awk -v p="$pct" 'BEGIN { exit !(p > 10) }'; then
				line+="   GROWTH OVER 10 %"
				grown=1
			fi
		fi
		echo "$line"
	done
	if [ "$grown" -eq 1 ]; then
		echo "  FLAG: a statusd worker's RSS grew by more than 10 % over the runs"
	else
		echo "  no worker grew by more than 10 %"
	fi
} >"$summary"

cp "$summary" "$results/latest.txt"
echo
cat "$summary"
echo
say "summary in bench/results/latest.txt, wrk output in bench/results/raw/"
exit "$status"
