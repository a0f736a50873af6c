"""Provisioning options proved through SCIM HTTP requests; what the modules share.

Each module covers one option family, on and off, and reads the host side (the host user,
its host groups, the audit trail) straight from the store. ``make_app`` gives each IdP app
its own token, options and (optionally) its own directory.
"""

import uuid

from tests.conftest import ScimClient

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
DEFAULT_HOST_GROUP = "confluence-users"  # seeded in the default directory (models/migrations.py)


class AppClient(ScimClient):
    """A SCIM client speaking as one IdP app; .record is the IdpApp row, re-read on each use."""

    def __init__(self, flask_app, record, token):
        super().__init__(flask_app.test_client(), token)
        self.flask_app = flask_app
        self.app_id = record.id
        self.name = record.name
        self.directory_id = record.directory_id

    @property
    def record(self):
        from models import IdpApp, db

        with db.connection_context():
            return IdpApp.get_by_id(self.app_id)

    def configure(self, **options):
        """Change this app's options as the admin would (validated as a whole, stored as JSON)."""
        from models import IdpApp, db
        from rules import options as provisioning_options

        with db.connection_context():
            row = IdpApp.get_by_id(self.app_id)
            new = provisioning_options.merged(provisioning_options.load(row.options), options)
            IdpApp.update(options=provisioning_options.dumps(new)).where(IdpApp.id == self.app_id).execute()


def make_app(app, name=None, provider="oracle", directory=None, **options):
    """A new IdP app (in directory, a name created on demand; default: the first) with these options."""
    from models import db
    from store.tenancy import apps, directories

    with db.connection_context():
        if directory is not None and directories.find(directory) is None:
            directories.create(directory)
        record, token = apps.create(name or f"{provider} {uuid.uuid4().hex[:6]}", provider, directory=directory)
    client = AppClient(app, record, token)
    if options:
        client.configure(**options)
    return client


def user_doc(name, **extra):
    """A minimal IdP user, with one work email."""
    return {"schemas": [USER], "userName": name, "displayName": name.split("@")[0].title(),
            "emails": [{"value": f"{name.split('@')[0]}@example.com", "type": "work", "primary": True}], **extra}


def group_doc(name, *member_ids):
    return {"schemas": [GROUP], "displayName": name, "members": [{"value": mid} for mid in member_ids]}


def patch_body(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def created(response):
    """The body of a 201."""
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def ok(response, status=200):
    """The body of a response with this status (None for a 204)."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(silent=True)


def create_user(client, name, **extra):
    return created(client.post("/Users", json=user_doc(name, **extra)))


def create_group(client, name, *member_ids):
    return created(client.post("/Groups", json=group_doc(name, *member_ids)))


def host_user(user_id):
    """The host user row (SCIM-visible or not), or None."""
    from models import User, db

    with db.connection_context():
        return User.get_or_none(User.id == user_id)


def host_user_named(directory_id, host_username):
    """The host user with this host username in a directory, or None."""
    from models import User, db

    with db.connection_context():
        return User.get_or_none((User.directory == directory_id)
                                & (User.host_username_lower == host_username.lower()))


def count_users(directory_id=None):
    from models import User, db

    with db.connection_context():
        query = User.select()
        if directory_id is not None:
            query = query.where(User.directory == directory_id)
        return query.count()


def host_memberships(user_id):
    """{host group name: (source app id, reason)} of a user."""
    from models import HostGroup, HostMembership, db

    with db.connection_context():
        query = (HostMembership.select(HostGroup.name, HostMembership.source_app, HostMembership.reason)
                 .join(HostGroup).where(HostMembership.user == user_id).tuples())
        return {name: (source, reason) for name, source, reason in query}


def host_groups(user_id):
    """The sorted names of a user's host groups."""
    return sorted(host_memberships(user_id))


def host_group_names(directory_id):
    """The sorted names of the host groups in a directory."""
    from models import HostGroup, db

    with db.connection_context():
        return sorted(g.name for g in HostGroup.select().where(HostGroup.directory == directory_id))


def add_manual_membership(directory_id, user_id, group_name):
    """An admin's own host membership (source_app None, reason manual), creating the group if missing."""
    from models import HostGroup, HostMembership, db

    with db.connection_context():
        group = HostGroup.get_or_none((HostGroup.directory == directory_id)
                                      & (HostGroup.name_lower == group_name.lower()))
        if group is None:
            group = HostGroup.create(directory=directory_id, name=group_name, name_lower=group_name.lower())
        HostMembership.create(group=group, user=user_id, source_app=None, reason="manual")


def audit_events(client, subject=None, outcome=None, operation=None):
    """(operation, outcome, reason) of this app's audit events, oldest first (settings changes and the
    connection its first request made aside)."""
    from models import db
    from store.trail import audit

    with db.connection_context():
        events = audit.query(app=client.record, subject=subject, outcome=outcome, operation=operation, limit=None)
    return [(e.operation, e.outcome, e.reason) for e in reversed(events)
            if e.operation not in ("settings", "connect")]


def reasons(client, **filters):
    """The reasons of audit_events, oldest first."""
    return [reason for _, _, reason in audit_events(client, **filters)]
