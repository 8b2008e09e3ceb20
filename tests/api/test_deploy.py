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
