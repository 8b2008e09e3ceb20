"""The operator's documentation cannot drift from the code: the settings
of core/config.c's table (as statusctl config show lists them) are exactly
those statusd.conf(5) and deploy/statusd.conf.example document; every
statusctl command is in statusctl(1); the pages render without warnings
and deploy/install.sh installs them."""

import json
import os
import re
import subprocess
import tempfile

MAN = ("statusctl.1", "statusd.conf.5", "statusd.8")


def _man(ctx, name):
    with open(os.path.join(ctx.repo, "docs", "man", name)) as f:
        return f.read()


def _settings(ctx):
    p = ctx.statusctl("config", "show", "--json")
    return set(json.loads(p.stdout))


def test_every_setting_is_documented_and_nothing_else(ctx):
    table = _settings(ctx)
    assert "metrics_listen" in table and len(table) >= 18, table
    page = set(re.findall(r"^\.It Cm ([a-z0-9_]+)", _man(ctx, "statusd.conf.5"), re.M))
    assert page == table, ("statusd.conf.5", sorted(page - table), sorted(table - page))
    with open(os.path.join(ctx.repo, "deploy", "statusd.conf.example")) as f:
        example = set(re.findall(r"^#?\s*([a-z][a-z0-9_]*) =(?:\s|$)", f.read(), re.M))
    assert example == table, ("statusd.conf.example", sorted(example - table),
                              sorted(table - example))


def test_every_statusctl_command_is_in_its_manual(ctx):
    p = ctx.statusctl("no-such-command", check=False)
    assert p.returncode == 2
    commands = set(re.findall(r"statusctl \[-c config\] ([a-z]+(?: [a-z]+)?)", p.stderr))
    assert {"doctor", "config check", "token rotate"} <= commands, commands
    page = _man(ctx, "statusctl.1")
    documented = set(re.findall(r"^\.Cm ([a-z]+(?: [a-z]+)?)$", page, re.M))
    assert commands <= documented, sorted(commands - documented)


def test_manuals_render_cleanly_and_are_installed(ctx):
    for name in MAN:
        p = subprocess.run(["groff", "-mdoc", "-Tutf8", "-ww", "-z",
                            os.path.join(ctx.repo, "docs", "man", name)],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0 and not p.stderr.strip(), (name, p.stderr)
    if not os.path.exists(os.path.join(ctx.repo, "build", "statusd")):
        print("  (install part skipped: no build/ to stage from)")
        return
    with tempfile.TemporaryDirectory() as stage:
        p = subprocess.run([os.path.join(ctx.repo, "deploy", "install.sh")],
                           env=dict(os.environ, DESTDIR=stage),
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        for name in MAN:
            path = os.path.join(stage, "usr/local/share/man/man" + name[-1], name)
            assert os.path.isfile(path), path
