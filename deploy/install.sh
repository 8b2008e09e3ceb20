#!/usr/bin/env bash
# deploy/install.sh: install statusd on this host (Debian 12), as root, from
# a built tree (make build). Starts nothing unless --enable is given.
#
#   deploy/install.sh            install files, create the statusd user
#   deploy/install.sh --enable   also migrate the database, enable and start
#                                statusd and statusd-notify (whose jobs
#                                purge archives; statusd-purge.timer is
#                                installed, not enabled), enable the
#                                nginx site and reload nginx
#   DESTDIR=/tmp/stage deploy/install.sh
#                                only stage the files under DESTDIR (no user,
#                                no ownership changes, no systemctl)
#
# What goes where:
#   build/statusd, statusctl, statusd-notify -> /usr/local/bin/
#   statusd.conf (from the example) -> /etc/statusd/statusd.conf, 0640 root:statusd
#                                      (never overwritten; a fresh one gets
#                                      random secrets)
#   systemd units                   -> /etc/systemd/system/
#   nginx site and snippets         -> /etc/nginx/sites-available/statusd,
#                                      /etc/nginx/snippets/statusd-*.conf
#   SCALING.md, conf example        -> /usr/local/share/doc/statusd/
#   docs/man/*.[158]                -> /usr/local/share/man/man{1,5,8}/
#
# Groups: `statusd` (the user's own) can read the configuration and its
# secrets, and holds no one else: nginx is never in it. The socket has a
# group of its own, `statusd-sock`: statusd runs with it as its primary
# group (statusd.service), so the socket and /run/statusd belong to it,
# and nginx's user (www-data) is its only other member.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
D=${DESTDIR:-}
enable=0

say() { printf 'install: %s\n' "$*" >&2; }
in_group() { id -nG "$1" | tr ' ' '\n' | grep -qx "$2"; }
die() {
	say "error: $*"
	exit 1
}

case "${1:-}" in
--enable) enable=1 ;;
"") ;;
*)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
	exit 2
	;;
esac
[ "$#" -le 1 ] || die "one option at most"

if [ -z "$D" ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root (or set DESTDIR to stage the files)"
fi
if [ -n "$D" ] && [ "$enable" -eq 1 ]; then
	die "--enable makes no sense with DESTDIR"
fi

bins=(statusd statusctl)
# Installed too when the build has it (the outbox notifier).
[ -x "$repo/build/statusd-notify" ] && bins+=(statusd-notify)
for b in "${bins[@]}"; do
	[ -x "$repo/build/$b" ] || die "build/$b is missing: run make build first"
done

# Ownership is set only on a real install.
own=()
[ -n "$D" ] || own=(-o root -g statusd)

# --- user -------------------------------------------------------------------

if [ -z "$D" ]; then
	if ! id statusd >/dev/null 2>&1; then
		useradd --system --user-group --home-dir /nonexistent --no-create-home \
			--shell /usr/sbin/nologin --comment "statusd Status Page API" statusd
		say "created system user statusd"
	fi
	if ! getent group statusd-sock >/dev/null 2>&1; then
		groupadd --system statusd-sock
		say "created group statusd-sock (the socket's group)"
	fi
	if id www-data >/dev/null 2>&1; then
		# nginx connects to the socket (mode 0660, group statusd-sock)...
		if ! in_group www-data statusd-sock; then
			usermod -a -G statusd-sock www-data
			say "added www-data to group statusd-sock (restart nginx for it to apply)"
		fi
		# ...and must not read statusd's secrets: earlier versions put it
		# in group statusd for the socket.
		if in_group www-data statusd; then
			gpasswd -d www-data statusd >/dev/null
			say "removed www-data from group statusd (it could read the configuration)"
		fi
	fi
fi

# --- files ------------------------------------------------------------------

install -d "$D/usr/local/bin"
for b in "${bins[@]}"; do
	install -m 0755 "$repo/build/$b" "$D/usr/local/bin/$b"
done

install -d -m 0750 "${own[@]}" "$D/etc/statusd"
conf=$D/etc/statusd/statusd.conf
if [ -e "$conf" ]; then
	say "kept the existing $conf"
else
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	cp "$repo/deploy/statusd.conf.example" "$tmp"
	# Each secret placeholder gets its own random value.
	while grep -q 'REPLACE_WITH_64_HEX_CHARACTERS' "$tmp"; do
		secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
		[ "${#secret}" -eq 64 ] || die "could not make a secret"
		sed -i "0,/REPLACE_WITH_64_HEX_CHARACTERS/s//$secret/" "$tmp"
	done
	install -m 0640 "${own[@]}" "$tmp" "$conf"
	say "wrote $conf (with new secrets): review database_url and public_domain"
fi

install -d "$D/etc/systemd/system"
for u in statusd.service statusd-notify.service statusd-purge.service \
	statusd-purge.timer; do
	install -m 0644 "$repo/deploy/$u" "$D/etc/systemd/system/$u"
done

install -d "$D/etc/nginx/snippets" "$D/etc/nginx/sites-available"
for f in "$repo"/nginx/snippets/statusd-*.conf; do
	install -m 0644 "$f" "$D/etc/nginx/snippets/"
done
site=$D/etc/nginx/sites-available/statusd
if [ -e "$site" ] && ! cmp -s "$repo/nginx/statusd.conf" "$site"; then
	# The operator has edited it (certificates, server_name): keep theirs.
	install -m 0644 "$repo/nginx/statusd.conf" "$site.new"
	say "kept the existing $site; the new version is $site.new"
else
	install -m 0644 "$repo/nginx/statusd.conf" "$site"
fi

install -d "$D/usr/local/share/doc/statusd"
install -m 0644 "$repo/deploy/SCALING.md" "$repo/deploy/statusd.conf.example" \
	"$D/usr/local/share/doc/statusd/"

# Manual pages: statusctl(1), statusd.conf(5), statusd(8).
for page in "$repo"/docs/man/*.[0-9]; do
	section=${page##*.}
	install -d "$D/usr/local/share/man/man$section"
	install -m 0644 "$page" "$D/usr/local/share/man/man$section/"
done

if [ -n "$D" ]; then
	say "staged under $D"
	exit 0
fi

have_systemd=0
[ -d /run/systemd/system ] && have_systemd=1
[ "$have_systemd" -eq 0 ] || systemctl daemon-reload

# --- enable -----------------------------------------------------------------

if [ "$enable" -eq 1 ]; then
	[ "$have_systemd" -eq 1 ] || die "--enable needs a running systemd"
	say "migrating the database"
	runuser -u statusd -- /usr/local/bin/statusctl -c "$conf" migrate ||
		die "statusctl migrate failed: check database_url in $conf (nothing was started)"
	systemctl enable --now statusd.service statusd-notify.service
	ln -sfn ../sites-available/statusd /etc/nginx/sites-enabled/statusd
	if nginx -t 2>/dev/null; then
		systemctl restart nginx
		say "statusd, statusd-notify and the nginx site are enabled"
	else
		rm -f /etc/nginx/sites-enabled/statusd
		nginx -t || true
		die "nginx rejects the site (certificate paths? server_name?): fix $site, then
  ln -s ../sites-available/statusd /etc/nginx/sites-enabled/statusd && systemctl reload nginx"
	fi
	exit 0
fi

cat <<EOF
statusd is installed; nothing was started. Next steps:

 1. Database (local PostgreSQL, peer authentication as the statusd user):
      runuser -u postgres -- createuser statusd
      runuser -u postgres -- createdb -O statusd statusd
    or set database_url in $conf to your server.
 2. Review $conf (database_url, public_domain; keys documented in
    /usr/local/share/doc/statusd/statusd.conf.example).
 3. Apply the schema:
      runuser -u statusd -- statusctl -c $conf migrate
 4. TLS and name: set server_name, ssl_certificate and ssl_certificate_key
    (marked SETTING) in $site, then
      ln -s ../sites-available/statusd /etc/nginx/sites-enabled/statusd
      nginx -t && systemctl restart nginx
    (a restart, not a reload, so www-data picks up its new group statusd-sock)
 5. Start:
      systemctl enable --now statusd.service statusd-notify.service
    (statusd-notify runs the archive purge and the other timed jobs; enable
    statusd-purge.timer instead only on a host without a notifier)
 6. An API token:
      statusctl -c $conf token create --cloud <cloud-uuid> --email <owner> --scopes '<scopes>'
 Or run this script again with --enable to do 3, 5 and the symlink of 4.
EOF
