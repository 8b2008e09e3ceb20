"""Allocation failure is a tested path (tests/chaos/chaos.c): for a read, a
create, an update, a list, a lifecycle action and an incident create, every
allocation of the request (request arena and jansson) is failed once in
turn, the dispatcher running in-process against this stack's PostgreSQL.
Each answer must be a success or a JSON 500/503 with the cloud's rows
untouched; under `make test-san` the run is also leak-checked."""

import os
import subprocess


def test_every_allocation_failure_answers_500_and_writes_nothing(ctx):
    binary = os.path.join(ctx.build, "test-chaos")
    env = dict(os.environ, DATABASE_URL=ctx.database_url)
    p = subprocess.run([binary], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, (p.stdout + p.stderr)[-4000:]
    kinds = [line.split(":")[0] for line in p.stdout.splitlines()]
    assert kinds == ["read", "create", "update", "list", "lifecycle", "incident"], p.stdout
    for line in p.stdout.splitlines():
        assert int(line.split()[1]) > 0, line
