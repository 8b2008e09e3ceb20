#!/usr/bin/env python3
"""Runs the API tests against a running stack.

    python3 tests/api/runner.py [--state-dir DIR] [FILTER]

DIR is the stack's STATE_DIR (default: $STATE_DIR); FILTER keeps only the
tests whose name contains it. Imports every tests/api/test_*.py in sorted
order and calls each function named test_* (in definition order) with a
client.Ctx. The last line printed is "N passed, N failed"; the exit status
is 1 when any test failed.
"""

import argparse
import glob
import importlib.util
import inspect
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import client  # noqa: E402


def load_modules():
    mods = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


def tests_of(mod):
    fns = [f for n, f in vars(mod).items()
           if n.startswith("test_") and inspect.isfunction(f)
           and f.__module__ == mod.__name__]
    fns.sort(key=lambda f: f.__code__.co_firstlineno)
    return fns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state-dir", default=os.environ.get("STATE_DIR"))
    ap.add_argument("--build", default=os.environ.get("BUILD"))
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("filter", nargs="?", default="")
    args = ap.parse_args()
    if not args.state_dir:
        print("runner: no state dir (--state-dir or $STATE_DIR)", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    ctx = client.Ctx(args.state_dir, build=args.build)
    passed = failed = 0
    failures = []
    start = time.time()
    try:
        mods = load_modules()
    except Exception:
        traceback.print_exc()
        print("0 passed, 1 failed")
        return 1
    for mod in mods:
        for fn in tests_of(mod):
            name = "%s.%s" % (mod.__name__, fn.__name__)
            if args.filter and args.filter not in name:
                continue
            t0 = time.time()
            try:
                fn(ctx)
            except AssertionError as e:
                failed += 1
                msg = str(e) or "assertion failed"
                tb = traceback.extract_tb(e.__traceback__)
                where = "%s:%d" % (os.path.basename(tb[-1].filename), tb[-1].lineno) if tb else ""
                failures.append(name)
                print("FAIL %s: %s (%s)" % (name, msg, where), flush=True)
                if args.verbose:
                    traceback.print_exc()
            except Exception as e:
                failed += 1
                failures.append(name)
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
                traceback.print_exc()
            else:
                passed += 1
                print("ok   %s (%.2fs)" % (name, time.time() - t0), flush=True)
    print("# %.1f s" % (time.time() - start))
    if failures:
        print("# failed: " + " ".join(failures))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
