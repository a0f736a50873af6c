"""Backups of the whole store, and restores from them; Flask-free.

Two formats. ``sqlite``: an online copy of a SQLite store through SQLite's backup API (one
consistent snapshot, taken while the server runs). ``json``: every table of models.migrations.TABLES
as JSON, rows in primary-key order, restorable into SQLite and PostgreSQL alike. Either way the file
is written next to its destination with mode 0600 (it holds token and password hashes) and renamed
into place once complete.
"""

import contextlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

import peewee

from models import IdpApp, User, db, utcnow
from models.group import Group
from models.migrations import TABLES, SchemaVersion

FORMAT = "usersync-backup"
VERSION = 1
FORMATS = ("sqlite", "json")
SQLITE_HEADER = b"SQLite format 3\x00"
ORDER = tuple(peewee.sort_models(TABLES))  # parents before children
_MAX_VARIABLES = 999  # SQLite's limit on bound values before 3.32


class BackupError(Exception):
    """A refused backup or restore, with a message for the admin."""


@dataclass
class Backup:
    """A backup file, read and checked, ready to restore; rows only for json (model -> [{field: value}])."""

    path: str
    format: str
    schema_version: int
    rows: dict = field(default_factory=dict, repr=False)


def is_sqlite():
    return isinstance(db.obj, peewee.SqliteDatabase)


def schema_version():
    """The store's schema version: the newest migration applied."""
    return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()


def counts():
    """{table: rows} for every table, parents first."""
    return {model._meta.table_name: model.select().count() for model in ORDER}


def holdings():
    """What a restore would replace, in the admin's words: {"users": n, "groups": n, "apps": n}."""
    return {"users": User.select().count(), "groups": Group.select().count(), "apps": IdpApp.select().count()}


def backup(path, fmt=None, force=False):
    """Write the store to path (fmt None: sqlite on SQLite, json on PostgreSQL); returns (fmt, counts written)."""
    fmt = fmt or ("sqlite" if is_sqlite() else "json")
    if fmt == "sqlite":
        return fmt, backup_sqlite(path, force)
    if fmt == "json":
        return fmt, backup_json(path, force)
    raise BackupError(f"Unknown backup format '{fmt}'; choose one of {', '.join(FORMATS)}.")


def backup_sqlite(path, force=False):
    """Copy a SQLite store to path through SQLite's backup API, then check the copy's integrity."""
    if not is_sqlite():
        raise BackupError("This store is PostgreSQL: back it up with --format json.")
    with _output(path, force) as temp:
        copy = sqlite3.connect(temp, isolation_level=None)
        try:
            # One step (pages=-1) reads one snapshot; WAL lets writers carry on meanwhile.
            db.connection().backup(copy)
            # The copy inherits WAL mode; a backup should be one self-contained file.
            copy.execute("PRAGMA journal_mode=DELETE")
            _check_integrity(copy, path)
            return _sqlite_counts(copy)
        finally:
            copy.close()


def backup_json(path, force=False):
    """Export every table to path as JSON, table by table, inside one read snapshot."""
    written = {}
    with _output(path, force) as temp, _snapshot(), open(temp, "w", encoding="utf-8") as out:
        header = {"format": FORMAT, "version": VERSION, "schema_version": schema_version(),
                  "created": utcnow().isoformat() + "Z"}
        out.write(json.dumps(header)[:-1] + ', "tables": {')
        for number, model in enumerate(ORDER):
            out.write(("," if number else "") + f"\n{json.dumps(model._meta.table_name)}: [")
            written[model._meta.table_name] = _write_rows(out, model)
            out.write("\n]")
        out.write("\n}}\n")
        out.flush()
        os.fsync(out.fileno())
    return written


def _write_rows(out, model):
    """Write a table's rows, one JSON object a line, in primary-key order; returns how many."""
    fields = model._meta.sorted_fields
    columns = [f.column_name for f in fields]
    query = model.select(*fields).order_by(*model._meta.get_primary_keys()).tuples()
    number = 0
    for number, values in enumerate(query.iterator(), start=1):
        row = json.dumps(dict(zip(columns, values)), ensure_ascii=False, default=_iso)
        out.write(("," if number > 1 else "") + "\n" + row)
    return number


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _snapshot():
    """A read transaction that sees one consistent state of the whole store."""
    if is_sqlite():
        return db.atomic(lock_type="DEFERRED")  # the store's default IMMEDIATE would block writers
    return db.atomic(isolation_level="REPEATABLE READ")


@contextlib.contextmanager
def _output(path, force):
    """A 0600 temp file beside path, put in its place only if the with block succeeds."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise BackupError(f"{path} is a directory; give a file name.")
    if os.path.lexists(path) and not force:
        raise BackupError(f"{path} exists; pass --force to overwrite it.")
    _refuse_live_database(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise BackupError(f"The directory {directory} does not exist.")
    handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    os.close(handle)  # mkstemp made it 0600, whatever the umask
    try:
        yield temp
        os.chmod(temp, 0o600)
        _publish(temp, path, force)
    finally:
        for leftover in (temp, temp + "-journal", temp + "-wal", temp + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def _publish(temp, path, force):
    """Rename temp onto path; without force, fail rather than replace a file that appeared meanwhile."""
    if force:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)  # atomic and never clobbers
    except FileExistsError:
        raise BackupError(f"{path} exists; pass --force to overwrite it.") from None
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise BackupError(f"{path} exists; pass --force to overwrite it.") from None
        os.replace(temp, path)


def _refuse_live_database(path):
    """Refuse to write over, or restore from, the store's own database file."""
    live = getattr(db.obj, "database", None)
    if is_sqlite() and live and os.path.exists(live) and os.path.exists(path) and os.path.samefile(live, path):
        raise BackupError(f"{path} is this store's own database file.")


def _check_integrity(connection, path):
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} failed SQLite's integrity check: {'; '.join(problems[:5])}")


def _sqlite_counts(connection):
    return {m._meta.table_name: connection.execute(f'SELECT COUNT(*) FROM "{m._meta.table_name}"').fetchone()[0]
            for m in ORDER}


def load(path):
    """Read and check the backup at path (its format detected) without touching the store."""
    loaded = _load_sqlite(path) if detect(path) == "sqlite" else _load_json(path)
    current = schema_version()
    if loaded.schema_version != current:
        raise BackupError(f"The backup is at schema version {loaded.schema_version} and this store at {current}: "
                          "restore it with the usersync release that made it, then upgrade. Nothing was restored.")
    return loaded


def detect(path):
    """'sqlite' or 'json', from the file's first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from None
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.lstrip()[:1] == b"{":
        return "json"
    raise BackupError(f"{path} is not a usersync backup: neither a SQLite database nor a JSON export.")


def restore(loaded):
    """Replace everything in the store with a backup from load(); returns {table: rows} afterwards."""
    if loaded.format == "sqlite":
        _restore_sqlite(loaded.path)
    else:
        _restore_json(loaded.rows)
    return counts()


def _load_sqlite(path):
    if not is_sqlite():
        raise BackupError(f"{path} is a SQLite backup and this store is PostgreSQL: make a JSON backup of the "
                          "SQLite store (usersync backup PATH --format json) and restore that.")
    _refuse_live_database(path)
    source = sqlite3.connect(path)
    try:
        _check_integrity(source, path)
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        wanted = [m._meta.table_name for m in ORDER] + [SchemaVersion._meta.table_name]
        missing = [name for name in wanted if name not in tables]
        if missing:
            raise BackupError(f"{path} is a SQLite database but not a usersync store (no table {', '.join(missing)}).")
        version = source.execute(f'SELECT MAX(version) FROM "{SchemaVersion._meta.table_name}"').fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}.") from None
    finally:
        source.close()
    return Backup(path, "sqlite", version)


def _restore_sqlite(path):
    """Copy the backup over the live database with the backup API: all of it or, on failure, none."""
    source = sqlite3.connect(path)
    try:
        source.backup(db.connection())
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Restoring {path} failed: {exc}. The store is unchanged.") from None
    finally:
        source.close()


def _load_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except json.JSONDecodeError as exc:
        raise BackupError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                          "it may be truncated. Nothing was restored.") from None
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # cut inside a multi-byte character: the end is missing
            raise BackupError(f"{path} is not valid JSON (it ends inside a UTF-8 character); it may be truncated. "
                              "Nothing was restored.") from None
        raise BackupError(f"{path} is not UTF-8 text. Nothing was restored.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f'{path} is not a usersync backup (no "format": "{FORMAT}" header).')
    if document.get("version") != VERSION:
        raise BackupError(f"{path} is backup format version {document.get('version')!r}; "
                          f"this usersync reads version {VERSION}.")
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BackupError(f"{path} has no schema_version.")
    return Backup(path, "json", version, _tables(document.get("tables")))


def _tables(tables):
    """{model: [{field: value}]} from the backup's tables, every row checked against its model."""
    if not isinstance(tables, dict):
        raise BackupError('The backup has no "tables" object.')
    names = {m._meta.table_name: m for m in ORDER}
    missing, unknown = sorted(names.keys() - tables.keys()), sorted(tables.keys() - names.keys())
    if missing or unknown:
        raise BackupError("The backup's tables do not match this store's: "
                          + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                    unknown and f"unknown {', '.join(unknown)}"])) + ".")
    return {model: _rows(model, tables[model._meta.table_name]) for model in ORDER}


def _rows(model, rows):
    table = model._meta.table_name
    if not isinstance(rows, list):
        raise BackupError(f"Table {table}: expected a list of rows.")
    fields = {f.column_name: f for f in model._meta.sorted_fields}
    checked = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or row.keys() != fields.keys():
            raise BackupError(f"Table {table}, row {number}: expected exactly the columns {', '.join(fields)}.")
        try:
            checked.append({fields[column]: _value(fields[column], value) for column, value in row.items()})
        except ValueError as exc:
            raise BackupError(f"Table {table}, row {number}: {exc}") from None
    return checked


def _value(column, value):
    """A JSON value as the column's Python value; ValueError says why it does not fit."""
    kind = _kind(column)
    if value is None:
        if not column.null:
            raise ValueError(f"{column.column_name} may not be null.")
        return None
    if kind is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{column.column_name}: {value!r} is not an ISO date and time.") from None
        # The store keeps naive UTC (models.utcnow); an edited backup's offset would be stored as text
        # and come back in meta.created as "...+00:00Z".
        return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not kind:
        raise ValueError(f"{column.column_name}: expected {kind.__name__}, got {json.dumps(value)[:60]}.")
    return value


def _kind(column):
    if isinstance(column, peewee.ForeignKeyField):
        return _kind(column.rel_field)
    for peewee_type, kind in ((peewee.BooleanField, bool), (peewee.IntegerField, int), (peewee.FloatField, float),
                              (peewee.DateTimeField, datetime)):
        if isinstance(column, peewee_type):
            return kind
    return str


def _restore_json(rows):
    """In one transaction: empty every table (children first), insert the rows (parents first)."""
    table = None
    try:
        with db.atomic():
            for model in reversed(ORDER):
                table = model._meta.table_name
                model.delete().execute()
            for model in ORDER:
                table = model._meta.table_name
                batch = max(1, _MAX_VARIABLES // len(model._meta.sorted_fields))
                for start in range(0, len(rows[model]), batch):
                    model.insert_many(rows[model][start:start + batch]).execute()
            if not is_sqlite():
                _reset_sequences()
    except peewee.DatabaseError as exc:
        detail = " ".join(str(exc).split()).rstrip(".")  # PostgreSQL's messages span lines
        raise BackupError(f"Restoring table {table} failed: {detail}. The store is unchanged.") from None


def _reset_sequences():
    """Point each serial primary key's sequence past the restored ids (PostgreSQL keeps sequences apart)."""
    for model in ORDER:
        key = model._meta.primary_key
        if isinstance(key, peewee.AutoField):
            table, column = model._meta.table_name, key.column_name
            db.execute_sql(f'SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX("{column}"), 1), '
                           f'MAX("{column}") IS NOT NULL) FROM "{table}"', (f'"{table}"', column))
