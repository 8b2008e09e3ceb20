#!/usr/bin/env bash
# tests/api/run.sh: the API tests against a real, throwaway stack (PostgreSQL
# cluster, statusd, nginx on a free loopback port), all under a temp dir.
#
#   tests/api/run.sh [FILTER]      FILTER: run only tests whose name has it
#
# Environment: BUILD (directory of statusd and statusctl, default build),
# KEEP=1 leaves the stack running and the temp dir in place for a look.
# Exit status: the runner's (0 when every test passed).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
BUILD=${BUILD:-build}
# stack.sh reads BUILD relative to the repo; BUILD_DIR (absolute) wins there.
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$repo/$BUILD ;;
esac
export BUILD BUILD_DIR
if [ ! -x "$BUILD_DIR/statusd" ] || [ ! -x "$BUILD_DIR/statusctl" ]; then
	echo "run.sh: building $BUILD_DIR/statusd and $BUILD_DIR/statusctl" >&2
	make -C "$repo" BUILD="$BUILD_DIR" "$BUILD_DIR/statusd" "$BUILD_DIR/statusctl" >&2
fi

# Two free ports: nginx's, and statusd's metrics listener (PORT+1 may be
# taken by another stack on this machine).
read -r PORT METRICS_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
export METRICS_PORT
STATE_DIR=$(mktemp -d /tmp/statusd-api.XXXXXX)
chmod 755 "$STATE_DIR"
rc=1
started=0

cleanup() {
	local code=$?
	trap - EXIT INT TERM
	if [ "${KEEP:-0}" = 1 ]; then
		echo "run.sh: KEEP=1: stack left running; STATE_DIR=$STATE_DIR PORT=$PORT" >&2
		exit "$rc"
	fi
	if [ "$rc" -ne 0 ] && [ -f "$STATE_DIR/log/statusd.log" ]; then
		echo "---- tail of $STATE_DIR/log/statusd.log ----" >&2
		tail -n 40 "$STATE_DIR/log/statusd.log" >&2 || true
	fi
	if [ "$started" -eq 1 ] || [ -d "$STATE_DIR/run" ]; then
		STATE_DIR=$STATE_DIR PORT=$PORT "$repo/deploy/stack.sh" stop >/dev/null 2>&1 || true
	fi
	rm -rf "$STATE_DIR"
	[ "$rc" -ne 0 ] || [ "$code" -eq 0 ] || rc=$code
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# JWT settings: an HS256 secret of 48 random characters and an RS256 key
# pair (the private half stays in the state dir for the tests to sign with).
secret=$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(48)))')
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$STATE_DIR/jwt-rs256.key" 2>/dev/null
openssl pkey -in "$STATE_DIR/jwt-rs256.key" -pubout -out "$STATE_DIR/jwt-rs256.pub"
chmod 644 "$STATE_DIR/jwt-rs256.pub"
EXTRA_CONF=$STATE_DIR/extra.conf
cat >"$EXTRA_CONF" <<EOF
jwt_issuer = https://issuer.test
jwt_audience = statusd-api
jwt_hs256_secret = $secret
jwt_rs256_public_key_file = $STATE_DIR/jwt-rs256.pub
# Tests only: lets a request ask its worker to die after COMMIT (README).
test_fault_injection = 1
# Webhook targets here pass the internal-address rule (a documentation
# range, so the exemption itself is tested; nothing listens there).
webhook_allowed_networks = 198.51.100.0/24
# The suites run beside a compiler, fuzzers and a second stack on two
# cores: 13 batches queued on one page's lock can pass the production
# default of 5 s there. The timeout's own test runs a second statusd
# with 300 ms (test_process_faults).
statement_timeout_ms = 30000
EOF
chmod 644 "$EXTRA_CONF"

started=1
# NOTIFY=0: the notifier tests run notifiers of their own, with their own
# settings; one from the stack would take their work.
if ! STATE_DIR=$STATE_DIR PORT=$PORT EXTRA_CONF=$EXTRA_CONF WORKERS=4 NOTIFY=0 \
	"$repo/deploy/stack.sh" start >"$STATE_DIR/stack-start.log" 2>&1; then
	cat "$STATE_DIR/stack-start.log" >&2
	echo "run.sh: deploy/stack.sh start failed" >&2
	exit 1
fi

set +e
STATE_DIR=$STATE_DIR python3 "$repo/tests/api/runner.py" \
	--state-dir "$STATE_DIR" --build "$BUILD_DIR" "$@"
rc=$?
set -e
exit "$rc"
