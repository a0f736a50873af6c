"""The admin account: hashed password, first-start password, sign-in throttling."""

import secrets
from datetime import timedelta

import peewee

from models import AdminAccount, LoginFailure, db, utcnow
from rules import errors
from store.ops.leader import advisory_key
from store.tenancy import passwords

USERNAME = "admin"
MIN_PASSWORD = 10


class AdminError(errors.Refused):
    """A refused admin operation, with a message for the admin."""


def ensure_account(initial_password=None):
    """Create the admin account on first start; returns the generated password, or None."""
    if AdminAccount.select().exists():
        return None
    generated = None
    if not initial_password:
        generated = initial_password = secrets.token_urlsafe(12)
    try:
        with db.atomic():
            AdminAccount.create(username=USERNAME, password_hash=_hash(initial_password))
    except peewee.IntegrityError:
        return None  # another instance starting at the same moment made it first
    return generated


def set_password(password, username=USERNAME):
    """Set (or create) the admin's password: every session ends, and so does a sign-in lockout of username
    from any address (whoever may set the password may sign in with it at once)."""
    hashed = _hash(password)
    with db.atomic():
        updated = AdminAccount.update(password_hash=hashed, password_changed=utcnow(),
                                      session_epoch=AdminAccount.session_epoch + 1).where(
            AdminAccount.username == username).execute()
        if not updated:
            AdminAccount.create(username=username, password_hash=hashed)
        LoginFailure.delete().where(LoginFailure.key.endswith(failure_key("", username))).execute()


def session_epoch(username):
    """The epoch a live session of username must carry, or None for no such admin."""
    return AdminAccount.select(AdminAccount.session_epoch).where(AdminAccount.username == username).scalar()


def end_sessions(username):
    """Sign username out everywhere: every session issued so far stops working."""
    with db.atomic():
        AdminAccount.update(session_epoch=AdminAccount.session_epoch + 1).where(
            AdminAccount.username == username).execute()


def verify(username, password):
    """Whether these credentials are the admin's (constant-time, also for unknown users)."""
    account = AdminAccount.get_or_none(AdminAccount.username == (username or "").strip().lower())
    stored = account.password_hash if account else _DUMMY
    return passwords.verify(stored, password or "") and account is not None


def failure_key(address, username):
    """What failed sign-ins are counted by: the client's address and the username as typed, in any case."""
    return f"{address}|{(username or '').strip().lower()}"


def attempt(key, limit, window_seconds):
    """Count a sign-in attempt of key before its password is checked: False, and nothing counted, once key has
    limit attempts within the window. Counting and checking are one locked step, so concurrent attempts cannot
    all pass the check before any of them is counted: at most limit passwords are checked per window."""
    since = utcnow() - timedelta(seconds=window_seconds)
    with db.atomic():  # on SQLite BEGIN IMMEDIATE: the write lock is held from the count on
        _lock(key)
        if LoginFailure.select().where((LoginFailure.key == key) & (LoginFailure.at > since)).count() >= limit:
            return False
        LoginFailure.create(key=key)
        LoginFailure.delete().where(LoginFailure.at < utcnow() - timedelta(days=1)).execute()
    return True


def clear_attempts(key):
    """A successful sign-in forgets the key's attempts, its own included."""
    with db.atomic():
        LoginFailure.delete().where(LoginFailure.key == key).execute()


def _lock(key):
    """PostgreSQL: hold key's advisory lock to the end of the transaction (READ COMMITTED would let two
    transactions count the same rows); SQLite's IMMEDIATE transaction holds the database's write lock already."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (advisory_key(f"usersync:sign-in:{key}"),))


def _hash(password):
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AdminError(f"The password must have at least {MIN_PASSWORD} characters.")
    return passwords.hash_or_none(password)


_DUMMY = passwords.hash_or_none("not-a-real-password")
