"""Migration 7: the IdP's last-sent active beside the host's, backfilled from the host's."""

from models import Directory, User, db, migrate
from models.migrations import MIGRATIONS, SchemaVersion

from .test_migrations import _columns, _foreign_keys, _indexes


def test_a_version_6_store_gets_idp_active_backfilled_from_active(store_db):
    fresh = (_columns(), _indexes(), _foreign_keys())
    directory = Directory.select().first()
    for name, active in (("on", True), ("off", False), ("unset", None)):
        User.create(directory=directory, user_name=name, user_name_lower=name, host_username=name,
                    host_username_lower=name, active=active)
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "idp_active"')
    SchemaVersion.delete().where(SchemaVersion.version >= 7).execute()
    migrate()
    assert (_columns(), _indexes(), _foreign_keys()) == fresh
    assert dict(User.select(User.user_name, User.idp_active).tuples()) == {"on": True, "off": False, "unset": None}
    assert {row.version for row in SchemaVersion.select()} == {number for number, _ in MIGRATIONS}
