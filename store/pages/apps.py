"""What the list of IdP apps counts: the users each provisioned and the host groups each created."""

from peewee import fn

from models import HostGroup, User


def app_counts():
    """({app id: users it provisioned}, {app id: host groups it created}) for the list of apps.

    SCIM groups belong to a directory, not to the app that pushed them (two apps of one directory share
    them), so the per-app count of groups is of the host groups each app made."""
    users = dict(User.select(User.provisioned_by, fn.COUNT(User.id)).where(User.provisioned_by.is_null(False))
                 .group_by(User.provisioned_by).tuples())
    groups = dict(HostGroup.select(HostGroup.created_by, fn.COUNT(HostGroup.id))
                  .where(HostGroup.created_by.is_null(False)).group_by(HostGroup.created_by).tuples())
    return users, groups


def provisioned_by(app_id):
    """How many users an app provisioned."""
    return User.select().where(User.provisioned_by == app_id).count()
