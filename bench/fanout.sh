#!/usr/bin/env bash
# bench/fanout.sh (make bench-fanout; not part of make test or make bench):
# the fan-out of one incident to BENCH_FANOUT_SUBSCRIBERS (100,000)
# subscribers of one page, through the real notifier. WEBHOOK (the default):
# to a local HTTPS receiver (an nginx of its own answering 200, with a test
# CA the notifier trusts through webhook_ca_file); EMAIL: into the pickup
# directory (no smtp_url), one .eml per message. Issue 11 item 8; goal: the
# last webhook delivery within 60 s of the incident's commit on two cores.
#
# The subscribers are seeded by SQL (the real table and indexes, counters
# set in bulk: bench/fanout.sql); the incident is a POST /incidents with
# shouldSendNotifications; everything after is statusd-notify's: the fan-out
# into deliveries, claims, signed POSTs, recorded attempts. Measured from the
# database (the outbox row's created_at and delivered_at, the attempts'
# times) and checked against the receiver's access log (every request
# counted, or the .eml files). Results: stdout and the "fanout" (or
# "fanout-email") section of bench/RESULTS.md.
#
#   BENCH_FANOUT_CHANNEL      WEBHOOK or EMAIL (WEBHOOK)
#   BENCH_FANOUT_SUBSCRIBERS  subscribers (100000)
#   BENCH_FANOUT_BATCH        notify_batch of the notifier (256)
#   BENCH_FANOUT_NOTIFIERS    notifiers running side by side (1)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

BUILD=${BUILD:-build}
channel=${BENCH_FANOUT_CHANNEL:-WEBHOOK}
case $channel in
WEBHOOK) section=fanout what="webhook subscribers" ;;
EMAIL) section=fanout-email what="email subscribers (pickup directory)" ;;
*)
	echo "bench: BENCH_FANOUT_CHANNEL must be WEBHOOK or EMAIL" >&2
	exit 2
	;;
esac
n=${BENCH_FANOUT_SUBSCRIBERS:-100000}
batch=${BENCH_FANOUT_BATCH:-256}
notifiers=${BENCH_FANOUT_NOTIFIERS:-1}
state=$(mktemp -d /tmp/statusd-bench-fanout.XXXXXX)
chmod 755 "$state"
read -r port metrics_port rx_port < <(free_ports 3)
table=$state/table.md
plans=$state/plans.txt

rx_pid=
notify_pids=()
cleanup() {
	for p in "${notify_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -z "$rx_pid" ] || kill "$rx_pid" 2>/dev/null || true
	STATE_DIR=$state deploy/stack.sh stop >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
[ -z "${BENCH_KEEP:-}" ] || trap - EXIT

# --- the stack, without its own notifier --------------------------------------
stack_start WORKERS=2 NOTIFY=0 STATUSD_EXTRA_CONF="subscriber_quota = $((2 * n))"
api="$BASE_URL/jsm/ops/api/$CLOUD"
post() { # path body -> response body
	curl -sf -H "Authorization: $auth" -H 'Content-Type: application/json' \
		-d "$2" "$api$1"
}

# --- the receiver: a test CA, a certificate for 127.0.0.1, an nginx ---------
tls=$state/tls
mkdir -p "$tls" "$state/rx/logs"
(
	cd "$tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bench CA" \
		-keyout ca.key -out ca.pem \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-keyout server.key -out server.csr
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext.cnf
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 1 -extfile ext.cnf -out server.pem
) >/dev/null 2>&1
cat >"$state/rx/nginx.conf" <<EOF
worker_processes 1;
pid $state/rx/nginx.pid;
error_log $state/rx/logs/error.log;
events { worker_connections 4096; }
http {
	access_log $state/rx/logs/access.log combined buffer=256k flush=1s;
	keepalive_requests 1000000;
	client_body_buffer_size 16k;
	server {
		listen 127.0.0.1:$rx_port ssl;
		ssl_certificate $tls/server.pem;
		ssl_certificate_key $tls/server.key;
		location / { return 200 "ok"; }
	}
}
EOF
nginx -p "$state/rx" -c "$state/rx/nginx.conf" -g 'daemon off;' &
rx_pid=$!

# --- the page, its subscribers, the notifier's settings -----------------------
say "seeding $n $what"
t=$(date +%s.%N)
page=$(post /pages '{"page":{"name":"Fan-out bench","subdomain":"fanout-bench","pageType":"PUBLIC"}}' |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["page"]["id"])')
sql -v cloud="$CLOUD" -v page="$page" -v n="$n" -v stype="$channel" \
	-v url="https://127.0.0.1:$rx_port/hook/" -f bench/fanout.sql >/dev/null
sql -c "ANALYZE subscribers, pages, notification_outbox, deliveries"
say "seeded in $(python3 -c "import time; print(round(time.time() - $t, 1))") s"

nconf=$state/notify.conf
{
	cat "$conf"
	echo "webhook_ca_file = $tls/ca.pem"
	echo "webhook_allowed_networks = 127.0.0.0/8"
	echo "notify_batch = $batch"
} >"$nconf"
chmod 644 "$nconf"
for i in $(seq 1 "$notifiers"); do
	"$BUILD/statusd-notify" -c "$nconf" >"$state/notify-$i.log" 2>&1 &
	notify_pids+=($!)
done
for i in $(seq 1 "$notifiers"); do
	for _ in $(seq 1 100); do
		grep -q event=notify_listening "$state/notify-$i.log" && break
		sleep 0.1
	done
done

# --- one incident, and the wait for its last delivery -------------------------
say "one incident to $n subscribers (notify_batch $batch, $notifiers notifier(s))"
load=$(cut -d' ' -f1-3 /proc/loadavg)
post /incidents "{\"incidentCreateRequest\":{\"pageId\":\"$page\",\"name\":\"Bench outage\",
	\"message\":\"Everything is slow\",\"shouldSendNotifications\":true}}" >/dev/null
ev=$(sql -c "SELECT id FROM notification_outbox WHERE page_id = '$page'")
end=$(($(date +%s) + 600))
while :; do
	left=$(sql -c "SELECT (SELECT delivered_at IS NULL FROM notification_outbox
		WHERE id = '$ev')::int + (SELECT count(*) FROM deliveries
		WHERE event_id = '$ev' AND state IN ('PENDING', 'IN_FLIGHT'))")
	[ "$left" = 0 ] && break
	[ "$(date +%s)" -lt "$end" ] || {
		say "not done after 600 s: $left left"
		exit 1
	}
	sleep 0.5
done
sleep 1.2

IFS='|' read -r delivered other fanout_s first_s last_s attempts < <(sql -c "
	SELECT count(*) FILTER (WHERE d.state = 'DELIVERED'),
		count(*) FILTER (WHERE d.state <> 'DELIVERED'),
		round(extract(epoch FROM o.delivered_at - o.created_at)::numeric, 2),
		round(extract(epoch FROM (SELECT min(a.started_at) FROM delivery_attempts a
			WHERE a.event_id = o.id) - o.created_at)::numeric, 2),
		round(extract(epoch FROM (SELECT max(a.finished_at) FROM delivery_attempts a
			WHERE a.event_id = o.id) - o.created_at)::numeric, 2),
		(SELECT count(*) FROM delivery_attempts a WHERE a.event_id = o.id)
	FROM notification_outbox o JOIN deliveries d ON d.event_id = o.id
	WHERE o.id = '$ev' GROUP BY o.id, o.delivered_at, o.created_at")
if [ "$channel" = WEBHOOK ]; then
	received=$(grep -c ' "POST /hook/' "$state/rx/logs/access.log" || true)
else
	mail_dir=$(sed -n 's/^mail_pickup_dir = //p' "$conf" | tail -n 1)
	received=$(find "$mail_dir" -name '*.eml' | wc -l)
fi
rate=$(python3 -c "print(round($delivered / max($last_s - $first_s, 0.001)))")
goal=$(python3 -c "print('met' if $last_s <= 60 and $delivered == $n else 'NOT met')")
[ "$channel" = WEBHOOK ] || goal="$goal (the goal is the webhooks')"

{
	echo "Fan-out of one incident to $n $what of one page (issue 11"
	echo "item 8): \`make bench-fanout\`, $(nproc) cores shared with other work"
	echo "(load average $load at the start), notify_batch $batch, $notifiers notifier(s),"
	echo "webhook receiver an nginx on loopback over HTTPS. Times from the incident's"
	echo "commit (the outbox row's created_at)."
	echo
	echo "| measure | value |"
	echo "|---|---|"
	echo "| deliveries DELIVERED / other | $delivered / $other |"
	echo "| attempts recorded / messages received | $attempts / $received |"
	echo "| fan-out transaction began (event taken) | ${fanout_s} s |"
	echo "| first attempt started (the $n deliveries committed) | ${first_s} s |"
	echo "| last delivery finished | ${last_s} s |"
	echo "| deliveries per second (first attempt to last) | $rate |"
	echo "| events per second | $(python3 -c "print(round(1 / max($last_s, 0.001), 3))") (one event of $n deliveries) |"
	echo "| goal: last delivery within 60 s | $goal |"
} >"$table"
cat "$table"

# The audience query's plan at this size (read-only: the event is taken).
sql -c "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM notify_audience('$CLOUD',
	'$page', 'incident.created', (SELECT payload FROM notification_outbox
	WHERE id = '$ev'))" >"$plans"
python3 bench/results_section.py "$section" "$table" "$plans"
[ "$delivered" = "$n" ] && [ "$received" -ge "$n" ] || {
	say "not every subscriber was told ($delivered delivered, $received received)"
	exit 1
}
