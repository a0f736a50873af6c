"""SQLite: how many users and groups each directory shows SCIM, kept by triggers, and a generation
that changes whenever their paging order may have (see store.resources.paging).

An unfiltered page's totalResults was a COUNT over every index entry of the directory (18 ms at
100,000 users), and its OFFSET walked as many. PostgreSQL keeps counting: there a counter row
would serialize every instance's inserts into a directory until each commit.
"""

import peewee

from .base import db

TABLE = "page_count"
# resource -> (table, condition for a row to be visible to SCIM, written for OLD or NEW)
RESOURCES = {"User": ("user", "{row}scim_linked"), "Group": ("group", "1")}


def install():
    """Create the counter table and its triggers and count what is stored (SQLite only; idempotent)."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        return
    db.execute_sql(f'CREATE TABLE IF NOT EXISTS "{TABLE}" (resource TEXT NOT NULL, directory_id INTEGER NOT NULL, '
                   'visible INTEGER NOT NULL, generation INTEGER NOT NULL, PRIMARY KEY (resource, directory_id))')
    for resource, (table, visible) in RESOURCES.items():
        for statement in _triggers(resource, table, visible):
            db.execute_sql(statement)
        db.execute_sql(f'DELETE FROM "{TABLE}" WHERE resource = ?', (resource,))
        db.execute_sql(f'INSERT INTO "{TABLE}" SELECT ?, directory_id, SUM({visible.format(row="")}), random() '
                       f'FROM "{table}" GROUP BY directory_id', (resource,))


def _triggers(resource, table, visible):
    old, new = visible.format(row="OLD."), visible.format(row="NEW.")
    ensure = (f"INSERT OR IGNORE INTO \"{TABLE}\" VALUES ('{resource}', NEW.directory_id, 0, random());")
    change = (f"UPDATE \"{TABLE}\" SET visible = visible {{sign}} 1, generation = random() "
              f"WHERE resource = '{resource}' AND directory_id = {{row}}.directory_id;")
    moved = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in ("directory_id", "created", "id"))
    if resource == "User":
        moved += " OR OLD.scim_linked IS NOT NEW.scim_linked"
    name = f"{TABLE}_{table}"
    return (
        f'CREATE TRIGGER IF NOT EXISTS "{name}_insert" AFTER INSERT ON "{table}" WHEN {new} BEGIN '
        f'{ensure} {change.format(sign="+", row="NEW")} END',
        f'CREATE TRIGGER IF NOT EXISTS "{name}_delete" AFTER DELETE ON "{table}" WHEN {old} BEGIN '
        f'{change.format(sign="-", row="OLD")} END',
        # An update that moves a row in or out of a directory's pages, or within their order: out of the
        # old (when it was visible), into the new (when it is); the generation changes either way.
        f'CREATE TRIGGER IF NOT EXISTS "{name}_update" AFTER UPDATE ON "{table}" WHEN {moved} BEGIN '
        f'{ensure} '
        f"UPDATE \"{TABLE}\" SET visible = visible - ({old}), generation = random() "
        f"WHERE resource = '{resource}' AND directory_id = OLD.directory_id; "
        f"UPDATE \"{TABLE}\" SET visible = visible + ({new}), generation = random() "
        f"WHERE resource = '{resource}' AND directory_id = NEW.directory_id; END",
    )
