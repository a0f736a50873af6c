"""`python -m bench.reconcile --quick` seeds a store, plans and applies an option change, and reports its figures.

Never timed: speed is what the benchmark reports, not what a test asserts.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_a_quick_run_reports_both_phases_and_leaves_nothing_to_do(tmp_path):
    path = tmp_path / "reconcile.json"
    done = subprocess.run([sys.executable, "-m", "bench.reconcile", "--quick", "--json", str(path)], check=False,
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (store,) = json.loads(path.read_text())["stores"]
    assert store["users"] == 200
    for phase in ("dry_run", "apply"):
        assert store[phase]["changes"] == 4 * 200 + 1  # renamed, two joins, one leave; jira-developers created
        assert store[phase]["conflicts"] == 0 and store[phase]["batches"] == 1
    assert store["after"] == 0
    assert " dry_run " in done.stdout and " apply " in done.stdout
