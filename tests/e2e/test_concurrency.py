"""Eight clients at once against `usersync serve --threads 8`: one group's members, racing creates,
racing PUTs and a mixed load. Every assertion is exact: nothing lost, nothing mixed, no 5xx."""

import random
import re
import threading
import time
from urllib.parse import quote

import pytest

from .bodies import (
    add_members,
    complete_user,
    new_group,
    new_user,
    patch,
    remove_member,
    remove_members_entra,
    unique,
    version_of,
    writable,
)
from .conftest import Server, assert_scim_error

pytestmark = pytest.mark.e2e

THREADS = 8
JOIN_TIMEOUT = 90


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    """This module's own server, with as many worker threads as there are clients."""
    instance = Server(tmp_path_factory.mktemp("e2e-concurrency"), threads=THREADS).start()
    yield instance
    code = instance.stop()
    assert code == 0, f"usersync serve exited with {code} after SIGTERM; stderr:\n{instance.stderr_text()}"


class Client:
    """One client thread's keep-alive connection; every exchange kept for the assertions."""

    def __init__(self, server):
        self.server = server
        self.conn = server.connection(timeout=30)
        self.exchanges = []  # (method, path, request body, Response)

    def send(self, method, path, body=None):
        response = self.server.request(method, path, body, conn=self.conn)
        self.exchanges.append((method, path, body, response))
        return response

    def close(self):
        self.conn.close()


def in_parallel(server, work, count=THREADS):
    """work(index, client) on count threads, each with its own connection; (results, every exchange)."""
    results, clients, failures = [None] * count, [None] * count, []

    def run(index):
        clients[index] = client = Client(server)
        try:
            results[index] = work(index, client)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the test's thread below)
            failures.append((index, exc))
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    if failures:
        index, exc = failures[0]
        raise AssertionError(f"client thread {index} failed: {exc!r}") from exc
    return results, [exchange for client in clients for exchange in client.exchanges]


def assert_no_failures(exchanges, ok=range(200, 300)):
    """Every status in ok; never a 5xx, never a body that speaks of a locked database."""
    bad = [(method, path, body, response) for method, path, body, response in exchanges
           if response.status not in ok or b"locked" in response.body.lower()]
    assert not bad, f"{len(bad)} of {len(exchanges)} exchanges failed, first ones:\n" + "\n".join(
        f"{method} {path} {body!r}\n  -> {response!r}" for method, path, body, response in bad[:5])


def create_users(server, prefix, per_thread):
    """per_thread users for each of the eight clients, created in parallel: {thread index: [ids]}."""
    def work(index, client):
        ids = []
        for number in range(per_thread):
            response = client.send("POST", "/Users", new_user(f"{prefix}-t{index}-{number}"))
            assert response.status == 201, response
            ids.append(response.json()["id"])
        return ids

    results, _ = in_parallel(server, work)
    return dict(enumerate(results))


def create(server, path, body):
    response = server.request("POST", path, body)
    assert response.status == 201, response
    return response.json()


def test_many_writers_on_one_group_lose_no_member(busy):
    """8 clients x 25 PATCHes on one group: adds of disjoint sets (plus one member everyone adds),
    each client removing only what it added; the result is exactly the union of what each kept."""
    prefix = unique("gw")
    pools = create_users(busy, prefix, 12)
    shared = create(busy, "/Users", new_user(f"{prefix}-shared"))["id"]
    group = create(busy, "/Groups", new_group(unique("contended")))
    path = f"/Groups/{group['id']}"

    def work(index, client):
        rng = random.Random(f"{prefix}-{index}")
        pool, kept, added_shared = pools[index], set(), False
        for _ in range(25):
            roll = rng.random()
            if kept and roll < 0.2:
                gone = rng.choice(sorted(kept))
                operations = [remove_member(gone)]
            elif kept and roll < 0.35:
                gone = set(rng.sample(sorted(kept), min(2, len(kept))))
                operations = [remove_members_entra(sorted(gone))]
            elif kept and roll < 0.45:
                # One PatchOp that adds and removes: applied whole or not at all.
                gone, fresh = rng.choice(sorted(kept)), rng.choice(pool)
                operations = [remove_member(gone), add_members([fresh])]
            else:
                # 1-3 of its own (some already in: an add of a present member changes nothing).
                fresh = rng.sample(pool, rng.randint(1, 3))
                if rng.random() < 0.3:
                    fresh.append(shared)
                    added_shared = True
                operations = [add_members(fresh)]
            if client.send("PATCH", path, patch(*operations)).status != 204:
                continue  # reported by assert_no_failures
            for operation in operations:
                if operation["op"] == "add":
                    kept |= {entry["value"] for entry in operation["value"]} - {shared}
                elif "value" in operation:
                    kept -= {entry["value"] for entry in operation["value"]}
                else:
                    kept.discard(re.search(r'"(.+)"', operation["path"]).group(1))
        return kept, added_shared

    results, exchanges = in_parallel(busy, work)
    assert len(exchanges) == THREADS * 25
    assert_no_failures(exchanges, ok=(204,))
    expected = set().union(*(kept for kept, _ in results)) | ({shared} if any(s for _, s in results) else set())

    final = busy.request("GET", path)
    assert final.status == 200, final
    members = [entry["value"] for entry in final.json().get("members", [])]
    assert len(members) == len(set(members)), f"a member listed twice: {members}"
    assert set(members) == expected, (f"missing {sorted(expected - set(members))}, "
                                      f"unexpected {sorted(set(members) - expected)}")

    # The users' side agrees: the group is in the groups of exactly its members.
    listed = busy.request("GET", "/Users?count=200&filter=" + quote(f'userName sw "{prefix}-"'))
    assert listed.status == 200, listed
    resources = listed.json()["Resources"]
    assert len(resources) == THREADS * 12 + 1, listed
    in_group = {user["id"] for user in resources
                if any(g["value"] == group["id"] for g in user.get("groups", []))}
    assert in_group == expected


@pytest.mark.parametrize("endpoint", ["/Users", "/Groups"])
def test_racing_creates_of_one_name_make_exactly_one(busy, endpoint):
    """8 clients POST one name at the same instant, 5 rounds: one 201 a round, seven 409 uniqueness."""
    rounds = [unique("raced") for _ in range(5)]
    barrier = threading.Barrier(THREADS, timeout=30)
    body_of = new_user if endpoint == "/Users" else new_group

    def work(index, client):
        statuses = []
        for name in rounds:
            barrier.wait()
            statuses.append(client.send("POST", endpoint, body_of(name)))
        return statuses

    results, exchanges = in_parallel(busy, work)
    assert_no_failures(exchanges, ok=(201, 409))
    attribute = "userName" if endpoint == "/Users" else "displayName"
    for number, name in enumerate(rounds):
        responses = [results[index][number] for index in range(THREADS)]
        assert sorted(r.status for r in responses) == [201] + [409] * (THREADS - 1), responses
        for response in responses:
            if response.status == 409:
                assert_scim_error(response, 409, "uniqueness")
        winner = next(r for r in responses if r.status == 201).json()
        listed = busy.request("GET", f"{endpoint}?filter=" + quote(f'{attribute} eq "{name}"'))
        assert listed.status == 200, listed
        assert [r["id"] for r in listed.json()["Resources"]] == [winner["id"]], listed


def test_racing_puts_of_one_user_store_exactly_one_body(busy):
    """8 complete PUT bodies at once: the stored user is one of them, whole, its version up by 8."""
    base = unique("put")
    created = create(busy, "/Users", complete_user(base, 9))
    path = f"/Users/{created['id']}"
    bodies = [complete_user(base, variant) for variant in range(THREADS)]
    barrier = threading.Barrier(THREADS, timeout=30)

    def work(index, client):
        barrier.wait()
        return client.send("PUT", path, bodies[index])

    responses, exchanges = in_parallel(busy, work)
    assert_no_failures(exchanges, ok=(200,))
    final = busy.request("GET", path)
    assert final.status == 200, final
    stored = writable(final.json())
    candidates = [writable(body) for body in bodies]
    assert stored in candidates, f"stored user is none of the 8 bodies (a mix?): {stored}"
    assert version_of(final.json()) == version_of(created) + THREADS, final
    # Each PUT answers with the resource as its own write left it (RFC 7644 §3.5.1), so the
    # eight ETags are the eight versions it went through, each naming the body that made it.
    answered = sorted((version_of(r.json()), candidates.index(writable(r.json()))
                       if writable(r.json()) in candidates else None) for r in responses)
    assert [version for version, _ in answered] == list(range(version_of(created) + 1,
                                                              version_of(created) + THREADS + 1)), answered
    for response, body in zip(responses, candidates):
        assert writable(response.json()) == body, (
            f"PUT {body['userName']} answered with another write's document: {response!r}")
        assert response.headers["ETag"] == response.json()["meta"]["version"], response


def test_mixed_load_for_five_seconds_never_fails(busy):
    """Creates, PATCHes, filtered GETs and deletes from 8 clients for ~5 s: all succeed, none 5xx or locked."""
    prefix = unique("mix")
    shared = create(busy, "/Groups", new_group(unique("mix-shared")))
    shared_path = f"/Groups/{shared['id']}"
    deadline = time.monotonic() + 5

    def work(index, client):
        rng = random.Random(f"{prefix}-{index}")
        users, groups, in_shared, serial = [], [], set(), 0
        while time.monotonic() < deadline:
            roll = rng.random()
            if roll < 0.2 or not users:
                serial += 1
                response = client.send("POST", "/Users", new_user(f"{prefix}-t{index}-{serial}"))
                if response.status == 201:
                    users.append(response.json()["id"])
            elif roll < 0.3:
                serial += 1
                members = rng.sample(users, min(len(users), 2))
                response = client.send("POST", "/Groups", new_group(f"{prefix}-g{index}-{serial}", members))
                if response.status == 201:
                    groups.append(response.json()["id"])
            elif roll < 0.45:
                fresh = rng.choice(users)
                if client.send("PATCH", shared_path, patch(add_members([fresh]))).status == 204:
                    in_shared.add(fresh)
            elif roll < 0.5 and in_shared:
                gone = rng.choice(sorted(in_shared))
                if client.send("PATCH", shared_path, patch(remove_member(gone))).status == 204:
                    in_shared.discard(gone)
            elif roll < 0.6:
                client.send("PATCH", f"/Users/{rng.choice(users)}", patch(
                    {"op": "replace", "path": "displayName", "value": f"Renamed {serial}"}))
            elif roll < 0.7:
                client.send("GET", "/Users?count=20&filter=" + quote(f'userName sw "{prefix}-t{index}-"'))
            elif roll < 0.75:
                client.send("GET", "/Groups?excludedAttributes=members&filter=" + quote(f'displayName sw "{prefix}-"'))
            elif roll < 0.8:
                client.send("GET", shared_path)
            elif roll < 0.9 and len(users) > 1:
                gone = users.pop(rng.randrange(len(users)))
                if client.send("DELETE", f"/Users/{gone}").status == 204:
                    in_shared.discard(gone)  # a deleted user leaves every group
            elif groups:
                client.send("DELETE", f"/Groups/{groups.pop()}")
        return in_shared

    results, exchanges = in_parallel(busy, work)
    assert len(exchanges) > THREADS * 10, f"only {len(exchanges)} requests in 5 s"
    assert_no_failures(exchanges)
    final = busy.request("GET", shared_path)
    assert final.status == 200, final
    assert {m["value"] for m in final.json().get("members", [])} == set().union(*results)
