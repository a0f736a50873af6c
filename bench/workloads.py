"""The measured workloads: what each sends to a SCIM server, how its first answer is checked, its ceiling."""

import json
import random
from dataclasses import dataclass
from urllib.parse import quote

from . import seed
from .client import Request

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OK, CREATED, NO_CONTENT = (200,), (201,), (204,)
PATCHED = (200, 204)  # RFC 7644 §3.5.2: 200 with the resource, or 204 without
PAGE = 100


@dataclass
class Workload:
    """One kind of request. stream(store, worker) yields the requests one connection sends."""

    key: str
    label: str
    phase: str  # users, writes, groups or big: the store each needs (see run.py)
    ceiling: str  # the comparable ceiling request: GET or POST /hello
    stream: object
    check: object = None  # check(status, body) -> None, or why the answer is not what was asked for
    tier: str = None  # the group tier it addresses


def ceiling_stream(method):
    """The ceiling's comparable request, forever."""
    request = Request("GET", "/hello") if method == "GET" else Request(
        "POST", "/hello", seed.dumps(seed.user_doc("ceiling@example.com")), CREATED)
    while True:
        yield request


def _picks(users, worker):
    """Users at random, a different sequence per connection, spread over the whole store."""
    rng = random.Random(worker)
    while True:
        yield rng.choice(users)


def _users(big):
    return (lambda store: store.users) if big else (lambda store: store.base)


def get_user(big):
    def stream(store, worker):
        for user_id, _ in _picks(_users(big)(store), worker):
            yield Request("GET", f"/Users/{user_id}")
    return stream


def filter_user(big):
    def stream(store, worker):
        for _, name in _picks(_users(big)(store), worker):
            yield Request("GET", "/Users?filter=" + quote(f'userName eq "{name}"'))
    return stream


def list_page(big):
    def stream(store, worker):
        rng = random.Random(worker)
        pages = max(len(_users(big)(store)) // PAGE, 1)  # every page full: the store holds at least these
        while True:
            yield Request("GET", f"/Users?startIndex={rng.randrange(pages) * PAGE + 1}&count={PAGE}")
    return stream


def create_user(store, worker):
    while True:
        name = seed.user_name("new", next(store.names))
        yield Request("POST", "/Users", seed.dumps(seed.user_doc(name)), CREATED)


def put_user(store, worker):
    for n, (user_id, name) in enumerate(_picks(store.base, worker)):
        yield Request("PUT", f"/Users/{user_id}", seed.dumps(seed.user_doc(name, f"PUT {worker}.{n}")), OK)


def patch_user(store, worker):
    for n, (user_id, _) in enumerate(_picks(store.base, worker)):
        body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName",
                                                       "value": f"PATCH {worker}.{n}"}]}
        yield Request("PATCH", f"/Users/{user_id}", seed.dumps(body), PATCHED)


def delete_user(store, worker):
    for user_id in store.pool:  # shared by the connections; ends the run when used up
        yield Request("DELETE", f"/Users/{user_id}", None, NO_CONTENT)


def patch_member(tier):
    def stream(store, worker):
        group_id, _ = store.groups[tier]
        spare = store.spares[worker][0]
        add = seed.dumps({"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": spare}]}]})
        remove = seed.dumps({"schemas": [PATCH_OP], "Operations": [
            {"op": "remove", "path": f'members[value eq "{spare}"]'}]})
        while True:
            # Flipped before the yield: a request handed out is always sent.
            member = store.members_added.get((tier, worker), False)
            store.members_added[tier, worker] = not member
            yield Request("PATCH", f"/Groups/{group_id}", remove if member else add, PATCHED)
    return stream


def get_group(tier, excluded):
    query = "?excludedAttributes=members" if excluded else ""

    def stream(store, worker):
        group_id, _ = store.groups[tier]
        while True:
            yield Request("GET", f"/Groups/{group_id}{query}")
    return stream


def check_user(status, body):
    return None if status == 200 and isinstance(body, dict) and body.get("userName") else f"{status} without a user"


def check_one(status, body):
    total = body.get("totalResults") if isinstance(body, dict) else None
    return None if status == 200 and total == 1 else f"{status}, totalResults {total} (expected 1)"


def check_page(status, body):
    found = len(body.get("Resources") or []) if isinstance(body, dict) else 0
    return None if status == 200 and found == PAGE else f"{status}, {found} users in a page of {PAGE}"


def check_no_members(status, body):
    if status != 200 or not isinstance(body, dict):
        return f"{status}"
    return "excludedAttributes=members ignored: members returned" if "members" in body else None


def check_members(size):
    def check(status, body):
        found = len(body.get("members") or []) if isinstance(body, dict) else 0
        return None if status == 200 and found == size else f"{status}, {found} members (expected {size})"
    return check


def catalogue(sizes):
    """Every workload, in run order, labelled with this run's sizes."""
    small, big = f"{sizes.small_store:,}", f"{sizes.big_store:,}"
    found = [
        Workload("get", f"GET user by id ({small} users)", "users", "GET", get_user(False), check_user),
        Workload("filter", f'GET filter userName eq ({small} users)', "users", "GET", filter_user(False), check_one),
        Workload("page", f"GET page of {PAGE} users ({small} users)", "users", "GET", list_page(False), check_page),
        Workload("create", "POST user", "writes", "POST", create_user),
        Workload("put", "PUT user", "writes", "POST", put_user),
        Workload("patch", "PATCH user displayName", "writes", "POST", patch_user),
        Workload("delete", "DELETE user", "writes", "POST", delete_user),
    ]
    for tier, size in sizes.tiers.items():
        members = f"{size:,} members"
        found += [
            Workload(f"group-patch@{tier}", f"PATCH group add/remove 1 ({members})", "groups", "POST",
                     patch_member(tier), tier=tier),
            Workload(f"group-get-excl@{tier}", f"GET group excl. members ({members})", "groups", "GET",
                     get_group(tier, True), check_no_members, tier),
            Workload(f"group-get@{tier}", f"GET group, all members ({members})", "groups", "GET",
                     get_group(tier, False), check_members(size), tier),
        ]
    found += [
        Workload("big-get", f"GET user by id ({big} users)", "big", "GET", get_user(True), check_user),
        Workload("big-filter", f"GET filter userName eq ({big} users)", "big", "GET", filter_user(True), check_one),
        Workload("big-page", f"GET page of {PAGE} users ({big} users)", "big", "GET", list_page(True), check_page),
    ]
    return found


def parse(raw):
    """A response body as JSON, or None."""
    try:
        return json.loads(raw)
    except ValueError:
        return None
