"""The repository installs itself: make targets run deploy/setup-packages.sh
before compiling anything, CI installs nothing on its own, and the script
checks every header the sources include. These read the repository (and
`make -n`); they do not use the running stack."""

import os
import re
import subprocess
import tempfile

SETUP = "deploy/setup-packages.sh"
INSTALLER = re.compile(r"\b(apt-get|apt|aptitude|dpkg|pip3?|npm)\b|" + re.escape(SETUP))
# Headers from these packages come with the compiler and libc themselves.
TOOLCHAIN_PACKAGES = ("libc6-dev", "linux-libc-dev", "libgcc-", "gcc-",
                      "libclang-common-")


def dry_run(ctx, target):
    """The commands `make -n TARGET` would run on a tree never built."""
    with tempfile.TemporaryDirectory() as build:
        out = subprocess.run(
            ["make", "--no-print-directory", "-n", "-C", ctx.repo,
             "BUILD=" + build, target],
            capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def first_index(lines, pred):
    return next((i for i, line in enumerate(lines) if pred(line)), None)


def is_compile(line):
    return re.match(r"\s*(cc|clang|gcc)\s.*\s-c\s", line) is not None


def check_installs_before_compiling(ctx, target):
    lines = dry_run(ctx, target)
    setup = first_index(lines, lambda line: SETUP in line)
    compile_ = first_index(lines, is_compile)
    assert setup is not None, "make %s never runs %s" % (target, SETUP)
    assert compile_ is not None, "make -n %s compiles nothing?" % target
    assert setup < compile_, (target, lines[setup], lines[compile_])


def test_make_test_installs_packages_first(ctx):
    check_installs_before_compiling(ctx, "test")


def test_make_run_installs_packages_first(ctx):
    check_installs_before_compiling(ctx, "run")


def ci_commands(ctx):
    with open(os.path.join(ctx.repo, ".ci", "run")) as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith("#")]


def test_ci_installs_nothing_before_make(ctx):
    """Every CI step before `make test` is either free of installers or a
    make target that itself runs the set-up script before compiling; so a
    missing step in the Makefile turns CI red."""
    cmds = ci_commands(ctx)
    test_at = first_index(cmds, lambda c: re.match(r"make\s+test\b", c))
    assert test_at is not None, cmds
    for cmd in cmds[:test_at]:
        if cmd.startswith("make "):
            target = cmd.split()[-1]
            if any(is_compile(line) for line in dry_run(ctx, target)):
                check_installs_before_compiling(ctx, target)
            continue
        assert not INSTALLER.search(cmd), "CI installs on its own: %r" % cmd


def header_package(header):
    """The Debian package that ships HEADER as the compiler finds it."""
    dep = subprocess.run(
        ["cc", "-I/usr/include/postgresql", "-M", "-E", "-x", "c", "-"],
        input="#include <%s>\n" % header, capture_output=True, text=True)
    assert dep.returncode == 0, (header, dep.stderr)
    # "-: /usr/include/stdc-predef.h /usr/include/HEADER ...": the first
    # file after the implicit stdc-predef.h is the header itself.
    files = [w for w in dep.stdout.split()[1:]
             if w != "\\" and not w.endswith("/stdc-predef.h")]
    path = files[0]
    owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    assert owner.returncode == 0, (header, path, owner.stderr)
    return owner.stdout.split(":")[0]


def test_setup_script_checks_every_included_header(ctx):
    includes = set()
    for top in ("core", "db", "fcgi", "handlers", "cli", "tests/unit",
                "tests/fuzz", "bench"):
        for root, _dirs, files in os.walk(os.path.join(ctx.repo, top)):
            for name in files:
                if name.endswith((".c", ".h")):
                    with open(os.path.join(root, name)) as f:
                        includes.update(re.findall(r"#include <([^>]+)>", f.read()))
    with open(os.path.join(ctx.repo, SETUP)) as f:
        checked = set(re.findall(r'^\s*"\S+ (\S+)"$', f.read(), re.M))
    for header in sorted(includes):
        pkg = header_package(header)
        if pkg.startswith(TOOLCHAIN_PACKAGES):
            continue
        assert pkg in checked, "%s (package %s) is not checked by %s" % (
            header, pkg, SETUP)


# --- deploy/install.sh: nginx reaches the socket, never the secrets -------

STUBS = {
    # Users and groups live in $STUB/users/NAME (primary group) and
    # $STUB/groups/NAME (members, one a line); everything else only logs.
    "id": r'''
case "$1" in
-u) echo 0 ;;
-nG) [ -e "$STUB/users/$2" ] || exit 1
     { cat "$STUB/users/$2"; grep -lx "$2" "$STUB"/groups/* | xargs -rn1 basename; } |
       sort -u | tr '\n' ' '; echo ;;
*) [ -e "$STUB/users/$1" ] ;;
esac''',
    "getent": r'''[ "$1" = group ] && [ -e "$STUB/groups/$2" ]''',
    "useradd": r'''name=${!#}; echo "$name" >"$STUB/users/$name"
case " $* " in *" --user-group "*) touch "$STUB/groups/$name" ;; esac''',
    "groupadd": r'''touch "$STUB/groups/${!#}"''',
    "usermod": r'''[ "$1 $2" = "-a -G" ] || exit 9; echo "$4" >>"$STUB/groups/$3"''',
    "gpasswd": r'''[ "$1" = -d ] || exit 9; grep -vx "$2" "$STUB/groups/$3" >"$STUB/tmp" || true
mv "$STUB/tmp" "$STUB/groups/$3"''',
}
LOGGED = ("install", "systemctl", "runuser", "nginx", "chown", "chmod", "chgrp",
          "ln", "adduser")


def fake_host(tmp, users, groups):
    stub = os.path.join(tmp, "stub")
    bindir = os.path.join(tmp, "bin")
    for d in ("users", "groups"):
        os.makedirs(os.path.join(stub, d))
    os.makedirs(bindir)
    for name, primary in users.items():
        with open(os.path.join(stub, "users", name), "w") as f:
            f.write(primary + "\n")
    for name, members in groups.items():
        with open(os.path.join(stub, "groups", name), "w") as f:
            f.write("".join(m + "\n" for m in members))
    scripts = dict(STUBS)
    for name in LOGGED:
        scripts[name] = 'echo "%s $*" >>"$STUB/log"' % name
    for name, body in scripts.items():
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write("#!/bin/bash\n" + body + "\n")
        os.chmod(path, 0o755)
    return stub, bindir


def copy_tree_for_install(ctx, tmp):
    """deploy/ and nginx/ as they are, and stand-in binaries: install.sh
    finds everything relative to itself."""
    import shutil
    root = os.path.join(tmp, "repo")
    for d in ("deploy", "nginx"):
        shutil.copytree(os.path.join(ctx.repo, d), os.path.join(root, d))
    os.makedirs(os.path.join(root, "build"))
    for b in ("statusd", "statusctl"):
        path = os.path.join(root, "build", b)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(path, 0o755)
    return root


def groups_of(stub, user):
    with open(os.path.join(stub, "users", user)) as f:
        out = {f.read().strip()}
    for g in os.listdir(os.path.join(stub, "groups")):
        with open(os.path.join(stub, "groups", g)) as f:
            if user in f.read().split():
                out.add(g)
    return out


def installed_group(log, path):
    """The -g of the install line that puts PATH in place."""
    for line in log:
        words = line.split()
        if words[0] == "install" and words[-1] == path and "-g" in words:
            return words[words.index("-g") + 1], words[words.index("-m") + 1]
    return None


def run_install(ctx, users, groups):
    with tempfile.TemporaryDirectory() as tmp:
        stub, bindir = fake_host(tmp, users, groups)
        root = copy_tree_for_install(ctx, tmp)
        env = dict(os.environ, STUB=stub, PATH=bindir + ":" + os.environ["PATH"])
        env.pop("DESTDIR", None)
        p = subprocess.run(["bash", os.path.join(root, "deploy", "install.sh")],
                           env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        with open(os.path.join(stub, "log")) as f:
            log = f.read().splitlines()
        members = {}
        for g in os.listdir(os.path.join(stub, "groups")):
            with open(os.path.join(stub, "groups", g)) as f:
                members[g] = set(f.read().split())
        return groups_of(stub, "www-data"), members, log, p.stderr


def unit_setting(ctx, key):
    with open(os.path.join(ctx.repo, "deploy", "statusd.service")) as f:
        return [ln.split("=", 1)[1].strip() for ln in f.read().splitlines()
                if ln.startswith(key + "=")]


def check_socket_not_secrets(ctx, www, members, log):
    etc_group, etc_mode = installed_group(log, "/etc/statusd")
    assert etc_mode == "0750", etc_mode
    conf = installed_group(log, "/etc/statusd/statusd.conf")
    if conf is not None:  # a host with a configuration keeps it
        assert conf == (etc_group, "0640") or conf == (etc_group, "0600"), conf
    assert etc_group not in www, "nginx's user can read the secrets: %s" % www
    assert members.get(etc_group, set()) <= {"statusd"}, members[etc_group]
    # The socket's group is the service's primary group, and nginx is in it.
    sock_group = unit_setting(ctx, "Group")
    assert sock_group and sock_group[0] != etc_group, sock_group
    assert sock_group[0] in www, (sock_group, www)
    assert etc_group in " ".join(unit_setting(ctx, "SupplementaryGroups")).split()
    assert members.get(sock_group[0], set()) <= {"www-data", "statusd"}, members


def test_install_keeps_nginx_out_of_the_config_group(ctx):
    www, members, log, _ = run_install(
        ctx, {"www-data": "www-data"}, {"www-data": []})
    check_socket_not_secrets(ctx, www, members, log)


def test_install_takes_nginx_out_of_an_old_config_group(ctx):
    """An earlier install put www-data in group statusd: this one removes
    it, and says so."""
    www, members, log, err = run_install(
        ctx, {"www-data": "www-data", "statusd": "statusd"},
        {"www-data": [], "statusd": ["www-data"]})
    check_socket_not_secrets(ctx, www, members, log)
    assert "removed www-data from group statusd" in err, err
