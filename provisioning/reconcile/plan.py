"""What a reconcile will do, or did: each change, and the counts a page or the CLI shows before them."""

from dataclasses import dataclass, field

KINDS = ("rename", "join", "leave", "create-group", "activate", "deactivate", "move", "conflict")


@dataclass(frozen=True)
class Change:
    """One change to one host user or group.

    subject: the host username (a group's name when resource_type is Group); before/after: the host username,
    the host group joined or left, the status, or the directory, as the kind says; detail: why, in an admin's
    words. A conflict says in before/after what was not done (about: rename or move) and in detail who holds it."""

    kind: str
    subject: str
    before: str = None
    after: str = None
    detail: str = ""
    resource_id: str = None
    resource_type: str = "User"
    about: str = None  # a conflict's kind: rename | move

    def as_dict(self):
        """A JSON-ready dict."""
        return {"kind": self.kind, "subject": self.subject, "before": self.before, "after": self.after,
                "detail": self.detail, "resource_type": self.resource_type, "resource_id": self.resource_id,
                "about": self.about}


@dataclass
class Counts:
    """How many changes of each kind; joins and leaves per host group."""

    users: int = 0  # users looked at
    renamed: int = 0
    joins: dict = field(default_factory=dict)
    leaves: dict = field(default_factory=dict)
    groups_created: int = 0
    activated: int = 0
    deactivated: int = 0
    moved: int = 0
    groups_moved: int = 0
    conflicts: int = 0

    def add(self, change):
        """Count one change."""
        if change.kind in ("join", "leave"):
            per_group = self.joins if change.kind == "join" else self.leaves
            name = change.after if change.kind == "join" else change.before
            per_group[name] = per_group.get(name, 0) + 1
        elif change.kind == "move":
            if change.resource_type == "Group":
                self.groups_moved += 1
            else:
                self.moved += 1
        else:
            name = _COUNTED[change.kind]
            setattr(self, name, getattr(self, name) + 1)

    @property
    def changes(self):
        """Every change counted, conflicts aside."""
        return (self.renamed + sum(self.joins.values()) + sum(self.leaves.values()) + self.groups_created
                + self.activated + self.deactivated + self.moved + self.groups_moved)

    def as_dict(self):
        """A JSON-ready dict; joins and leaves by host group name."""
        return {"users": self.users, "renamed": self.renamed, "joins": dict(sorted(self.joins.items())),
                "leaves": dict(sorted(self.leaves.items())), "groups_created": self.groups_created,
                "activated": self.activated, "deactivated": self.deactivated, "moved": self.moved,
                "groups_moved": self.groups_moved, "conflicts": self.conflicts, "changes": self.changes}


_COUNTED = {"rename": "renamed", "create-group": "groups_created", "activate": "activated",
            "deactivate": "deactivated", "conflict": "conflicts"}


@dataclass
class Result:
    """A run: what it counted, in how many batches, and whether it went to the end."""

    app: str
    dry_run: bool
    counts: Counts
    cause: dict = None  # the newest options or app change before the run: id, at, operation, reason
    batches: int = 0
    completed: bool = False

    def as_dict(self):
        """A JSON-ready dict."""
        return {"app": self.app, "dry_run": self.dry_run, "counts": self.counts.as_dict(), "cause": self.cause,
                "batches": self.batches, "completed": self.completed}
