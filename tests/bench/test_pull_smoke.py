"""`python -m bench.pull --quick` pulls a small directory from the fake Graph and the fake Okta, changes it, pulls
again, and reports exact counts for every run.

Never timed: speed is what the benchmark reports, not what a test asserts.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import pull_source

REPO = Path(__file__).resolve().parents[2]
QUICK = pull_source.QUICK


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench-pull") / "pull.json"
    done = subprocess.run([sys.executable, "-m", "bench.pull", "--quick", "--json", str(path)], check=False,
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(path.read_text()), done.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["entra", "okta"])
def test_the_first_pull_creates_every_user_and_group(report, kind):
    figures = report[0]["sources"][kind]
    assert figures["read"]["users"] == QUICK.users and figures["read"]["groups"] == QUICK.groups
    for run in ("ceiling", "first"):
        assert figures[run]["status"] == "succeeded"
        assert figures[run]["counts"] == {"created": QUICK.users, "groups_created": QUICK.groups}
    assert figures["first"]["requests"] == figures["read"]["requests"]  # the pull reads the listing once


@pytest.mark.e2e
def test_graph_incremental_run_applies_exactly_the_changes_deletions_included(report):
    figures = report[0]["sources"]["entra"]
    assert figures["incremental"]["status"] == "succeeded"
    assert figures["incremental"]["counts"] == {"created": 10, "updated": 60, "deactivated": 20, "unlinked": 10,
                                                "groups_updated": 2}


@pytest.mark.e2e
def test_okta_incremental_run_applies_the_changes_but_not_deletions(report):
    """Deleted Okta users are in no list: only a full run's sweep finds them gone. The 60-second overlap re-reads
    the newest user and group."""
    figures = report[0]["sources"]["okta"]
    assert figures["incremental"]["status"] == "succeeded"
    assert figures["incremental"]["counts"] == {"created": 10, "updated": 60, "deactivated": 20, "unchanged": 1,
                                                "groups_updated": 2, "groups_unchanged": 1}


@pytest.mark.e2e
@pytest.mark.parametrize("kind, counts", [("entra", {}), ("okta", {"unchanged": 90, "groups_unchanged": 2})])
def test_the_rerun_with_nothing_changed_writes_nothing(report, kind, counts):
    figures = report[0]["sources"][kind]
    assert figures["unchanged"]["status"] == "succeeded"
    assert figures["unchanged"]["counts"] == counts and figures["unchanged"]["wrote_nothing"]


@pytest.mark.e2e
def test_a_full_run_after_them_finds_the_users_deleted_in_okta_and_writes_nothing_else(report):
    sources = report[0]["sources"]
    unchanged = {"unchanged": QUICK.users, "groups_unchanged": QUICK.groups}  # 10 deleted, 10 added
    assert sources["entra"]["full"]["counts"] == unchanged
    assert sources["okta"]["full"]["counts"] == {**unchanged, "unlinked": 10}
    assert sources["entra"]["full"]["status"] == sources["okta"]["full"]["status"] == "succeeded"


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["entra", "okta"])
def test_memory_is_measured_on_a_complete_pull_at_each_size(report, kind):
    memory = report[0]["sources"][kind]["memory"]
    assert [point["users"] for point in memory["points"]] == [250, 500]
    for point in memory["points"]:
        assert point["status"] == "succeeded"
        assert point["counts"]["created"] == point["users"]
        assert point["growth_bytes"] > 0
    assert memory["ratio"] is not None


@pytest.mark.e2e
def test_the_report_names_the_machine_load_and_targets(report):
    data, stdout = report
    assert len(data["load_at_end"]) == 3 and len(data["machine"]["load_average"]) == 3
    assert "shared with other engineers" in stdout and "load at end" in stdout
    assert stdout.count("target >= 500") == 2 and stdout.count("target <= 2 s") == 2
