"""`python -m bench --quick` runs every workload against all three servers and gets only expected answers.

Never timed: speed is what the benchmark reports, not what a test asserts.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import QUICK, Settings
from bench.workloads import catalogue

REPO = Path(__file__).resolve().parents[2]
KEYS = [workload.key for workload in catalogue(Settings(**QUICK))]
HANG = 600  # seconds: only a hung run is cut off


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """The --json figures of one quick run."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(path)], check=False,
                          cwd=REPO, capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(path.read_text())


@pytest.mark.e2e
def test_every_workload_is_reported(figures):
    assert list(figures["workloads"]) == KEYS


@pytest.mark.e2e
@pytest.mark.parametrize("key", KEYS)
def test_usersync_answers_every_request_as_expected(figures, key):
    workload = figures["workloads"][key]
    assert "usersync" not in workload["unsupported"], workload["unsupported"]
    assert workload["usersync"]["errors"] == 0, workload["usersync"]["rounds"][0]["samples"]
    assert workload["usersync"]["median"]["rate"] > 0
    assert workload["ceiling"]["median"]["rate"] > 0 and workload["ceiling"]["errors"] == 0


@pytest.mark.e2e
def test_the_peer_ran_what_it_supports(figures):
    for key, workload in figures["workloads"].items():
        if "peer" not in workload["unsupported"]:
            assert workload["peer"]["median"]["rate"] > 0, key
            assert workload["peer"]["errors"] == 0, (key, workload["peer"]["rounds"][0]["samples"])


@pytest.mark.e2e
def test_latency_under_load_and_the_write_gate_are_reported(figures):
    for key in ("create", "put", "patch", "delete"):
        for server in ("usersync", "peer"):
            assert figures["workloads"][key][server]["median"]["loaded_p99_ms"] > 0, (key, server)
    assert figures["write_gate_holds"]["writes"] > 0
    assert figures["write_gate_holds"]["max_ms"] >= figures["write_gate_holds"]["mean_ms"] > 0
