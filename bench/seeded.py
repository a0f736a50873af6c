"""What one SCIM server under test holds, as far as the workloads need to know, and how it is grown."""

import itertools
from dataclasses import dataclass, field

from . import seed
from .client import Session


@dataclass
class SeededStore:
    """The users and groups seeded into one SCIM server (usersync or the peer)."""

    server: object  # servers.Server
    base: list = field(default_factory=list)  # [(id, userName)]: the small store, and the clone templates
    users: list = field(default_factory=list)  # every seeded user still there, base first
    groups: dict = field(default_factory=dict)  # tier name -> (group id, member count)
    spares: list = field(default_factory=list)  # users in no group, one per connection, for member add/remove
    members_added: dict = field(default_factory=dict)  # (tier, worker) -> whether its spare is a member now
    pool: object = None  # an iterator of user ids DELETE may consume
    rates: dict = field(default_factory=dict)  # workload key -> the last load rate, to size the next pool
    names: object = field(default_factory=itertools.count)  # numbers for new userNames

    @property
    def name(self):
        return self.server.name

    @property
    def session(self):
        return Session(self.server.target)

    def new_users(self, tag, count):
        """Add count users tagged tag: over /Bulk at first, then the fast way (seed.py says why)."""
        names = [seed.user_name(tag, next(self.names)) for _ in range(count)]
        url = self.server.env.get("USERSYNC_DATABASE_URL", "")
        if not self.base:
            return seed.bulk_users(self.session, names)
        if self.name == "peer":
            return seed.direct_users(self.session, names)
        if url.startswith("sqlite:///"):
            return seed.clone_users(url, self.base, names)
        return seed.bulk_users(self.session, names)

    def ensure_base(self, size):
        """The small store: size users created over /Bulk, the real write path."""
        if not self.base:
            self.base = self.new_users("base", size)
            self.users = list(self.base)

    def ensure_users(self, count):
        """At least count seeded users."""
        if len(self.users) < count:
            self.users += self.new_users("more", count - len(self.users))

    def ensure_total(self, total):
        """At least total users listed by the server (seeded, created by workloads, or grown now)."""
        missing = total - seed.total_users(self.session)
        if missing > 0:
            self.users += self.new_users("big", missing)

    def ensure_groups(self, tiers, spares):
        """One group per tier {name: member count}, members from the first users; spares in none."""
        largest = max(tiers.values())
        self.ensure_users(largest + spares)
        self.spares = self.users[-spares:]
        for tier, size in tiers.items():
            if tier not in self.groups:
                member_ids = [uid for uid, _ in self.users[:size]]
                self.groups[tier] = (seed.create_group(self.session, f"bench-{tier}-{size}", member_ids), size)

    def fill_pool(self, count):
        """count fresh users for DELETE to consume."""
        self.pool = iter([uid for uid, _ in self.new_users("del", count)])
