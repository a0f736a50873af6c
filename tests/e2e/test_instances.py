"""Several instances on one store: two `usersync serve` processes on one PostgreSQL database with one IdP
app, as behind a load balancer. Eight clients alternate between them, request by request, and write at
once (racing creates, member adds and removes, racing PUTs, members deleted through one instance while
the other writes their group): exact results, no member lost or left behind, and both instances answer
the same afterwards. Instances that start together on an empty store (either backend) all come up,
the store migrated and seeded once."""

import json
import random
import re
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest

from tests.conftest import separate_database_url
from tests.postgres import DATABASES

from .bodies import (
    add_members,
    complete_user,
    new_group,
    new_user,
    patch,
    remove_member,
    unique,
    version_of,
    writable,
)
from .conftest import REPO, Server, assert_scim_error

pytestmark = pytest.mark.e2e
postgres_only = pytest.mark.skipif(
    not DATABASES, reason="instances share a store on PostgreSQL: needs USERSYNC_TEST_DATABASE_URL")

THREADS = 8
JOIN_TIMEOUT = 90
PATCHED = (200, 204)  # a PATCH applied: with the resource, or without a body


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two instances on one database, with one app created through the first: its token works on both."""
    url = separate_database_url(tmp_path_factory.mktemp("instances"))
    instances = [Server(tmp_path_factory.mktemp(f"instance-{n}"), threads=THREADS, database_url=url) for n in (1, 2)]
    try:
        instances[0].start(app_name="shared")
        instances[1].app = instances[0].app
        instances[1].serve()
    except BaseException:
        stop_all(instances)
        raise
    yield instances
    codes = [instance.stop() for instance in instances]
    assert codes == [0, 0], "\n".join(instance.stderr_text() for instance in instances)
    for instance in instances:
        assert "Traceback" not in instance.stderr_text(), instance.stderr_text()


def stop_all(instances):
    """Kill whichever of the instances were started (a fixture or test that failed half-way)."""
    for instance in instances:
        if instance.process is not None:
            instance.kill()


def relative(value, base_url):
    """A document with the answering instance's base URL (in meta.location, members' $ref) taken out."""
    if isinstance(value, list):
        return [relative(item, base_url) for item in value]
    if isinstance(value, dict):
        return {key: relative(item, base_url) for key, item in value.items()}
    return value.replace(base_url, "") if isinstance(value, str) else value


class Client:
    """One client thread: a keep-alive connection to each instance, used in turn, request by request."""

    def __init__(self, instances, index):
        self.instances = instances
        self.conns = [instance.connection(timeout=30) for instance in instances]
        self.turn = index % len(instances)  # half the clients start on each instance
        self.exchanges = []  # (instance number, method, path, body, Response)

    def send(self, method, path, body=None):
        number = self.turn
        self.turn = (self.turn + 1) % len(self.instances)
        response = self.instances[number].request(method, path, body, conn=self.conns[number])
        self.exchanges.append((number, method, path, body, response))
        return response

    def close(self):
        for conn in self.conns:
            conn.close()


def in_parallel(instances, work):
    """work(index, client) on THREADS threads; (results, every exchange)."""
    results, clients, failures = [None] * THREADS, [None] * THREADS, []

    def run(index):
        clients[index] = client = Client(instances, index)
        try:
            results[index] = work(index, client)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the test's thread below)
            failures.append((index, exc))
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    if failures:
        index, exc = failures[0]
        raise AssertionError(f"client thread {index} failed: {exc!r}") from exc
    exchanges = [exchange for client in clients for exchange in client.exchanges]
    assert {number for number, *_ in exchanges} == {0, 1}, "both instances must have served"
    return results, exchanges


def assert_no_failures(exchanges, ok):
    bad = [exchange for exchange in exchanges if exchange[4].status not in ok]
    assert not bad, f"{len(bad)} of {len(exchanges)} exchanges failed, first ones:\n" + "\n".join(
        f"instance {number + 1}: {method} {path} {body!r}\n  -> {response!r}"
        for number, method, path, body, response in bad[:5])


def create(instance, path, body):
    response = instance.request("POST", path, body)
    assert response.status == 201, response
    return response.json()


def both_answer_alike(instances, path):
    """GET path on each instance: 200 from both, and the same document but for their own URLs; that document."""
    answers = [instance.request("GET", path) for instance in instances]
    assert [answer.status for answer in answers] == [200, 200], answers
    first, second = (relative(answer.json(), instance.base_url) for answer, instance in zip(answers, instances))
    assert first == second, f"the instances disagree on {path}:\n{first}\n{second}"
    return first


@postgres_only
@pytest.mark.parametrize("endpoint", ["/Users", "/Groups"])
def test_racing_creates_of_one_name_on_both_instances_make_exactly_one(pair, endpoint):
    """8 clients POST one name at the same instant, half to each instance, 5 rounds: one 201, seven 409."""
    rounds = [unique("raced") for _ in range(5)]
    barrier = threading.Barrier(THREADS, timeout=30)
    body_of = new_user if endpoint == "/Users" else new_group

    def work(_index, client):
        statuses = []
        for name in rounds:
            barrier.wait()
            statuses.append(client.send("POST", endpoint, body_of(name)))
        return statuses

    results, exchanges = in_parallel(pair, work)
    assert_no_failures(exchanges, ok=(201, 409))
    attribute = "userName" if endpoint == "/Users" else "displayName"
    for number, name in enumerate(rounds):
        responses = [results[index][number] for index in range(THREADS)]
        assert sorted(r.status for r in responses) == [201] + [409] * (THREADS - 1), responses
        for response in responses:
            if response.status == 409:
                assert_scim_error(response, 409, "uniqueness")
        winner = next(r for r in responses if r.status == 201).json()
        listed = both_answer_alike(pair, f"{endpoint}?filter=" + quote(f'{attribute} eq "{name}"'))
        assert [r["id"] for r in listed["Resources"]] == [winner["id"]], listed


@postgres_only
def test_members_added_and_removed_through_both_instances_are_exactly_kept(pair):
    """8 clients x 30 PATCHes of one group, alternating instances: each adds its own users (and one
    user everyone adds) and removes only what it added; the group ends with exactly what they kept,
    and each user's groups agree, on both instances."""
    prefix = unique("members")
    pools = {index: [create(pair[index % 2], "/Users", new_user(f"{prefix}-t{index}-{n}"))["id"] for n in range(10)]
             for index in range(THREADS)}
    shared = create(pair[0], "/Users", new_user(f"{prefix}-shared"))["id"]
    group = create(pair[1], "/Groups", new_group(unique("contended")))
    path = f"/Groups/{group['id']}"

    def work(index, client):
        rng = random.Random(f"{prefix}-{index}")
        pool, kept, added_shared = pools[index], set(), False
        for _ in range(30):
            roll = rng.random()
            if kept and roll < 0.3:
                gone = rng.choice(sorted(kept))
                operations = [remove_member(gone)]
            elif kept and roll < 0.4:
                gone, fresh = rng.choice(sorted(kept)), rng.choice(pool)
                operations = [remove_member(gone), add_members([fresh])]  # one PatchOp: all or nothing
            else:
                fresh = rng.sample(pool, rng.randint(1, 3))
                if rng.random() < 0.3:
                    fresh.append(shared)
                    added_shared = True
                operations = [add_members(fresh)]
            if client.send("PATCH", path, patch(*operations)).status not in PATCHED:
                continue  # reported by assert_no_failures
            for operation in operations:
                if operation["op"] == "add":
                    kept |= {entry["value"] for entry in operation["value"]} - {shared}
                else:
                    kept.discard(re.search(r'"(.+)"', operation["path"]).group(1))
        return kept, added_shared

    results, exchanges = in_parallel(pair, work)
    assert len(exchanges) == THREADS * 30
    assert_no_failures(exchanges, ok=PATCHED)
    expected = set().union(*(kept for kept, _ in results)) | ({shared} if any(s for _, s in results) else set())

    final = both_answer_alike(pair, path)
    members = [entry["value"] for entry in final.get("members", [])]
    assert len(members) == len(set(members)), f"a member listed twice: {members}"
    assert set(members) == expected, (f"lost {sorted(expected - set(members))}, "
                                      f"unexpected {sorted(set(members) - expected)}")
    listed = both_answer_alike(pair, "/Users?count=200&filter=" + quote(f'userName sw "{prefix}-"'))
    assert listed["totalResults"] == THREADS * 10 + 1, listed
    in_group = {user["id"] for user in listed["Resources"]
                if any(g["value"] == group["id"] for g in user.get("groups", []))}
    assert in_group == expected


@postgres_only
def test_a_user_deleted_through_one_instance_while_the_other_adds_it_to_a_group_is_not_left_in_it(pair):
    """Four pairs of clients, ten rounds: at the same instant one client adds a user to a shared group
    through one instance and its partner deletes that user through the other. The add succeeds (and the
    delete then takes the user out of the group) or is a 400 invalidValue (the user was already gone);
    the delete is a 204; the group ends with none of those users, and with every other member it had."""
    prefix, rounds = unique("leavers"), 10
    keepers = [create(pair[n % 2], "/Users", new_user(f"{prefix}-keeper-{n}"))["id"] for n in range(4)]
    group = create(pair[0], "/Groups", new_group(unique("leaving"), keepers))
    path = f"/Groups/{group['id']}"
    victims = [[create(pair[n % 2], "/Users", new_user(f"{prefix}-p{pair_number}-{n}"))["id"] for n in range(rounds)]
               for pair_number in range(THREADS // 2)]
    barrier = threading.Barrier(THREADS, timeout=30)

    def work(index, client):
        pair_number, deleter = divmod(index, 2)  # partners start on different instances, and stay so
        for victim in victims[pair_number]:
            barrier.wait()
            if deleter:
                client.send("DELETE", f"/Users/{victim}")
            else:
                client.send("PATCH", path, patch(add_members([victim])))

    _, exchanges = in_parallel(pair, work)
    too_late = [exchange for exchange in exchanges if exchange[1] == "PATCH" and exchange[4].status == 400]
    for *_, response in too_late:
        assert_scim_error(response, 400, "invalidValue")
    assert_no_failures([exchange for exchange in exchanges if exchange not in too_late], ok=(200, 204))
    final = both_answer_alike(pair, path)
    members = {entry["value"] for entry in final.get("members", [])}
    left = members & {victim for batch in victims for victim in batch}
    assert not left, f"{len(left)} deleted user(s) still members of the group: {sorted(left)[:5]}"
    assert members == set(keepers)
    for batch in victims:
        assert [instance.request("GET", f"/Users/{batch[0]}").status for instance in pair] == [404, 404]


@postgres_only
def test_a_group_renamed_through_one_instance_while_a_member_is_deleted_through_the_other(pair):
    """Four pairs of clients, ten rounds, a group each: at the same instant one client renames its group
    through one instance while its partner deletes a member of it through the other. Both succeed (the
    rename does not trip over the member that left), and each group ends renamed, without the members
    deleted and with the one that stayed."""
    prefix, rounds = unique("renamed"), 10
    stayer = create(pair[0], "/Users", new_user(f"{prefix}-stayer"))["id"]
    victims = [[create(pair[n % 2], "/Users", new_user(f"{prefix}-p{pair_number}-{n}"))["id"] for n in range(rounds)]
               for pair_number in range(THREADS // 2)]
    groups = [create(pair[1], "/Groups", new_group(f"{prefix}-g{pair_number}", [stayer, *batch]))["id"]
              for pair_number, batch in enumerate(victims)]
    barrier = threading.Barrier(THREADS, timeout=30)

    def work(index, client):
        pair_number, deleter = divmod(index, 2)
        for number, victim in enumerate(victims[pair_number]):
            barrier.wait()
            if deleter:
                client.send("DELETE", f"/Users/{victim}")
            else:
                client.send("PATCH", f"/Groups/{groups[pair_number]}", patch(
                    {"op": "replace", "path": "displayName", "value": f"{prefix}-g{pair_number}-r{number}"}))

    _, exchanges = in_parallel(pair, work)
    assert_no_failures(exchanges, ok=(200, 204))
    for pair_number, group in enumerate(groups):
        final = both_answer_alike(pair, f"/Groups/{group}")
        assert final["displayName"] == f"{prefix}-g{pair_number}-r{rounds - 1}"
        assert [entry["value"] for entry in final.get("members", [])] == [stayer]


@postgres_only
def test_racing_puts_of_one_user_on_both_instances_store_one_complete_body(pair):
    """8 complete PUT bodies at once, half through each instance, 3 rounds: the stored user is one of
    them, whole, its version up by 8 a round, each PUT answered with its own write."""
    base = unique("put")
    created = create(pair[0], "/Users", complete_user(base, 9))
    path = f"/Users/{created['id']}"
    version = version_of(created)
    for round_number in range(3):
        bodies = [complete_user(f"{base}-r{round_number}", variant) for variant in range(THREADS)]
        barrier = threading.Barrier(THREADS, timeout=30)

        def work(index, client, bodies=bodies, barrier=barrier):
            barrier.wait()
            return client.send("PUT", path, bodies[index])

        responses, exchanges = in_parallel(pair, work)
        assert_no_failures(exchanges, ok=(200,))
        candidates = [writable(body) for body in bodies]
        for response, body in zip(responses, candidates):
            assert writable(response.json()) == body, f"a PUT answered with another write's document: {response!r}"
        assert sorted(version_of(r.json()) for r in responses) == list(range(version + 1, version + THREADS + 1))
        final = both_answer_alike(pair, path)
        assert writable(final) in candidates, f"the stored user is none of the 8 bodies (a mix?): {final}"
        version += THREADS
        assert version_of(final) == version, final


MIGRATE_AT = """
import sys, time
from models import Directory, db, init_db, migrate
init_db(sys.argv[1])
while time.time() < float(sys.argv[2]):
    pass
with db.connection_context():
    migrate()
    print(Directory.select().count())
"""


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=postgres_only)])
def test_instances_starting_together_on_an_empty_store_migrate_it_once(tmp_path, backend):
    """Six processes run the start-up migration of one empty store at the same instant: all succeed,
    and the store is seeded once."""
    url = separate_database_url(tmp_path) if backend == "postgresql" else f"sqlite:///{tmp_path / 'usersync.db'}"
    at = time.time() + 2  # past every process's imports
    processes = [subprocess.Popen([sys.executable, "-c", MIGRATE_AT, url, str(at)], cwd=REPO, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    outcomes = [process.communicate(timeout=60) for process in processes]
    failed = [err for process, (_, err) in zip(processes, outcomes) if process.returncode]
    assert not failed, f"{len(failed)} of 6 failed to migrate, the first:\n{failed[0]}"
    assert [out.strip() for out, _ in outcomes] == ["1"] * 6


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=postgres_only)])
def test_two_instances_starting_together_on_an_empty_store_both_come_up(tmp_path, backend):
    """Two `usersync serve` started at once on a store that does not exist yet: both serve, one admin
    account and one default directory are made, and an app created afterwards works on both."""
    url = separate_database_url(tmp_path) if backend == "postgresql" else f"sqlite:///{tmp_path / 'usersync.db'}"
    instances = [Server(tmp_path / f"instance-{n}", database_url=url) for n in (1, 2)]
    try:
        for instance in instances:
            instance.workdir.mkdir()
            instance.serve(wait=False)
        for instance in instances:
            instance.wait_until_ready()
        created = instances[0].cli_here("apps", "create", "--name", "late", "--provider", "okta", "--json")
        assert created.returncode == 0, created.stderr
        for instance in instances:
            instance.app = json.loads(created.stdout)
            assert instance.request("GET", "/Users").status == 200
        listed = instances[1].cli_here("directories", "list", "--json")
        assert len(json.loads(listed.stdout)) == 1, listed.stdout
    finally:
        stop_all(instances)
