"""docs/openapi.yaml against the routing table and the contract.

Needs only the built binary (no database, no nginx). Run by tests/api/runner.py,
which calls every test_* function with a ctx (ctx.build: the binary directory,
ctx.repo: the repository root), or on its own:

    python3 tests/api/test_openapi.py [BUILD_DIR]

docs/openapi.yaml is read line by line, without a YAML library, relying on the
layout its header comment fixes: paths at indent 2, methods at indent 4, and
"x-scope: <scope>" at indent 6 in every operation.
"""

import os
import re
import subprocess
import sys
import types

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

_PATH_RE = re.compile(r"^  (['\"]?)(/[^'\"]*)\1:\s*(#.*)?$")
_METHOD_RE = re.compile(r"^    (%s):\s*(#.*)?$" % "|".join(METHODS))
_SCOPE_RE = re.compile(r"^      x-scope:\s*(['\"]?)([^'\"#\s]+)\1\s*(#.*)?$")
_TOP_RE = re.compile(r"^[^\s#]")

SCOPE_SUFFIX = ":jira-service-management"


def _repo_file(ctx, *parts):
    return os.path.join(ctx.repo, *parts)


def _binary(ctx):
    """<ctx.build>/statusd; a relative build dir is tried from the current
    directory, then from the repository root."""
    build = ctx.build
    if not os.path.isabs(build) and not os.path.isdir(build):
        build = os.path.join(ctx.repo, build)
    return os.path.join(build, "statusd")


def parse_openapi(path):
    """Returns ({(METHOD, path): scope or None}, [layout problems])."""
    ops = {}
    problems = []
    in_paths = False
    cur_path = None
    cur_op = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if "\t" in line[: len(line) - len(line.lstrip())]:
                problems.append("line %d: tab in indentation" % lineno)
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if _TOP_RE.match(line):
                in_paths = line.startswith("paths:")
                cur_path = cur_op = None
                continue
            if not in_paths:
                continue
            indent = len(line) - len(line.lstrip(" "))
            if indent < 6 and indent not in (2, 4):
                problems.append("line %d: indent %d under paths (paths sit "
                                "at 2, methods at 4): %r"
                                % (lineno, indent, line.strip()))
                cur_op = None
                continue
            if indent == 2:
                m = _PATH_RE.match(line)
                if not m:
                    problems.append("line %d: expected a path at indent 2: %r"
                                    % (lineno, line.strip()))
                    cur_path = cur_op = None
                    continue
                cur_path, cur_op = m.group(2), None
                continue
            if indent == 4:
                m = _METHOD_RE.match(line)
                cur_op = None
                if m and cur_path is not None:
                    cur_op = (m.group(1).upper(), cur_path)
                    if cur_op in ops:
                        problems.append("line %d: %s %s defined twice"
                                        % (lineno, cur_op[0], cur_op[1]))
                    ops[cur_op] = None
                elif line.strip().split(":")[0].lower() in METHODS:
                    problems.append("line %d: method not in the expected "
                                    "layout: %r" % (lineno, line.strip()))
                continue
            if indent == 6 and cur_op is not None and \
                    line.lstrip().startswith("x-scope:"):
                m = _SCOPE_RE.match(line)
                if not m:
                    problems.append("line %d: unreadable x-scope: %r"
                                    % (lineno, line.strip()))
                elif ops[cur_op] is not None:
                    problems.append("line %d: second x-scope for %s %s"
                                    % (lineno, cur_op[0], cur_op[1]))
                else:
                    ops[cur_op] = m.group(2)
    for (method, p), scope in sorted(ops.items()):
        if scope is None:
            problems.append("%s %s has no x-scope at indent 6" % (method, p))
    return ops, problems


def routes_from_binary(ctx):
    """{(METHOD, pattern): scope} from `statusd --routes`."""
    exe = _binary(ctx)
    if not os.path.exists(exe):
        raise AssertionError("%s not found: run `make build/statusd` first"
                             % exe)
    proc = subprocess.run([exe, "--routes"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30,
                          universal_newlines=True)
    assert proc.returncode == 0, "%s --routes exited %d: %s" % (
        exe, proc.returncode, proc.stderr.strip())
    routes = {}
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        fields = line.split()
        assert len(fields) == 3, "unexpected --routes line: %r" % line
        method, pattern, scope = fields
        key = (method.upper(), pattern)
        assert key not in routes, "route listed twice: %s %s" % key
        routes[key] = scope
    assert routes, "%s --routes printed no routes" % exe
    return routes


def _expand_scope(short):
    """endpoints.md shorthand `read:page` -> the full scope string."""
    short = short.strip().strip("`")
    if short.endswith(SCOPE_SUFFIX):
        return short
    verb, _, resource = short.partition(":")
    return "%s:stakeholder-comms.%s%s" % (verb, resource, SCOPE_SUFFIX)


def parse_endpoints_md(path):
    """{(METHOD, path): full scope} from the table in endpoints.md."""
    contract = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4 or not cells[0].isdigit():
                continue
            method, p, scope = cells[1].upper(), cells[2].strip("`"), cells[3]
            contract[(method, p)] = _expand_scope(scope)
    return contract


def _normalise(path):
    """Path parameter names do not make two routes different."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _fmt(items):
    return "\n".join("    %s %s  %s" % (m, p, s or "(no scope)")
                     for (m, p), s in sorted(items))


def test_routes_match_openapi(ctx):
    """Every route statusd serves is documented, with its scope, and the
    document describes no route that does not exist."""
    doc = _repo_file(ctx, "docs", "openapi.yaml")
    ops, problems = parse_openapi(doc)
    assert not problems, "docs/openapi.yaml layout:\n  " + "\n  ".join(
        problems)
    assert ops, "no operations found in %s" % doc
    routes = routes_from_binary(ctx)
    served = set(routes.items())
    documented = set(ops.items())
    if served != documented:
        msg = ["statusd --routes and docs/openapi.yaml differ"]
        missing_doc = served - documented
        missing_bin = documented - served
        if missing_doc:
            msg.append("  served but not documented (or with another "
                       "scope):\n" + _fmt(missing_doc))
        if missing_bin:
            msg.append("  documented but not served (or with another "
                       "scope):\n" + _fmt(missing_bin))
        raise AssertionError("\n".join(msg))


def test_openapi_scopes_match_contract(ctx):
    """Each documented operation that endpoints.md lists carries the scope
    endpoints.md gives it."""
    spec = os.path.join(ctx.repo, "..", "shared", "spec", "endpoints.md")
    if not os.path.exists(spec):
        print("note: %s not found; contract scope check skipped" % spec)
        return
    contract = parse_endpoints_md(spec)
    assert len(contract) >= 40, "only %d endpoints read from %s" % (
        len(contract), spec)
    by_shape = {}
    for (method, p), scope in contract.items():
        by_shape[(method, _normalise(p))] = (p, scope)
    ops, problems = parse_openapi(_repo_file(ctx, "docs", "openapi.yaml"))
    assert not problems, "docs/openapi.yaml layout:\n  " + "\n  ".join(
        problems)
    wrong = []
    extensions = []
    for (method, p), scope in sorted(ops.items()):
        found = by_shape.get((method, _normalise(p)))
        if found is None:
            extensions.append("%s %s" % (method, p))
        elif scope != found[1]:
            wrong.append("    %s %s: x-scope %s, endpoints.md %s"
                         % (method, p, scope, found[1]))
    if extensions:
        print("note: not in endpoints.md (extensions), scope not checked: "
              + ", ".join(extensions))
    assert not wrong, "x-scope differs from endpoints.md:\n" + "\n".join(
        wrong)


def _main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ctx = types.SimpleNamespace(
        build=argv[1] if len(argv) > 1 else "build",
        repo=os.path.relpath(root))
    tests = [(name, fn) for name, fn in sorted(globals().items())
             if name.startswith("test_") and callable(fn)]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn(ctx)
        except AssertionError as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        except Exception as e:  # a broken test is a failure, not a crash
            failed += 1
            print("ERROR %s: %s: %s" % (name, type(e).__name__, e))
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
