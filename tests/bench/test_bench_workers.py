"""`python -m bench --quick --workers 2` measures `usersync serve --workers 2` beside the single process:
its rates, CPU per request over every process of it, and its processes' write gate holds summed.

Never timed: speed is what the benchmark reports, not what a test asserts.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HANG = 600  # seconds: only a hung run is cut off


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(--json figures, printed report) of one quick run of two workloads."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--workers", "2", "--only", "get", "create",
                           "--json", str(path)], check=False, cwd=REPO, capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(path.read_text()), done.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("key", ["get", "create"])
def test_the_workers_are_measured_beside_the_single_process(run, key):
    figures, _ = run
    for server in ("usersync", "usersync×2"):
        measured = figures["workloads"][key][server]
        assert measured["errors"] == 0, measured["rounds"][0]["samples"]
        assert measured["median"]["rate"] > 0 and measured["median"]["cpu_ms"] > 0, measured["median"]


@pytest.mark.e2e
def test_the_workers_table_and_their_write_gate_are_reported(run):
    figures, report = run
    assert "Workers: `usersync serve` in one process and as usersync×2" in report
    holds = figures["workers_write_gate_holds"]
    assert holds["writes"] > 0 and holds["processes"] >= 1  # a line per process that wrote
    assert figures["settings"]["workers"] == 2
