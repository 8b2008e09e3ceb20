#!/usr/bin/env bash
# deploy/setup-packages.sh: install what statusd needs to build, test and run
# on Debian 12. Run as root. Idempotent: when every command and header below is
# already present it does nothing (no apt-get update, no network).
#
#   deploy/setup-packages.sh          install what is missing
#   deploy/setup-packages.sh --check  only report; exit 1 when something is missing
#
# nginx: on Debian 12, nginx-light is only a transitional package that pulls
# in `nginx` (plus the echo module). The `nginx` package itself is built with
# http_ssl, http_v2 and (always) limit_req, which is all we use, so we install
# it directly and verify those modules after the install.
set -euo pipefail

# nginx and runuser live in /usr/sbin, which a normal user's PATH lacks.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

check_only=0
case "${1:-}" in
--check) check_only=1 ;;
"") ;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

# what -> the package that provides it. A "what" starting with / is a file
# (a glob is allowed), anything else is a command on PATH.
checks=(
	"cc build-essential"
	"make build-essential"
	"ar build-essential"
	"pkg-config pkg-config"
	"/usr/include/fcgiapp.h libfcgi-dev"
	"/usr/include/jansson.h libjansson-dev"
	"/usr/include/postgresql/libpq-fe.h libpq-dev"
	"/usr/include/openssl/evp.h libssl-dev"
	# statusd-notify: webhooks, Slack and SMS over HTTPS, email over SMTP
	"/usr/include/*/curl/curl.h libcurl4-openssl-dev"
	"/usr/include/check.h check"
	"/usr/lib/postgresql/*/bin/initdb postgresql"
	"/usr/lib/postgresql/*/bin/pg_ctl postgresql"
	"/usr/lib/postgresql/*/bin/psql postgresql"
	"nginx nginx"
	"wrk wrk"
	"ss iproute2"
	"valgrind valgrind"
	"curl curl"
	"python3 python3"
	# the API tests validate every response against the official schemas
	"/usr/lib/python3/dist-packages/jsonschema/__init__.py python3-jsonschema"
	"clang clang"
	"/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a libclang-rt-14-dev"
	"/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev"
	"clang-format clang-format"
	"runuser util-linux"
	"setsid util-linux"
	"openssl openssl"
	"psql postgresql-client"
	# The tests check the metrics exposition with promtool; Debian ships it
	# only in the prometheus package (about 20 MB to download).
	"promtool prometheus"
)

present() {
	local what=$1
	if [[ $what == /* ]]; then
		# compgen -G expands the glob without tripping set -e or nullglob.
		compgen -G "$what" >/dev/null
	else
		command -v "$what" >/dev/null 2>&1
	fi
}

missing=()
for entry in "${checks[@]}"; do
	what=${entry% *}
	pkg=${entry##* }
	if ! present "$what"; then
		echo "setup-packages: missing $what (package $pkg)" >&2
		case " ${missing[*]:-} " in
		*" $pkg "*) ;;
		*) missing+=("$pkg") ;;
		esac
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	[ "$check_only" -eq 1 ] && echo "setup-packages: everything is present"
	exit 0
fi
if [ "$check_only" -eq 1 ]; then
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "setup-packages: must run as root to install: ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o Dpkg::Use-Pty=0 --no-install-recommends)

# The stack runs its own throwaway clusters; do not let the postgresql package
# create and start a system-wide "main" cluster on port 5432. Only done on a
# machine that has no PostgreSQL server yet, so an existing set-up is untouched.
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
	mkdir -p /etc/postgresql-common/createcluster.d
	if [ ! -e /etc/postgresql-common/createcluster.d/statusd.conf ]; then
		printf '%s\n' \
			"# written by statusd's deploy/setup-packages.sh" \
			"create_main_cluster = false" \
			>/etc/postgresql-common/createcluster.d/statusd.conf
	fi
fi

echo "setup-packages: installing ${missing[*]}" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get -q -o Dpkg::Use-Pty=0 update &&
	apt-get "${apt_opts[@]}" install "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "setup-packages: apt-get failed" >&2
	exit 1
fi

# Verify what we rely on rather than trusting the package names.
still=()
for entry in "${checks[@]}"; do
	what=${entry% *}
	present "$what" || still+=("$what")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "setup-packages: still missing after install: ${still[*]}" >&2
	exit 1
fi
nginx_v=$(nginx -V 2>&1)
for mod in http_ssl_module http_v2_module; do
	case $nginx_v in
	*"--with-$mod"*) ;;
	*)
		echo "setup-packages: nginx lacks $mod" >&2
		exit 1
		;;
	esac
done
case $nginx_v in
*--without-http_limit_req_module*)
	echo "setup-packages: nginx lacks limit_req" >&2
	exit 1
	;;
esac
echo "setup-packages: done" >&2
