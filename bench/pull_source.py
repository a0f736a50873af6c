"""The directory `python -m bench.pull` reads: its shape, how it is loaded into a fake, and the 100 changes.

Users are user00000… in creation order. The first half are members of one big group; each other group holds a
few dozen of the users between the half and nine tenths; the last tenth are in no group, so deleting some of
them changes no group. The changes touch disjoint users, none of them the newest, so what an incremental run
must do is known exactly (``expected``).
"""

import random
from dataclasses import dataclass
from datetime import timedelta

RENAMED, UPDATED, DEACTIVATED, DELETED, ADDED, MOVED = 30, 30, 20, 10, 10, 5  # MOVED: joins one group, leaves another
CHANGED_USERS = RENAMED + UPDATED + DEACTIVATED + DELETED + ADDED
# Okta: users and groups are stamped this far apart, so an incremental run's 60-second overlap
# (provisioning.pull.engine.OVERLAP) re-reads only the newest of each.
OKTA_SPACING = timedelta(seconds=61)


@dataclass(frozen=True)
class Shape:
    """How many users and groups, the big group's members, and the others' members each."""

    users: int
    groups: int
    big: int
    small: int

    @classmethod
    def scaled(cls, users):
        """The full shape's proportions at another size (for the memory points)."""
        return cls(users, max(2, users // 50), users // 2, 40)

    @property
    def grouped(self):
        """Users below this index are in a group; the rest in none."""
        return self.users * 9 // 10

    def members(self):
        """Per group, the indexes of its members: the big group first."""
        spread = self.grouped - self.big
        smalls = [[self.big + ((g - 1) * self.small + j) % spread for j in range(self.small)]
                  for g in range(1, self.groups)]
        return [list(range(self.big)), *smalls]

    def changes(self):
        """{change: user indexes}; renamed, updated, deactivated from the grouped users, deleted and moved
        from the ungrouped, never the newest user."""
        picked = random.Random(7).sample(range(self.grouped), RENAMED + UPDATED + DEACTIVATED)
        loose = range(self.grouped, self.users - 1)
        return {"renamed": picked[:RENAMED], "updated": picked[RENAMED:RENAMED + UPDATED],
                "deactivated": picked[RENAMED + UPDATED:], "deleted": list(loose[:DELETED]),
                "joined": list(loose[DELETED:DELETED + MOVED]), "left": list(range(MOVED))}


FULL = Shape(10_000, 200, 5_000, 40)
QUICK = Shape(500, 10, 250, 20)


def expected(kind, shape):
    """{run: counts} the runs after change() must end with: the incremental one, the rerun with nothing
    changed, then a full run."""
    incremental = {"created": ADDED, "updated": RENAMED + UPDATED, "deactivated": DEACTIVATED,
                   "groups_updated": 2}
    full = {"unchanged": shape.users - DELETED + ADDED, "groups_unchanged": shape.groups}
    if kind == "entra":  # Graph's delta lists the deleted users (@removed); on_delete is deactivate: unlinked
        return {"incremental": {**incremental, "unlinked": DELETED}, "unchanged": {}, "full": full}
    # Okta: a deleted user is in no list, so only a full run's sweep notices it; the 60-second overlap
    # re-reads the newest user and group (incremental) and everything changed at once (the rerun).
    return {"incremental": {**incremental, "unchanged": 1, "groups_unchanged": 1},
            "unchanged": {"unchanged": RENAMED + UPDATED + DEACTIVATED + ADDED, "groups_unchanged": 2},
            "full": {**full, "unlinked": DELETED}}


# --- the fake Microsoft Graph (tests/fakes/graph.py) ---------------------------------------------------------

def fill_graph(fake, shape):
    """Users and groups straight into the fake's directory; the users' ids in creation order."""
    ids = [fake.add_user(f"user{n:05d}")["id"] for n in range(shape.users)]
    for number, indexes in enumerate(shape.members()):
        fake.add_group(f"group-{number:03d}", [ids[i] for i in indexes])
    return ids


def change_graph(fake, ids, shape):
    """The 100 user changes and two groups' membership changes, as an admin makes them in Entra ID."""
    changes, groups = shape.changes(), list(fake.groups)
    for i in changes["renamed"]:
        fake.update_user(ids[i], userPrincipalName=f"renamed{i:05d}@{fake.domain}")
    for i in changes["updated"]:
        fake.update_user(ids[i], surname="Changed", displayName=f"User{i:05d} Changed")
    for i in changes["deactivated"]:
        fake.disable(ids[i])
    for i in changes["deleted"]:
        fake.delete_user(ids[i])
    for n in range(ADDED):
        fake.add_user(f"new{n:03d}")
    fake.add_members(groups[1], [ids[i] for i in changes["joined"]])
    for i in changes["left"]:
        fake.remove_member(groups[0], ids[i])


# --- the fake Okta org (tests/fakes/okta.py) ------------------------------------------------------------------

def fill_okta(org, shape):
    """Users stamped OKTA_SPACING apart, then the groups (the big one first, so the oldest); the users' ids."""
    start, ids = org.now, []
    for n in range(shape.users):
        org.set_time(start + n * OKTA_SPACING)
        ids.append(org.add_user(f"user{n:05d}@example.com")["id"])
    after = org.now
    for number, indexes in enumerate(shape.members()):
        org.set_time(after + (number + 1) * OKTA_SPACING)
        org.add_group(f"group-{number:03d}", [ids[i] for i in indexes])
    return ids


def change_okta(org, ids, shape):
    """The same changes a day later, as an admin makes them in the Okta Admin Console."""
    changes, groups = shape.changes(), list(org.groups)
    org.advance(days=1)
    for i in changes["renamed"]:
        org.update_user(ids[i], login=f"renamed{i:05d}@example.com", email=f"renamed{i:05d}@example.com")
    for i in changes["updated"]:
        org.update_user(ids[i], lastName="Changed")
    for i in changes["deactivated"]:
        org.deactivate(ids[i])
    for i in changes["deleted"]:
        org.delete_user(ids[i])
    for n in range(ADDED):
        org.add_user(f"new{n:03d}@example.com")
    for i in changes["joined"]:
        org.add_member(groups[1], ids[i])
    for i in changes["left"]:
        org.remove_member(groups[0], ids[i])
