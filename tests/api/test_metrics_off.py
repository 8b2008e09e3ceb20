"""metrics_listen = off: no listener, and no counters kept (issue 12 item 6:
the switch bench/run.sh measures the page read with and without)."""

import os
import subprocess
import tempfile
import time

SHARED_ANON = "/dev/zero (deleted)"  # how Linux names MAP_SHARED|MAP_ANONYMOUS


def shared_maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        return [ln for ln in f if ln.rstrip().endswith(SHARED_ANON)]


def test_metrics_listen_off_keeps_no_counters(ctx):
    # The suite's statusd serves metrics: its counters are shared memory.
    assert shared_maps(ctx.master_pid()), "the suite's statusd maps no counters"
    with open(ctx.conf) as f:
        lines = [ln for ln in f.read().splitlines()
                 if ln.split("=", 1)[0].strip() != "metrics_listen"]
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "statusd.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines + ["metrics_listen = off"]) + "\n")
        sock = os.path.join(tmp, "s.sock")
        p = subprocess.Popen([os.path.join(ctx.build, "statusd"), "-c", conf, "-l", sock,
                              "-w", "1"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while not os.path.exists(sock):
                assert p.poll() is None and time.time() < deadline, "statusd did not start"
                time.sleep(0.1)
            assert shared_maps(p.pid) == []
        finally:
            p.terminate()
            p.wait(timeout=30)
