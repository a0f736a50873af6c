"""Stores filled before measuring: the small store over POST /Bulk, bigger ones faster, groups over POST.

Seeding is never measured. usersync creates about 130 users/s over /Bulk on a 2-core machine, so 100,000
would take 13 minutes: beyond the small store, its users are cloned row for row with SQL from users it
created itself (same columns, only the names differ), which takes seconds. The peer creates about 500/s
over /Bulk; beyond its small store, bench.peer stores them in memory directly.
"""

import json
import uuid
from datetime import timedelta

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_MAX = 1000  # both servers' bulk.maxOperations (usersync's SCIM_BULK_MAX_OPERATIONS)
DOMAIN = "@example.com"


def user_name(tag, index):
    """The userName of seeded user number index of a batch tagged tag."""
    return f"bench-{tag}-{index:07d}{DOMAIN}"


def user_doc(name, display=None):
    """A plausible IdP user: userName, name, one primary work email, active."""
    local = name.split("@")[0]
    return {"schemas": [USER_SCHEMA], "userName": name, "displayName": display or local,
            "name": {"givenName": "Bench", "familyName": local},
            "emails": [{"value": name, "type": "work", "primary": True}], "active": True}


def bulk_users(session, names):
    """Create users over POST /Bulk, BULK_MAX per request: their [(id, userName)]."""
    created = []
    for start in range(0, len(names), BULK_MAX):
        chunk = names[start:start + BULK_MAX]
        ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": user_doc(name)}
               for i, name in enumerate(chunk)]
        status, body = session.call("POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops})
        results = body.get("Operations", []) if isinstance(body, dict) else []
        failed = [op for op in results if str(op.get("status")) != "201"]
        if status != 200 or failed or len(results) != len(chunk):
            raise RuntimeError(f"seeding POST /Bulk answered {status}: {str(failed or body)[:1000]}")
        created += [(op["location"].rsplit("/", 1)[1], name) for op, name in zip(results, chunk, strict=True)]
    return created


def direct_users(session, names, chunk=5000):
    """Store users in the peer through its bench-only seeding path (bench.peer.SEED_PATH): [(id, userName)]."""
    created = []
    for start in range(0, len(names), chunk):
        part = names[start:start + chunk]
        status, ids = session.call("POST", "/_bench/users", [user_doc(name) for name in part])
        if status != 201 or len(ids) != len(part):
            raise RuntimeError(f"seeding the peer answered {status}: {str(ids)[:1000]}")
        created += list(zip(ids, part, strict=True))
    return created


def clone_users(database_url, templates, names):
    """Copy the rows of usersync users `templates` [(id, userName)] into new users named `names`.

    Every text column of a template's user and user-value rows that holds its userName's local part
    gets the new one instead; ids are new UUIDs. Each clone is created (and last modified) a microsecond
    after the one before, from now: users written one after another sit in the SCIM page order
    (created, id) in the order they were inserted, so a page reads neighbouring rows. Copying the
    template's timestamps put a template's 100 clones, inserted 1,000 rows apart, on one page, and
    every page of a 100,000-user store read 100 scattered rows and their values: 2.5 ms of the
    kernel's time per page at 8 connections (1.2 with 1,000 users), in reads that missed SQLite's cache.
    Returns [(id, userName)] of the clones.
    """
    import sqlite3

    from models import User, UserValue, utcnow

    path = database_url.removeprefix("sqlite:///")
    user_table, value_table = User._meta.table_name, UserValue._meta.table_name
    value_fk = UserValue.user.column_name
    conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            rows = _rows_by_id(conn, user_table, "id", [tid for tid, _ in templates])
            values = _rows_by_id(conn, value_table, value_fk, [tid for tid, _ in templates], many=True)
            clones, start = [], utcnow()
            for index, name in enumerate(names):
                template_id, template_name = templates[index % len(templates)]
                new_id = str(uuid.uuid4())
                swap = _swapper(template_name.split("@")[0], name.split("@")[0])
                stamp = (start + timedelta(microseconds=index)).isoformat(" ")
                _insert(conn, user_table, {**swap(rows[template_id]), "id": new_id,
                                           User.created.column_name: stamp, User.last_modified.column_name: stamp})
                for value in values.get(template_id, []):
                    _insert(conn, value_table, {**swap(value), value_fk: new_id}, skip="id")
                clones.append((new_id, name))
    finally:
        conn.close()
    return clones


def _rows_by_id(conn, table, column, ids, many=False):
    """{id: row dict} (or {id: [row dicts]}) of the rows of table whose column is in ids."""
    found = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f'SELECT * FROM "{table}" WHERE "{column}" IN ({marks})', chunk):
            row = dict(row)
            if many:
                found.setdefault(row[column], []).append(row)
            else:
                found[row[column]] = row
    return found


def _swapper(old, new):
    """Replace old by new (and their lower-case forms) in every text value of a row."""
    pairs = [(old, new), (old.lower(), new.lower())]

    def swap(row):
        out = {}
        for key, value in row.items():
            if isinstance(value, str):
                for before, after in pairs:
                    value = value.replace(before, after)
            out[key] = value
        return out
    return swap


def _insert(conn, table, row, skip=None):
    """INSERT one row dict (leaving out the column skip, e.g. an autoincrement id)."""
    columns = [key for key in row if key != skip]
    names = ",".join(f'"{key}"' for key in columns)
    conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({",".join("?" * len(columns))})',
                 [row[key] for key in columns])


def create_group(session, name, member_ids):
    """POST /Groups with these members: the group's id."""
    body = {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": mid} for mid in member_ids]}
    status, created = session.call("POST", "/Groups", body)
    if status != 201:
        raise RuntimeError(f"seeding POST /Groups ({len(member_ids)} members) answered {status}: {str(created)[:1000]}")
    return created["id"]


def total_users(session):
    """How many users the server lists."""
    status, body = session.call("GET", "/Users?count=1")
    if status != 200:
        raise RuntimeError(f"GET /Users?count=1 answered {status}: {str(body)[:500]}")
    return body["totalResults"]


def dumps(doc):
    """A request body."""
    return json.dumps(doc).encode()
