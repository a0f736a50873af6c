"""One simulation: the demo people and groups, phases with progress and pauses, and the tally per step."""

import contextlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from scim.constants import PATCH_OP

from .client import SimulateError

GIVEN = ("Ada", "Grace", "Alan", "Barbara", "Dennis", "Edsger", "Frances", "Guido", "Hedy", "Ivan",
         "Joan", "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Sophie", "Tim", "Vint", "Whitfield")
FAMILY = ("Lovelace", "Hopper", "Turing", "Liskov", "Ritchie", "Dijkstra", "Allen", "Rossum", "Lamarr", "Sutherland",
          "Clarke", "Thompson", "Torvalds", "Hamilton", "Wirth", "Perlman", "Wilson", "Berners-Lee", "Cerf", "Diffie")
RENAMED = 3  # "a few" accounts get a name change
DEACTIVATED_SHARE = 5  # one account in five is deactivated


@dataclass
class Person:
    """A demo user; ``id`` is the server's once the user is created or found."""

    index: int
    user_name: str
    given: str
    family: str
    id: str | None = None

    @property
    def display_name(self):
        """Also the name's ``formatted``: both follow a changed family name."""
        return f"{self.given} {self.family}"

    @property
    def external_id(self):
        """Stable across runs, so that a replay matches what the first run created."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"usersync-simulate:{self.user_name}"))

    def rename(self):
        """A name change on marriage: a double-barrelled family name (idempotent)."""
        other = FAMILY[(self.index + 4) % len(FAMILY)]
        if not self.family.endswith(f"-{other}"):
            self.family = f"{self.family}-{other}"


@dataclass
class Team:
    """A demo group and its members."""

    name: str
    members: list = field(default_factory=list)
    id: str | None = None

    @property
    def external_id(self):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"usersync-simulate:group:{self.name}"))


def number(index, count):
    """index zero-padded to the width of count, at least two digits: 01 … 20, 001 … 300, so names sort in order."""
    return f"{index:0{max(2, len(str(count)))}d}"


def people(prefix, count):
    """``prefix.user01@example.com`` … (``user001`` … from 100 users) with names from computing history."""
    return [Person(i, f"{prefix}.user{number(i, count)}@example.com", GIVEN[(i - 1) % len(GIVEN)],
                   FAMILY[(i - 1 + (i - 1) // len(GIVEN)) % len(FAMILY)]) for i in range(1, count + 1)]


def eq_filter(attribute, value, plus=False):
    """``filter=attribute eq "value"`` percent-encoded: spaces as %20 (Okta, Oracle) or + (Entra)."""
    expression = f'{attribute} eq "{value}"'
    return "filter=" + (quote_plus(expression, safe="") if plus else quote(expression, safe=""))


@contextlib.contextmanager
def no_progress(_label, items):
    yield items


class Run:
    """The state of one simulation; sequences call ``phase`` and the request helpers."""

    def __init__(self, client, users=10, groups=3, prefix="demo", delay=0.0, update="patch", progress=None,
                 sleep=time.sleep):
        self.client = client
        self.prefix, self.delay, self.update = prefix, delay, update
        self.progress = progress or no_progress
        self.sleep = sleep
        self.people = people(prefix, users)
        self.groups = [Team(f"{prefix}-group-{number(g, groups)}", self.people[g - 1::groups])
                       for g in range(1, groups + 1)]
        self.renamed = self.people[:RENAMED]
        self.deactivated = self.people[-max(1, users // DEACTIVATED_SHARE):]
        self.revoked = self.people[0]
        # The member Okta and Entra take out of a group again: the first group's last.
        self.leaver = self.groups[0].members[-1] if self.groups else None
        self.step = None
        self.tally = {}
        self._open = None

    # --- phases -------------------------------------------------------------------------

    def phase(self, step, items):
        """Iterate over items as STEP: its progress bar, its requests counted, a pause after each item."""
        self.tally.setdefault(step, Counter())
        self._open = self._phase(step, list(items))
        return self._open

    def _phase(self, step, items):
        with self.progress(step, items) as bar:
            for item in bar:
                self.step = step
                yield item
                if self.delay:
                    self.sleep(self.delay)

    def close(self):
        """End the phase an error interrupted, so that its progress bar is finished."""
        if self._open is not None:
            self._open.close()
            self._open = None

    def count(self, outcome, amount=1):
        self.tally[self.step][outcome] += amount

    # --- requests -----------------------------------------------------------------------

    def request(self, method, path, body=None, expect=(200,)):
        self.tally[self.step]["requests"] += 1
        return self.client.request(self.step, method, path, body, expect)

    def get(self, path):
        return self.request("GET", path).body

    def put(self, path, body):
        return self.request("PUT", path, body).body

    def patch(self, path, *operations):
        """A PatchOp; 200 with the resource or 204 without one."""
        return self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)},
                            expect=(200, 204)).body

    def delete(self, path):
        self.request("DELETE", path, expect=(204, 200))

    def find(self, query):
        """The first resource a filtered GET lists, or None."""
        resources = self.get(query).get("Resources") or []
        return resources[0] if resources else None

    def create(self, endpoint, body, lookup):
        """POST; on 409 (an earlier run made it) the existing resource, found by ``lookup``.

        Returns (resource, created).
        """
        response = self.request("POST", endpoint, body, expect=(201, 409))
        if response.status == 201:
            return response.body, True
        found = self.find(lookup)
        if found is None:
            raise SimulateError(f"{self.step}: POST {self.client.base_path}{endpoint} answered 409 "
                                f"({response.body.get('detail', 'conflict')}), but GET {lookup} finds nothing: "
                                "the name is taken where this token cannot see it. Try another --prefix.",
                                self.step, method="POST", path=self.client.base_path + endpoint, status=409)
        return found, False

    # --- the whole run ------------------------------------------------------------------

    def play(self, sequence):
        """Run a sequence module's ``play``; the summary, with the failure if one stopped it."""
        started = time.monotonic()
        failures = []
        try:
            sequence.play(self)
        except SimulateError as error:
            failures.append(error.record())
        finally:
            self.close()
            self.client.close()
        steps = {step: dict(counts) for step, counts in self.tally.items()}
        return {"idp": sequence.LABEL, "base_url": self.client.base_url, "prefix": self.prefix,
                "users": len(self.people), "groups": len(self.groups), "steps": steps,
                "requests": sum(counts.get("requests", 0) for counts in steps.values()),
                "failures": failures, "elapsed": round(time.monotonic() - started, 3), "ok": not failures}
