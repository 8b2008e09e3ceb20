#!/usr/bin/env bash
# deploy/stack.sh: the whole stack on one machine, for development, the API
# tests and benchmarks: a throwaway PostgreSQL cluster, statusd, and nginx in
# front of it, everything (data, sockets, logs, pid files) under STATE_DIR.
#
#   deploy/stack.sh start    start what is not running yet, print a summary
#   deploy/stack.sh run      start, then stay in the foreground; Ctrl-C stops all
#   deploy/stack.sh stop     stop nginx, statusd and the cluster (idempotent)
#   deploy/stack.sh status   what runs; exit 0 when all of it runs, else 3
#
# Environment:
#   STATE_DIR     where everything lives (default: <repo>/var)
#   PORT          nginx port on 127.0.0.1 (default 8080)
#   METRICS_PORT  statusd's Prometheus listener on 127.0.0.1 (default PORT+1);
#                 never reachable through nginx
#   DATABASE_URL  use this existing PostgreSQL instead of a local cluster
#   WORKERS       statusd workers (default 4)
#   NOTIFY        1 (default): also run statusd-notify; 0: not (the API tests
#                 run notifiers of their own)
#   DEMO_CLOUD    cloud id of the demo token (default 11111111-2222-4333-8444-555555555555)
#   BUILD_DIR     where statusd and statusctl are (default: <repo>/build)
#   RATE, BURST   nginx limit_req for the API (default 2000r/s, burst 4000);
#                 raise them for load tests, e.g. RATE=1000000r/s BURST=1000000
#   STATUSD_EXTRA_CONF  lines appended verbatim to statusd.conf
#   EXTRA_CONF    a file whose lines are appended to statusd.conf
#   BUILD         build directory relative to the repo (build-san...)
#
# After start, $STATE_DIR/env holds BASE_URL, API_URL, METRICS_URL, CLOUD,
# TOKEN, EMAIL, DATABASE_URL and STATE_DIR as shell lines (KEY='value') for
# tests to source.
#
# As root, PostgreSQL runs as the `postgres` user and statusd and the nginx
# workers drop to nobody:nogroup; as any other user everything runs as that user.
set -euo pipefail

# nginx and runuser live in /usr/sbin, which a normal user's PATH lacks.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

readonly SCOPES="read:stakeholder-comms.page:jira-service-management \
write:stakeholder-comms.page:jira-service-management \
delete:stakeholder-comms.page:jira-service-management \
read:stakeholder-comms.component:jira-service-management \
write:stakeholder-comms.component:jira-service-management \
delete:stakeholder-comms.component:jira-service-management \
read:stakeholder-comms.incident:jira-service-management \
write:stakeholder-comms.incident:jira-service-management \
delete:stakeholder-comms.incident:jira-service-management \
read:stakeholder-comms.subscriber:jira-service-management \
write:stakeholder-comms.subscriber:jira-service-management \
delete:stakeholder-comms.subscriber:jira-service-management"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=$(realpath -m "${STATE_DIR:-$repo/var}")
BUILD_DIR=${BUILD_DIR:-$repo/${BUILD:-build}}
BUILD_DIR=$(realpath -m "$BUILD_DIR")
PORT=${PORT:-8080}
METRICS_PORT=${METRICS_PORT:-$((${PORT//[^0-9]/} + 1))}
WORKERS=${WORKERS:-4}
NOTIFY=${NOTIFY:-1}
DEMO_CLOUD=${DEMO_CLOUD:-11111111-2222-4333-8444-555555555555}
DEMO_EMAIL=demo@example.com
RATE=${RATE:-2000r/s}
BURST=${BURST:-4000}
PG_PORT=5432 # only names the socket file: the cluster has no TCP listener
external_db=${DATABASE_URL:-}

run_dir=$STATE_DIR/run
log_dir=$STATE_DIR/log
pg_data=$STATE_DIR/pg
ngx_dir=$STATE_DIR/nginx
conf=$STATE_DIR/statusd.conf
mail_dir=$STATE_DIR/mail
sock=$run_dir/statusd.sock
statusd_pidf=$run_dir/statusd.pid
notify_pidf=$run_dir/statusd-notify.pid
nginx_pidf=$run_dir/nginx.pid
token_file=$STATE_DIR/demo-token
env_file=$STATE_DIR/env
base_url=http://127.0.0.1:$PORT
metrics_url=http://127.0.0.1:$METRICS_PORT/metrics
api_url=$base_url/jsm/ops/api/$DEMO_CLOUD

root=0
[ "$(id -u)" -eq 0 ] && root=1

say() { printf 'stack: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# The state directory ends up in a libpq URI, in nginx.conf and in
# postgresql.conf; allowing only these characters spares quoting in all three.
check_settings() {
	[[ $STATE_DIR =~ ^[A-Za-z0-9._/-]+$ ]] ||
		die "STATE_DIR may contain only letters, digits and . _ / - ($STATE_DIR)"
	# sun_path holds 107 bytes plus the NUL.
	[ "${#run_dir}" -le 90 ] ||
		die "STATE_DIR is too long for a unix socket path ($STATE_DIR)"
	[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] ||
		die "PORT must be a port number ($PORT)"
	[[ $METRICS_PORT =~ ^[0-9]+$ ]] && [ "$METRICS_PORT" -ge 1 ] &&
		[ "$METRICS_PORT" -le 65535 ] && [ "$METRICS_PORT" != "$PORT" ] ||
		die "METRICS_PORT must be a port number other than PORT ($METRICS_PORT)"
	[[ $WORKERS =~ ^[0-9]+$ ]] && [ "$WORKERS" -ge 1 ] && [ "$WORKERS" -le 1024 ] ||
		die "WORKERS must be 1..1024 ($WORKERS)"
	[[ $DEMO_CLOUD =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] ||
		die "DEMO_CLOUD must be a UUID ($DEMO_CLOUD)"
	[[ $NOTIFY =~ ^[01]$ ]] || die "NOTIFY must be 0 or 1 ($NOTIFY)"
	[[ $RATE =~ ^[0-9]+r/[sm]$ ]] || die "RATE must look like 2000r/s ($RATE)"
	[[ $BURST =~ ^[0-9]+$ ]] || die "BURST must be a number ($BURST)"
}

# --- helpers ----------------------------------------------------------------

# The newest installed server; the cluster's own version when it has one.
# /usr/local/bin/pg_ctl and friends may be wrappers: use the real binaries.
pg_bindir() {
	local d
	if [ -s "$pg_data/PG_VERSION" ]; then
		d=/usr/lib/postgresql/$(<"$pg_data/PG_VERSION")/bin
		[ -x "$d/pg_ctl" ] && {
			echo "$d"
			return 0
		}
	fi
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	[ -x "$d/initdb" ] || return 1
	echo "$d"
}

# Run a PostgreSQL server program as the user that owns the cluster. From /,
# so the postgres user never trips over an unreadable working directory.
as_pg() {
	if [ "$root" -eq 1 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# True when process $1 exists and is not a zombie (a zombie still answers
# kill -0 until its new parent reaps it).
alive() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	[ "${s:0:1}" != Z ]
}

# pid from a pid file, printed only when that process is alive and its
# executable's name is $2 (so a stale file whose pid was reused is ignored).
live_pid() {
	local pidf=$1 name=$2 pid exe
	[ -s "$pidf" ] || return 1
	read -r pid <"$pidf" || true
	[[ ${pid:-} =~ ^[0-9]+$ ]] || return 1
	alive "$pid" || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || exe=
	exe=${exe% (deleted)}
	[ -z "$exe" ] || [ "${exe##*/}" = "$name" ] || return 1
	echo "$pid"
}

# Live processes in process group $1 (statusd runs in a session of its own,
# so these are the master and its workers). Reads /proc: procps may be absent.
group_members() {
	local g=$1 f s st pg n=0
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		s=${s##*) }
		# s is now "state ppid pgrp ..."
		read -r st _ pg _ <<<"$s"
		[ "$pg" = "$g" ] && [ "$st" != Z ] && n=$((n + 1))
	done
	echo "$n"
}

# Live processes named $1 that this stack started, whatever became of their
# parents: each holds its log file under log_dir open (statusd's stderr,
# nginx's error log, the postmaster's -l log), which no other process on the
# machine does. This finds the workers of a master that was killed with -9.
leftovers() {
	local name=$1 pid exe
	# find fails on processes that vanish while it reads /proc: that is
	# no error here.
	{ find /proc/[0-9]*/fd -maxdepth 1 -lname "$log_dir/*" 2>/dev/null || true; } |
		cut -d/ -f3 | sort -un | while read -r pid; do
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		exe=${exe% (deleted)}
		if [ "${exe##*/}" = "$name" ] && alive "$pid"; then
			echo "$pid"
		fi
	done
}

# Stops whatever leftovers() finds for $1: TERM, then KILL after 3 s.
sweep() {
	local name=$1 pids i
	pids=$(leftovers "$name")
	[ -n "$pids" ] || return 0
	say "stopping leftover $name processes: $(echo $pids)"
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null || true
	for ((i = 0; i < 30; i++)); do
		[ -n "$(leftovers "$name")" ] || return 0
		sleep 0.1
	done
	pids=$(leftovers "$name")
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

# Wait until process $1 (or, with -g, every process of group $1) is gone, at
# most $2 tenths of a second. Returns 1 on timeout.
wait_gone() {
	local group=0
	if [ "$1" = -g ]; then
		group=1
		shift
	fi
	local id=$1 tenths=$2 i
	for ((i = 0; i < tenths; i++)); do
		if [ "$group" -eq 1 ]; then
			[ "$(group_members "$id")" -gt 0 ] || return 0
		else
			alive "$id" || return 0
		fi
		sleep 0.1
	done
	return 1
}

http_code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" || true
}

show_log() {
	[ -s "$1" ] || return 0
	say "last lines of $1:"
	tail -n 20 "$1" >&2
}

# --- start ------------------------------------------------------------------

ensure_tools() {
	local missing=() t
	for t in nginx curl setsid; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ "$root" -eq 1 ] && ! command -v runuser >/dev/null 2>&1 && missing+=(runuser)
	[ -n "$external_db" ] || pg_bindir >/dev/null || missing+=(initdb)
	if [ ! -x "$BUILD_DIR/statusd" ] || [ ! -x "$BUILD_DIR/statusctl" ]; then
		for t in make cc pkg-config; do
			command -v "$t" >/dev/null 2>&1 || missing+=("$t")
		done
		[ -e /usr/include/fcgiapp.h ] || missing+=(libfcgi-dev)
	fi
	[ "${#missing[@]}" -eq 0 ] && return 0
	say "missing: ${missing[*]}; running deploy/setup-packages.sh"
	[ "$root" -eq 1 ] || die "run deploy/setup-packages.sh as root first"
	"$repo/deploy/setup-packages.sh"
}

ensure_build() {
	if [ -x "$BUILD_DIR/statusd" ] && [ -x "$BUILD_DIR/statusctl" ]; then
		return 0
	fi
	[ "$BUILD_DIR" = "$repo/build" ] ||
		die "no statusd/statusctl in BUILD_DIR=$BUILD_DIR"
	say "building (make build)"
	make -C "$repo" build >&2
	[ -x "$BUILD_DIR/statusd" ] && [ -x "$BUILD_DIR/statusctl" ] ||
		die "make build did not produce build/statusd and build/statusctl"
}

# As root, the postgres user (cluster) and nobody (statusd, nginx workers)
# must be able to reach files under STATE_DIR: make every directory above it
# traversable. A mktemp -d directory, for one, is 0700.
ensure_traversable() {
	local d=$1 u need dirs=()
	[ "$root" -eq 1 ] || return 0
	while [ "$d" != / ] && [ -n "$d" ]; do
		dirs=("$d" "${dirs[@]}")
		d=$(dirname "$d")
	done
	# From the top down, so a directory is tested only once its parents are
	# known to be passable.
	for d in "${dirs[@]}"; do
		need=0
		for u in postgres nobody; do
			id "$u" >/dev/null 2>&1 || continue
			runuser -u "$u" -- test -x "$d" 2>/dev/null || need=1
		done
		if [ "$need" -eq 1 ]; then
			chmod a+x "$d"
			say "made $d traversable for other users (chmod a+x)"
		fi
	done
}

make_dirs() {
	mkdir -p "$STATE_DIR" "$run_dir" "$log_dir" "$ngx_dir/tmp" "$ngx_dir/snippets"
	chmod 0755 "$STATE_DIR" "$run_dir" "$log_dir"
	# Email goes here as <delivery id>.eml (no smtp_url): the notifier
	# writes it, as nobody when the stack runs as root.
	mkdir -p "$mail_dir"
	[ "$root" -eq 0 ] || chown nobody:nogroup "$mail_dir"
	ensure_traversable "$STATE_DIR"
}

pg_start() {
	local bindir locale max_conn
	bindir=$(pg_bindir) || die "no PostgreSQL server under /usr/lib/postgresql"
	mkdir -p "$pg_data"
	chmod 0700 "$pg_data"
	touch "$log_dir/postgres.log"
	if [ "$root" -eq 1 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres system user"
		# The cluster's socket and lock file go into run_dir.
		chown postgres: "$pg_data" "$run_dir" "$log_dir/postgres.log"
	fi

	if [ ! -s "$pg_data/PG_VERSION" ]; then
		locale=C
		if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
			locale=C.UTF-8
		fi
		say "initdb $pg_data ($locale)"
		as_pg "$bindir/initdb" -D "$pg_data" --auth=trust -U postgres -E UTF8 \
			--locale="$locale" --no-instructions >>"$log_dir/postgres.log" 2>&1 || {
			show_log "$log_dir/postgres.log"
			die "initdb failed"
		}
		printf "\ninclude_if_exists = 'statusd-local.conf'\n" >>"$pg_data/postgresql.conf"
	fi

	# Rewritten on every start so a changed STATE_DIR or WORKERS takes effect.
	max_conn=$((WORKERS * 2 + 50))
	[ "$max_conn" -ge 100 ] || max_conn=100
	cat >"$pg_data/statusd-local.conf" <<-EOF
		# written by deploy/stack.sh on every start
		listen_addresses = ''
		unix_socket_directories = '$run_dir'
		unix_socket_permissions = 0777
		port = $PG_PORT
		max_connections = $max_conn
	EOF
	[ "$root" -eq 0 ] || chown postgres: "$pg_data/statusd-local.conf"

	if as_pg "$bindir/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
		say "postgres already running"
	else
		say "starting postgres"
		as_pg "$bindir/pg_ctl" -D "$pg_data" -l "$log_dir/postgres.log" -w -t 60 \
			start >/dev/null 2>&1 || {
			show_log "$log_dir/postgres.log"
			die "postgres did not start"
		}
		started+=(pg)
	fi

	"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$run_dir" -p "$PG_PORT" \
		-U postgres -d postgres >/dev/null <<-'EOF'
		SELECT 'CREATE ROLE statusd LOGIN'
		  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'statusd')
		\gexec
		SELECT 'CREATE DATABASE statusd OWNER statusd'
		  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'statusd')
		\gexec
	EOF
	DATABASE_URL="postgresql:///statusd?host=$run_dir&port=$PG_PORT&user=statusd"
}

# The value of a setting in the existing config when it matches the ERE
# pattern, else a new one from the command after it (secrets survive
# restarts, so cursors and links handed out stay valid).
kept_or_new() {
	local key=$1 pattern=$2 value=''
	shift 2
	if [ -f "$conf" ]; then
		value=$(sed -En "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*($pattern)[[:space:]]*\$/\1/p" \
			"$conf" | tail -n 1)
	fi
	[ -n "$value" ] || value=$("$@")
	[ -n "$value" ] || die "could not make $key"
	printf '%s' "$value"
}

# 32 random bytes in hex, after an optional prefix (a key id and colon).
random_key() {
	printf '%s%s' "${1:-}" "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
}

write_config() {
	local secret captcha_key token_key tmp
	secret=$(kept_or_new cursor_secret '[0-9a-fA-F]{64}' random_key)
	captcha_key=$(kept_or_new captcha_hmac_key 'c1:[0-9a-f]{64}' random_key c1:)
	token_key=$(kept_or_new subscriber_token_key 't1:[0-9a-f]{64}' random_key t1:)

	tmp=$conf.tmp
	(
		umask 077
		{
			echo "# statusd.conf for the local stack, written by deploy/stack.sh on"
			echo "# every start (the secrets are kept). Documented keys:"
			echo "# deploy/statusd.conf.example."
			echo "listen = $sock"
			echo "workers = $WORKERS"
			echo "database_url = $DATABASE_URL"
			echo "public_domain = status.localhost"
			echo "metrics_listen = 127.0.0.1:$METRICS_PORT"
			echo "# no smtp_url: email is written to this directory"
			echo "mail_pickup_dir = $mail_dir"
			if [ "$root" -eq 1 ]; then
				echo "# statusd binds the socket as root, gives it to this group"
				echo "# (mode 0660; the nginx workers run as nobody:nogroup), then"
				echo "# drops to this user."
				echo "user = nobody"
				echo "socket_group = nogroup"
			fi
			echo "cursor_secret = $secret"
			echo "captcha_hmac_key = $captcha_key"
			echo "subscriber_token_key = $token_key"
			echo "# jwt_issuer = https://issuer.example"
			echo "# jwt_audience = statusd"
			echo "# jwt_hs256_secret = <at least 32 bytes>"
			echo "# jwt_rs256_public_key_file = /path/to/public.pem"
			if [ -n "${STATUSD_EXTRA_CONF:-}" ]; then
				echo "# from STATUSD_EXTRA_CONF"
				printf '%s\n' "$STATUSD_EXTRA_CONF"
			fi
			if [ -n "${EXTRA_CONF:-}" ]; then
				echo "# from EXTRA_CONF=$EXTRA_CONF"
				cat "$EXTRA_CONF"
			fi
		} >"$tmp"
	)
	if [ "$root" -eq 1 ]; then
		# Readable by the group statusd drops to, should it re-read the file.
		chgrp nogroup "$tmp"
		chmod 0640 "$tmp"
	fi
	mv -f "$tmp" "$conf"
}

statusd_start() {
	local pid i
	if pid=$(live_pid "$statusd_pidf" statusd); then
		say "statusd already running (pid $pid); restart it to apply a new config"
		return 0
	fi
	rm -f "$sock" "$statusd_pidf"
	say "starting statusd ($WORKERS workers)"
	# A session of its own: Ctrl-C in this terminal does not reach it, and
	# its workers share its process group, which `stop` relies on. The shell
	# writes its own pid and then becomes statusd, so the pid file is exact
	# whether or not setsid had to fork.
	# shellcheck disable=SC2016
	setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' statusd-launch \
		"$statusd_pidf" "$BUILD_DIR/statusd" -c "$conf" \
		</dev/null >>"$log_dir/statusd.log" 2>&1 &
	started+=(statusd)
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		if [ -s "$statusd_pidf" ] && ! live_pid "$statusd_pidf" statusd >/dev/null; then
			show_log "$log_dir/statusd.log"
			die "statusd exited during start-up"
		fi
		sleep 0.1
	done
	show_log "$log_dir/statusd.log"
	die "statusd did not create $sock within 10 s"
}

# The notifier reads the same statusd.conf; as root it drops to nobody
# with setpriv, which execs (so the pid file names the notifier itself).
notify_start() {
	local pid i
	[ "$NOTIFY" = 1 ] || return 0
	if pid=$(live_pid "$notify_pidf" statusd-notify); then
		say "statusd-notify already running (pid $pid)"
		return 0
	fi
	[ -x "$BUILD_DIR/statusd-notify" ] || die "no $BUILD_DIR/statusd-notify: make build"
	say "starting statusd-notify"
	local as=()
	[ "$root" -eq 0 ] || as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	# shellcheck disable=SC2016
	setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' notify-launch \
		"$notify_pidf" "${as[@]}" "$BUILD_DIR/statusd-notify" -c "$conf" \
		</dev/null >>"$log_dir/statusd-notify.log" 2>&1 &
	started+=(notify)
	for ((i = 0; i < 50; i++)); do
		grep -q 'event=notify_listening' "$log_dir/statusd-notify.log" 2>/dev/null &&
			return 0
		sleep 0.1
	done
	show_log "$log_dir/statusd-notify.log"
	die "statusd-notify did not start listening within 5 s"
}

render_nginx() {
	local user_line='' f
	[ "$root" -eq 0 ] || user_line='user nobody nogroup;'
	for f in "$repo"/nginx/snippets/*.conf; do
		cp "$f" "$ngx_dir/snippets/"
	done
	sed -e "s|@PORT@|$PORT|g" \
		-e "s|@STATE_DIR@|$STATE_DIR|g" \
		-e "s|@SOCKET@|$sock|g" \
		-e "s|@USER_LINE@|$user_line|g" \
		-e "s|@RATE@|$RATE|g" \
		-e "s|@BURST@|$BURST|g" \
		"$repo/nginx/local.conf.in" >"$ngx_dir/nginx.conf.tmp"
	if grep -n '@[A-Z_]*@' "$ngx_dir/nginx.conf.tmp" >&2; then
		die "unrendered placeholder in nginx/local.conf.in"
	fi
	mv -f "$ngx_dir/nginx.conf.tmp" "$ngx_dir/nginx.conf"
}

nginx_cmd() {
	nginx -p "$ngx_dir/" -c "$ngx_dir/nginx.conf" "$@"
}

nginx_start() {
	local pid i code
	render_nginx
	nginx_cmd -t -q </dev/null >/dev/null 2>>"$log_dir/nginx-error.log" || {
		show_log "$log_dir/nginx-error.log"
		die "nginx rejected $ngx_dir/nginx.conf"
	}
	if pid=$(live_pid "$nginx_pidf" nginx); then
		say "nginx already running (pid $pid): reloading its configuration"
		kill -HUP "$pid"
	else
		say "starting nginx on $base_url"
		nginx_cmd </dev/null >/dev/null 2>>"$log_dir/nginx-error.log" || {
			show_log "$log_dir/nginx-error.log"
			die "nginx did not start"
		}
		started+=(nginx)
	fi
	for ((i = 0; i < 100; i++)); do
		code=$(http_code "$base_url/")
		[ "$code" = 000 ] || break
		sleep 0.1
	done
	[ "$code" != 000 ] || die "nothing answers on $base_url"
	# nginx is up; now wait until a request reaches statusd (no 502/504).
	for ((i = 0; i < 100; i++)); do
		code=$(http_code "$api_url/pages/summary")
		case $code in
		000 | 502 | 504) sleep 0.1 ;;
		*) return 0 ;;
		esac
	done
	show_log "$log_dir/nginx-error.log"
	show_log "$log_dir/statusd.log"
	die "requests through nginx do not reach statusd (HTTP $code)"
}

demo_token() {
	local token='' code
	if [ -s "$token_file" ]; then
		read -r token <"$token_file" || true
		# Still valid for this cloud and database? Reuse it, else make another.
		code=$(http_code -u "$DEMO_EMAIL:$token" "$api_url/pages/summary")
		case $code in 401 | 403) token='' ;; esac
	fi
	if [ -z "$token" ]; then
		token=$("$BUILD_DIR/statusctl" -c "$conf" token create --cloud "$DEMO_CLOUD" \
			--email "$DEMO_EMAIL" --scopes "$SCOPES") || die "statusctl token create failed"
		token=${token%%[[:space:]]*}
		[ -n "$token" ] || die "statusctl token create printed no token"
		(
			umask 077
			printf '%s\n' "$token" >"$token_file"
		)
	fi
	chmod 0600 "$token_file"
	TOKEN=$token
}

write_env() {
	(
		umask 077
		cat >"$env_file" <<-EOF
			BASE_URL='$base_url'
			API_URL='$api_url'
			METRICS_URL='$metrics_url'
			CLOUD='$DEMO_CLOUD'
			TOKEN='$TOKEN'
			EMAIL='$DEMO_EMAIL'
			DATABASE_URL='$DATABASE_URL'
			STATE_DIR='$STATE_DIR'
		EOF
	)
}

summary() {
	cat <<-EOF
		statusd stack is up
		  API          $api_url
		  health       $base_url/healthz   ready: $base_url/readyz
		  metrics      $metrics_url   (statusd itself, not through nginx)
		  doctor       $BUILD_DIR/statusctl -c $conf doctor --nginx-url $base_url
		  demo token   $token_file (cloud $DEMO_CLOUD, all twelve scopes)
		  test env     $env_file
		  notifier     statusd-notify, log $log_dir/statusd-notify.log
		  email        $mail_dir/<delivery id>.eml (no smtp_url set)
		  logs         $log_dir/
		  stop         $repo/deploy/stack.sh stop   (with the same STATE_DIR)
		Try:
		  curl -u $DEMO_EMAIL:$TOKEN -H 'Content-Type: application/json' -d '{"page":{"name":"Demo","subdomain":"demo","pageType":"PUBLIC"}}' $api_url/pages
	EOF
}

# Components this invocation started, undone in reverse order if start fails.
started=()
start_done=0

undo_start() {
	local i
	for ((i = ${#started[@]} - 1; i >= 0; i--)); do
		"stop_${started[i]}" || true
	done
}

cmd_start() {
	check_settings
	ensure_tools
	ensure_build
	make_dirs
	if [ -n "$external_db" ]; then
		DATABASE_URL=$external_db
		say "using DATABASE_URL from the environment, no local cluster"
	else
		pg_start
	fi
	write_config
	say "migrating"
	"$BUILD_DIR/statusctl" -c "$conf" migrate >&2 || die "statusctl migrate failed"
	statusd_start
	notify_start
	nginx_start
	demo_token
	write_env
	start_done=1
}

# --- stop -------------------------------------------------------------------

stop_nginx() {
	local pid
	if pid=$(live_pid "$nginx_pidf" nginx); then
		say "stopping nginx (pid $pid)"
		kill -QUIT "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 100; then
			kill -TERM "$pid" 2>/dev/null || true
			wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	# Workers of a master killed with -9 keep serving on their own.
	sweep nginx
	rm -f "$nginx_pidf"
}

stop_statusd() {
	local pid
	if pid=$(live_pid "$statusd_pidf" statusd); then
		say "stopping statusd (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		# The master finishes in-flight requests and takes its workers along;
		# whatever of its process group is left after 15 s is killed.
		if ! wait_gone -g "$pid" 150; then
			say "statusd did not stop within 15 s: SIGKILL"
			kill -KILL -- "-$pid" 2>/dev/null || true
			wait_gone -g "$pid" 30 || true
		fi
	fi
	# Workers die with their master (PR_SET_PDEATHSIG) after the request in
	# flight; anything still there is swept.
	sweep statusd
	rm -f "$statusd_pidf" "$sock"
}

stop_notify() {
	local pid
	if pid=$(live_pid "$notify_pidf" statusd-notify); then
		say "stopping statusd-notify (pid $pid)"
		# It finishes the attempts in flight (webhook_timeout_ms at most).
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 300; then
			kill -KILL "$pid" 2>/dev/null || true
			wait_gone "$pid" 30 || true
		fi
	fi
	rm -f "$notify_pidf"
}

stop_pg() {
	local bindir
	[ -f "$pg_data/postmaster.pid" ] || return 0
	bindir=$(pg_bindir) || die "no PostgreSQL server under /usr/lib/postgresql"
	if ! as_pg "$bindir/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
		# A postmaster killed with -9 leaves backends that still finish
		# what they do.
		sweep postgres
		return 0
	fi
	say "stopping postgres"
	as_pg "$bindir/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
		as_pg "$bindir/pg_ctl" -D "$pg_data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
		say "postgres did not stop; see $log_dir/postgres.log"
}

cmd_stop() {
	stop_nginx
	stop_notify
	stop_statusd
	stop_pg
}

# --- status -----------------------------------------------------------------

# ", but N processes left (run stop)" when a stopped component left some.
orphans() {
	local n
	n=$(leftovers "$1" | wc -l)
	[ "$n" -eq 0 ] || printf ', but %d %s processes left: run stop' "$n" "$1"
}

cmd_status() {
	local pid bindir all=0 url=''
	if [ -f "$env_file" ]; then
		url=$(sed -n "s/^BASE_URL='\(.*\)'$/\1/p" "$env_file")
	fi
	echo "state dir  $STATE_DIR"
	if [ -s "$pg_data/PG_VERSION" ] && bindir=$(pg_bindir) &&
		as_pg "$bindir/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
		read -r pid <"$pg_data/postmaster.pid"
		echo "postgres   running (pid $pid, socket in $run_dir)"
	elif [ -n "$external_db" ] || { [ ! -d "$pg_data" ] && [ -f "$env_file" ]; }; then
		echo "postgres   external (DATABASE_URL)"
	else
		echo "postgres   stopped"
		all=3
	fi
	if pid=$(live_pid "$statusd_pidf" statusd); then
		echo "statusd    running (pid $pid, $(($(group_members "$pid") - 1)) workers, $sock)"
	else
		echo "statusd    stopped$(orphans statusd)"
		all=3
	fi
	if pid=$(live_pid "$nginx_pidf" nginx); then
		echo "nginx      running (pid $pid, ${url:-$base_url})"
	else
		echo "nginx      stopped$(orphans nginx)"
		all=3
	fi
	if pid=$(live_pid "$notify_pidf" statusd-notify); then
		echo "notify     running (pid $pid)"
	elif [ "$NOTIFY" = 1 ]; then
		echo "notify     stopped"
		all=3
	fi
	return "$all"
}

# --- run --------------------------------------------------------------------

sleeper=''

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
	case $mode in
	run)
		say "stopping the stack"
		cmd_stop
		;;
	start)
		if [ "$start_done" -eq 0 ] && [ "${#started[@]}" -gt 0 ]; then
			say "start failed: stopping what it started"
			undo_start
		fi
		;;
	esac
	exit "$rc"
}

cmd_run() {
	local pid
	cmd_start
	summary
	say "running; Ctrl-C stops everything"
	while :; do
		sleep 1 &
		sleeper=$!
		wait "$sleeper" || true
		sleeper=''
		if ! pid=$(live_pid "$statusd_pidf" statusd); then
			show_log "$log_dir/statusd.log"
			die "statusd exited"
		fi
		if ! live_pid "$nginx_pidf" nginx >/dev/null; then
			show_log "$log_dir/nginx-error.log"
			die "nginx exited"
		fi
		if [ "$NOTIFY" = 1 ] && ! live_pid "$notify_pidf" statusd-notify >/dev/null; then
			show_log "$log_dir/statusd-notify.log"
			die "statusd-notify exited"
		fi
	done
}

mode=${1:-}
[ "$#" -eq 1 ] || usage
case $mode in
start | run)
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ "$mode" = start ]; then
		cmd_start
		summary
	else
		cmd_run
	fi
	;;
stop) cmd_stop ;;
status) cmd_status ;;
*) usage ;;
esac
