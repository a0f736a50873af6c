"""What the reconcile tests share: a reapply through the engine, and the host state it reads."""

from . import host_user


def reapply(client, dry_run=False, **settings):
    """(Result, [Change]) of a reconcile of the client's app."""
    from models import db
    from provisioning import reconcile
    from store.tenancy import apps

    changes = []
    with db.connection_context():
        result = reconcile.run(apps.found(client.app_id), dry_run=dry_run, report=changes.append, **settings)
    return result, changes


def kinds(changes):
    """{(kind, subject, before, after)} of changes."""
    return {(c.kind, c.subject, c.before, c.after) for c in changes}


def host_name(user):
    """A SCIM user's host username now."""
    return host_user(user["id"]).host_username


def set_options(client, **options):
    """Change the app's options as an admin does (store.tenancy.apps, audited as settings events)."""
    from models import db
    from store.tenancy import apps

    with db.connection_context():
        apps.set_options(client.name, options)
