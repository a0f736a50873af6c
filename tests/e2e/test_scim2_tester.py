"""python-scim/scim2-tester, an independent RFC 7643/7644 checker, against the served endpoint."""

import json
from collections import Counter

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

pytestmark = pytest.mark.e2e

FAILING = (Status.ERROR, Status.CRITICAL)


def describe(result):
    """Everything a failing result knows, for the log."""
    try:
        data = json.dumps(result.data, indent=2, default=str)
    except (TypeError, ValueError):
        data = repr(result.data)
    summary = (result.description or "").strip().split("\n\n")[0]  # the rest is the checker's docstring
    return (f"[{result.status.name}] {result.resource_type or '-'} {result.title}\n"
            f"  description: {summary}\n  reason: {result.reason}\n  data: {data}")


def test_scim2_tester_finds_no_error(server):
    headers = {"Authorization": f"Bearer {server.token}"}
    # trust_env=False: no proxy from the environment between us and 127.0.0.1.
    with httpx2.Client(base_url=server.base_url, headers=headers, timeout=10, trust_env=False) as http:
        results = check_server(SyncSCIMClient(http), raise_exceptions=False)

    counts = Counter(result.status.name for result in results)
    summary = "scim2-tester: " + ", ".join(f"{status.name}={counts[status.name]}" for status in Status)
    print("\n" + summary)
    for result in results:
        if result.status == Status.DEVIATION:
            print(describe(result))
    failing = [result for result in results if result.status in FAILING]
    assert not failing, summary + "\n\n" + "\n\n".join(describe(result) for result in failing)
    # Discovery worked, so the resource checks actually ran against both types.
    exercised = {result.resource_type for result in results if result.status == Status.SUCCESS}
    assert {"User", "Group"} <= exercised, summary
