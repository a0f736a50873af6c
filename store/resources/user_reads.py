"""Users read with their multi-valued attributes and groups in one statement per page.

A GET by id read a user in three statements (its row, its values, its groups), and on SQLite every
statement hands the GIL over several times; here each user row carries two JSON arrays built by
correlated subqueries (SQLite json_group_array over an ordered subquery, PostgreSQL json_agg ... ORDER BY).
"""

import peewee

from models import Group, Membership, User, UserValue, db
from store import sql
from store.sql import instances_of, records_of

_SELECTS = {}  # database class -> the select list (see select_list)


def select_list():
    """A user's columns in sorted_fields order, then its values and its groups as JSON arrays."""
    key = type(db.obj)
    found = _SELECTS.get(key)
    if found is None:
        sqlite = isinstance(db.obj, peewee.SqliteDatabase)
        extras = (_sqlite_extras if sqlite else _postgres_extras)()
        found = _SELECTS[key] = sql.packed_columns(f"{_names(User, 't1')}, {extras}")
    return found


def split(rows, instances=False):
    """[(user, value records, [(group id, displayName)])] of rows selected by select_list; each user a
    read-only record, or with instances a User model instance (for a write)."""
    users = (instances_of if instances else records_of)(User, [row[:-2] for row in rows])
    return [(user, records_of(UserValue, row[-2]), [tuple(group) for group in row[-1]])
            for user, row in zip(users, rows)]


def _names(model, alias):
    return ", ".join(f'"{alias}"."{field.column_name}"' for field in model._meta.sorted_fields)


def _tables():
    return (UserValue._meta.table_name, UserValue.user.column_name, UserValue.attribute.column_name,
            UserValue.position.column_name, Membership._meta.table_name, Membership.group.column_name,
            Membership.member_id.column_name, Group._meta.table_name, Group.display_name.column_name)


def _sqlite_extras():
    """The JSON is built in the aggregate from the ordered subquery's plain columns: SQLite never
    flattens an ORDER BY subquery into an aggregate, so the order holds, and a JSON value (unlike
    a scalar subquery's) would lose its JSON type crossing the subquery's columns."""
    values, user_fk, attribute, position, memberships, group_fk, member, groups, display = _tables()
    value_columns = ", ".join(f'"{field.column_name}"' for field in UserValue._meta.sorted_fields)
    return (f'(SELECT json_group_array(json_array({value_columns})) FROM (SELECT {_names(UserValue, "v1")} '
            f'FROM "{values}" AS "v1" WHERE "v1"."{user_fk}" = "t1"."id" '
            f'ORDER BY "v1"."{attribute}", "v1"."{position}")), '
            f'(SELECT json_group_array(json_array("id", "{display}")) FROM (SELECT "g1"."id", "g1"."{display}" '
            f'FROM "{memberships}" AS "m1" JOIN "{groups}" AS "g1" ON "m1"."{group_fk}" = "g1"."id" '
            f'WHERE "m1"."{member}" = "t1"."id" ORDER BY "g1"."{display}"))')


def _postgres_extras():
    """psycopg2 reads json columns as Python lists."""
    values, user_fk, attribute, position, memberships, group_fk, member, groups, display = _tables()
    return (f'(SELECT COALESCE(json_agg(json_build_array({_names(UserValue, "v1")}) '
            f'ORDER BY "v1"."{attribute}", "v1"."{position}"), \'[]\') '
            f'FROM "{values}" AS "v1" WHERE "v1"."{user_fk}" = "t1"."id"), '
            f'(SELECT COALESCE(json_agg(json_build_array("g1"."id", "g1"."{display}") '
            f'ORDER BY "g1"."{display}"), \'[]\') '
            f'FROM "{memberships}" AS "m1" JOIN "{groups}" AS "g1" ON "m1"."{group_fk}" = "g1"."id" '
            f'WHERE "m1"."{member}" = "t1"."id")')
