"""Pulling from an IdP, proved against a real SCIM 2.0 server (tests/idp_source.py): what the host ends with,
and what the audit trail says. ``Puller`` is one REST API app pulling from that IdP; helpers read the host."""

import uuid

PAGE_SIZE = 2  # small pages: every listing of a few users has several, so checkpoints and resumes happen


class Puller:
    """An IdP app (sync method REST API) whose source is the test IdP (or ``source``, any sync source, its kind
    the app's provider); run() pulls once, to the end."""

    def __init__(self, flask_app, idp, name=None, page_size=PAGE_SIZE, source=None, **options):
        from models import db
        from store.pull import sources
        from store.tenancy import apps, secrets

        self.flask_app, self.idp, self.page_size = flask_app, idp, page_size
        self.key = secrets.key_from(flask_app.config)
        with db.connection_context():
            source = source or idp.oracle_source()
            prefix = "IDCS" if source.kind == "oracle" else source.kind
            record, _ = apps.create(name or f"{prefix} {uuid.uuid4().hex[:6]}", source.kind, method="rest")
            if options:
                apps.set_options(record.name, options)
        self.app_id, self.name, self.directory_id = record.id, record.name, record.directory_id
        self.configure_source(source)

    def configure_source(self, source):
        """Point the app at this source (settings and secret), as the Synchronization page's Save does."""
        from models import db
        from store.pull import sources

        with db.connection_context():
            sources.configure(self.app_id, source.kind, {k: v for k, v in source.to_dict().items() if k != "kind"},
                              source.secrets(), self.key)
        self.start = self.last_event()

    def client(self, source):
        """The source's client a run reads with: small pages, and retries without waiting."""
        return source.client(page_size=self.page_size, retries=1, sleep=lambda _seconds: None)

    def run(self, full=False, **options):
        """Request a run and run it here; its status() dict."""
        from models import db
        from provisioning.pull import engine
        from store.pull import runs

        with db.connection_context():
            run_id = runs.request(self.app_id, full=full)
            engine.run(self.app_id, run_id, self.key, self.client, **options)
            return runs.status(run_id)

    def configure(self, **options):
        from models import db
        from store.tenancy import apps

        with db.connection_context():
            apps.set_options(self.name, options)
        self.start = self.last_event()

    # --- the host, as the store has it ------------------------------------------------------------

    def users(self):
        """{host username: (IdP userName, active, linked to SCIM)} of the app's directory."""
        from models import User, db

        with db.connection_context():
            return {u.host_username: (u.user_name, u.active, u.scim_linked)
                    for u in User.select().where(User.directory == self.directory_id)}

    def groups(self):
        """{SCIM group displayName: sorted member host usernames}."""
        from models import Group, Membership, User, db

        with db.connection_context():
            result = {g.display_name: [] for g in Group.select().where(Group.directory == self.directory_id)}
            query = (Membership.select(Group.display_name, User.host_username).join(Group)
                     .switch(Membership).join(User, on=(Membership.member_id == User.id))
                     .where(Group.directory == self.directory_id).tuples())
            for name, user in query:
                result[name].append(user)
        return {name: sorted(members) for name, members in result.items()}

    def host_groups(self):
        """{host group name: sorted member host usernames} of the directory, empty groups included."""
        from models import HostGroup, HostMembership, User, db

        with db.connection_context():
            result = {g.name: [] for g in HostGroup.select().where(HostGroup.directory == self.directory_id)}
            query = (HostMembership.select(HostGroup.name, User.host_username).join(HostGroup)
                     .switch(HostMembership).join(User).where(HostGroup.directory == self.directory_id).tuples())
            for name, user in query:
                result[name].append(user)
        return {name: sorted(members) for name, members in result.items()}

    # --- the audit trail ------------------------------------------------------------------------------

    def last_event(self):
        from models import AuditEvent, db

        with db.connection_context():
            return AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar() or 0

    def events(self):
        """(operation, outcome, reason) of the app's audit events since the last call (or since it was made)."""
        from models import AuditEvent, db

        with db.connection_context():
            rows = list(AuditEvent.select().where((AuditEvent.id > self.start) & (AuditEvent.app == self.app_id))
                        .order_by(AuditEvent.id))
        if rows:
            self.start = rows[-1].id
        return [(e.operation, e.outcome, e.reason) for e in rows]


def closing(puller, run_id, mode, counts, failed=None, ended="failed"):
    """The audit event that ends run run_id: 'pull sync #N from <source> (mode): counts', or, when it failed
    (ended: "failed" or "was interrupted"), '… (mode) failed: why. Done before it stopped: counts.'."""
    source = f"Oracle identity domain {puller.idp.url} (client ID {puller.idp.client_id})"
    head = f"pull sync #{run_id} from {source} ({mode})"
    if failed is not None:
        done = f" Done before it stopped: {counts}." if counts else ""
        return ("pull-sync", "failed", f"{head} {ended}: {failed}{done}")
    return ("pull-sync", "applied", f"{head}: {counts}")


def settled(events):
    """Events with each run of host-membership lines sorted: a group write adds its members in no set order."""
    result, run = [], []
    for event in events + [None]:
        if event is not None and event[0] == "host-membership":
            run.append(event)
            continue
        result += sorted(run)
        run = []
        if event is not None:
            result.append(event)
    return result


def idp_order(idp, resource, attribute):
    """The values of attribute of the IdP's resources, in the order its listings give them (by id)."""
    return [r[attribute] for r in idp.get(f"/{resource}?count=1000")["Resources"]]


def created_events(user_names, groups):
    """The audit trail of a first pull: each user created, then each group {name: members} with its host group."""
    events = [("create-user", "applied", f"created host user '{name}'") for name in user_names]
    for group, members in groups.items():
        events += [("create-group", "applied", f"created SCIM group with {len(members)} member(s); "
                                               f"maps to host group(s) '{group}'"),
                   ("host-group", "applied", f"created host group '{group}' on the fly")]
        events += [("host-membership", "applied", f"{m} added to host group '{group}' (IdP group '{group}')")
                   for m in members]
    return events


def assert_state(puller, host, groups, host_groups):
    """The host's users, SCIM groups and host groups are exactly these."""
    assert puller.users() == host
    assert puller.groups() == groups
    assert puller.host_groups() == host_groups


def commits_by_phase(monkeypatch):
    """A list that gets the cursor's phase each time a pull commits a batch; batches are allowed a minute, so only
    the engine's own commit points (before a request to the source, at a page's end) end one."""
    from provisioning.pull.state import Pull

    commits, settle = [], Pull.settle

    def counted(pull, now=False):
        before = pull._batch
        settle(pull, now)
        if before is not None and pull._batch is None:
            commits.append(pull.cursor.phase)

    monkeypatch.setattr(Pull, "settle", counted)
    monkeypatch.setattr("provisioning.pull.state.BATCH_SECONDS", 60.0)
    return commits
