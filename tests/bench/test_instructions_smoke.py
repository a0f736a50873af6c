"""`python -m bench.instructions` counts what usersync and the ceiling execute per request, under callgrind.

Never timed: counts are what the command reports, not what a test asserts.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HANG = 900  # seconds: only a hung run is cut off
LINE = re.compile(r"^(?P<label>.+?)\s+(?P<count>[0-9.]+) M instructions/request\s+(?P<share>[0-9.]+)% of ceiling")


@pytest.mark.e2e
def test_counts_every_chosen_workload_through_the_real_servers():
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        # As the browser tests do without Chromium: a developer's run skips, CI's (.ci/run installs it) fails.
        message = "valgrind is missing: bash .ci/valgrind installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run([sys.executable, "-m", "bench.instructions", "--only", "get", "create",
                           "--requests", "3", "--small-store", "20"],
                          check=False, cwd=REPO, capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [LINE.match(line) for line in done.stdout.splitlines()]
    counted = {row["label"]: (float(row["count"]), float(row["share"])) for row in rows if row}
    assert set(counted) == {"GET user by id (20 users)", "POST user"}, done.stdout
    hello = re.search(r"GET /hello ([0-9.]+) M, POST /hello ([0-9.]+) M", done.stdout)
    assert hello and 0 < float(hello[1]) < 50 and 0 < float(hello[2]) < 50, done.stdout
    for count, share in counted.values():
        # A request is some hundreds of thousands of instructions at least, and costs more than /hello.
        assert 0.1 < count < 500 and 0 < share < 100, done.stdout


def test_refuses_clearly_without_valgrind(monkeypatch, capsys):
    from bench import instructions

    monkeypatch.setattr(instructions.shutil, "which", lambda _tool: None)
    with pytest.raises(SystemExit) as stopped:
        instructions.main(["--only", "get"])
    assert "needs valgrind and callgrind_control" in str(stopped.value)
