"""IdP apps: their bearer tokens (256-bit random, shown once, stored as SHA-256 hashes) and settings."""

import hashlib
import hmac
import json
import secrets
from datetime import timedelta

import peewee

from models import Directory, IdpApp, db, utcnow
from rules import errors
from rules import options as provisioning_options
from store.sql import Prepared
from store.tenancy import directories as directory_store
from store.trail import audit

PROVIDERS = {
    "oracle": "Oracle Identity Cloud Service (OCI IAM)",
    "entra": "Microsoft Entra ID",
    "okta": "Okta",
    "onelogin": "OneLogin",
    "keycloak": "Keycloak",
    "jumpcloud": "JumpCloud",
    "ping": "Ping Identity",
    "google": "Google Workspace",
    "miniorange": "miniOrange",
    "custom": "Custom SCIM",
}
METHODS = ("scim", "rest")
_LAST_USED_EVERY = timedelta(seconds=60)


class AppError(errors.Refused):
    """A refused app operation, with a message for the admin; .messages maps option keys to problems."""


class AppNotFound(AppError, errors.NotFound):
    """No app has this id or name."""


class AppNameTaken(AppError, errors.Conflict):
    """Another app holds this name, regardless of case."""


def token_hash(token):
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token():
    """A fresh bearer token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def create(name, provider, method="scim", directory=None):
    """Create an app; returns (app, token). The token is never stored or shown again.

    directory: a Directory or a directory's name; None is the default directory.
    """
    name = _valid_name(name)
    if provider not in PROVIDERS:
        raise AppError(f"Unknown provider '{provider}'; choose one of {', '.join(PROVIDERS)}.")
    if method not in METHODS:
        raise AppError(f"Unknown sync method '{method}'; choose scim or rest.")
    if isinstance(directory, str):
        try:
            directory = directory_store.get(directory)
        except directory_store.DirectoryError as exc:
            raise AppError(str(exc)) from None
    token = new_token()
    try:
        with db.atomic():
            _refuse_taken(name)
            app = IdpApp.create(name=name, provider=provider, method=method,
                                directory=directory or Directory.default(), token_hash=token_hash(token))
    except peewee.IntegrityError:  # another admin (or the CLI) took the name since the look-up
        _refuse_taken(name)
        raise
    return app, token


def _valid_name(name):
    """name without surrounding spaces; AppError (on the field "name") when it is empty or too long."""
    name = (name or "").strip()
    if not name:
        problem = "Enter a name for the app."
    elif len(name) > NAME_MAX:
        problem = f"The app name can have at most {NAME_MAX} characters; this one has {len(name)}."
    else:
        return name
    raise AppError(problem, {"name": problem})


def _refuse_taken(name, app=None):
    """AppNameTaken when an app other than app holds name, regardless of case, as directory names are."""
    existing = by_name(name)
    if existing is None or (app is not None and existing.id == app.id):
        return
    problem = f"An app named '{existing.name}' already exists"
    problem += "." if existing.name == name else "; app names are unique regardless of case."
    raise AppNameTaken(problem, {"name": problem})


def rename(name, new_name):
    """Give an app another name (its token, options, users and groups stay); returns (app, {"name": [old, new]}),
    with {} when the name is the same. AppError when new_name is empty, too long or another app's."""
    return configure(name, new_name=new_name)[:2]


def rotate(name, replacing=None):
    """Replace an app's token; the old one stops working at once. Returns (app, token).

    replacing: the fingerprint of the token to replace (see fingerprint); when the app's token is
    another one by now (the same form sent twice, say by reloading its result page), AppError and
    nothing changes: the token shown after the first rotation still works.
    """
    app = named(name)
    token = new_token()
    with db.atomic():
        # A new token_created makes the IdP's next request its first connection (note_request).
        query = IdpApp.update(token_hash=token_hash(token), token_created=utcnow()).where(IdpApp.id == app.id)
        if replacing is not None:
            query = query.where(peewee.fn.SUBSTR(IdpApp.token_hash, 1, _FINGERPRINT) == replacing)
        if not query.execute():
            raise AppError(f"The token of '{app.name}' was replaced already, after this page was opened (was "
                           "the form sent twice?). Nothing was rotated: the newest token still works.")
        audit.record(app, "app", "applied", f"rotated the bearer token of '{app.name}'; the old token stopped working")
    return app, token


_FINGERPRINT = 16  # hex digits of the token's SHA-256: 64 bits tell two tokens apart


def fingerprint(app):
    """What tells the app's current token from the next one, without telling the token."""
    return app.token_hash[:_FINGERPRINT]


def delete(name):
    """Delete an app (its directory and users stay); returns it, as it was."""
    app = named(name)
    with db.atomic():
        audit.record(app, "app", "applied", f"deleted app '{app.name}'; its users and groups stay in their directory")
        app.delete_instance()
    return app


_BY_TOKEN = Prepared(lambda digest: IdpApp.select().where(IdpApp.token_hash == digest).limit(1))


def authenticate(token):
    """The enabled app this token belongs to, or None (compared in constant time); its last use is noted."""
    app = by_token(token)
    if app is not None:
        _touch(app)
    return app


def by_token(token):
    """The enabled app this token belongs to, or None (compared in constant time)."""
    if not token:
        return None
    digest = token_hash(token)
    app = _BY_TOKEN.first(digest)
    if app is None or not app.enabled or not hmac.compare_digest(app.token_hash, digest):
        return None
    return app


def _touch(app):
    """Record last use at most once a minute, so reads stay reads."""
    now = utcnow()
    if app.last_used is None or now - app.last_used > _LAST_USED_EVERY:
        with db.atomic():
            IdpApp.update(last_used=now).where(IdpApp.id == app.id).execute()


# The IdP's last request is noted at most once a minute, sooner when its answer moved to another status class
# (a success turning into failures), but never more than once a second: most SCIM requests write nothing.
_LAST_REQUEST_EVERY = timedelta(seconds=60)
_LAST_REQUEST_SOONEST = timedelta(seconds=1)
_SHORT_LABELS = {"oracle": "Oracle IDCS", "custom": "The SCIM client"}
_PATH_SHOWN = 200  # characters of a request's path in a connection event


def note_request(app, method, path, status):
    """Note the IdP's request on its app; True when it is the first since the app's token was made, which
    the audit trail records as a connection ("Oracle IDCS connected: GET /Users → 200").

    path: what the IdP asked for, relative to the SCIM base URL. Writes only when the noted request is
    a minute old, its status class changed, or this is a connection.
    """
    now = utcnow()
    if _first_since_token(app):
        return _connect(app, now, method, path, status)
    if _request_noted_lately(app, now, status):
        return False
    with db.atomic():
        IdpApp.update(**_last_request(now, method, status)).where(IdpApp.id == app.id).execute()
    return False


def request_due(app, status):
    """Whether note_request would write for a request answered with status (on most requests it would not)."""
    return _first_since_token(app) or not _request_noted_lately(app, utcnow(), status)


def _first_since_token(app):
    return app.last_request is None or (app.token_created is not None and app.last_request < app.token_created)


def _request_noted_lately(app, now, status):
    age = now - app.last_request
    if age > _LAST_REQUEST_EVERY:
        return False
    return age <= _LAST_REQUEST_SOONEST or (app.last_request_status or 0) // 100 == status // 100


def _connect(app, now, method, path, status):
    """Stamp the first request and record the connection, once: of two first requests at once, one updates."""
    first = (IdpApp.last_request.is_null()) | (IdpApp.last_request < IdpApp.token_created)
    with db.atomic():
        if not IdpApp.update(**_last_request(now, method, status)).where(IdpApp.id == app.id, first).execute():
            return False
        label = _SHORT_LABELS.get(app.provider) or PROVIDERS.get(app.provider, app.provider)
        if len(path) > _PATH_SHOWN:
            path = path[:_PATH_SHOWN - 1] + "…"
        audit.record(app, "connect", _CONNECT_OUTCOMES.get(status // 100, "refused"),
                     f"{label} connected: {method} {path} → {status}")
    return True


_CONNECT_OUTCOMES = {2: "applied", 3: "applied", 5: "failed"}


def _last_request(now, method, status):
    return {"last_request": now, "last_request_method": method[:IdpApp.last_request_method.max_length],
            "last_request_status": status}


def options_of(app):
    """The app's provisioning options, defaults for what was never set."""
    return provisioning_options.load(app.options)


def set_options(name, changes):
    """Apply option changes, validated as a whole; returns (app, Options, {key: [old, new]}).

    changes: {key: value}, or Options already validated (merged) by the caller. Raises AppError
    (with .messages per key) and saves nothing when the result is invalid; each changed key is
    saved with one audit record, in one transaction.
    """
    with db.atomic():
        app = named(name, for_update=True)
        new, changed = _set_options(app, changes)
    return app, new, changed


def set_directory(name, directory_name):
    """Point the app at another host directory (the users it already provisioned stay where they are)."""
    with db.atomic():
        app = named(name, for_update=True)
        _set_directory(app, directory_name)
    return app


def set_enabled(name, enabled):
    """Enable or disable the app; a disabled app's token is refused (401)."""
    with db.atomic():
        app = named(name, for_update=True)
        _set_enabled(app, enabled)
    return app


def configure(name, options=None, directory=None, enabled=None, create_directory=False, new_name=None):
    """Options, directory, enabled and the name changed together or not at all.

    Returns (app, {key: [old, new]}, the Directory created or None); create_directory creates a
    missing directory (empty: no groups) instead of refusing.
    """
    try:
        return _configure(name, options, directory, enabled, create_directory, new_name)
    except peewee.IntegrityError:  # another admin (or the CLI) took new_name since the look-up
        if new_name is not None:
            _refuse_taken(new_name)
        raise


def _configure(name, options, directory, enabled, create_directory, new_name):
    changed, created = {}, None
    with db.atomic():
        app = named(name, for_update=True)
        if new_name is not None:
            changed.update(_rename(app, new_name))
        if options:
            changed.update(_set_options(app, options)[1])
        if directory is not None:
            if create_directory and directory_store.find(directory) is None:
                try:
                    created = directory_store.create(directory)
                except directory_store.DirectoryError as exc:
                    raise AppError(str(exc)) from None
            changed.update(_set_directory(app, directory))
        if enabled is not None:
            changed.update(_set_enabled(app, enabled))
    return app, changed, created


def map_group(name, idp_group, host_groups):
    """Map an IdP group to host groups, replacing its earlier mapping; returns set_options()'s result."""
    host_groups = [host_groups] if isinstance(host_groups, str) else list(host_groups)
    if not host_groups:
        raise AppError(f"Name at least one host group for the IdP group '{idp_group}'.")
    with db.atomic():
        app = named(name, for_update=True)
        mapping = options_of(app).group_mapping
        new, changed = _set_options(app, {"group_mapping": {**mapping, idp_group: list(dict.fromkeys(host_groups))}})
    return app, new, changed


def unmap_group(name, idp_group):
    """Remove an IdP group's mapping (AppError if it has none); returns set_options()'s result."""
    with db.atomic():
        app = named(name, for_update=True)
        mapping = dict(options_of(app).group_mapping)
        if mapping.pop(idp_group, None) is None:
            raise AppError(f"The app '{app.name}' has no mapping for the IdP group '{idp_group}'.")
        new, changed = _set_options(app, {"group_mapping": mapping})
    return app, new, changed


def _set_options(app, changes):
    """(Options, {key: [old, new]}) after saving changes (a dict, or validated Options) on a locked app row."""
    current = options_of(app)
    if isinstance(changes, provisioning_options.Options):
        new = changes
    else:
        try:
            new = provisioning_options.merged(current, changes)
        except provisioning_options.OptionsError as exc:
            raise AppError(str(exc), exc.messages) from None
    before, after = provisioning_options.dump(current), provisioning_options.dump(new)
    changed = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    if changed:
        app.options = provisioning_options.dumps(new)
        IdpApp.update(options=app.options).where(IdpApp.id == app.id).execute()
        for key, (old, value) in changed.items():
            _audit(app, "settings", key, old, value)
    return new, changed


def _set_directory(app, directory_name):
    """{"directory": [old, new]} after pointing a locked app row at another directory; {} when it is the same."""
    try:
        directory = directory_store.get(directory_name)
    except directory_store.DirectoryError as exc:
        raise AppError(str(exc)) from None
    old = app.directory
    if directory.id == old.id:
        return {}
    IdpApp.update(directory=directory).where(IdpApp.id == app.id).execute()
    app.directory = directory
    _audit(app, "app", "directory", old.name, directory.name)
    return {"directory": [old.name, directory.name]}


def _rename(app, new_name):
    """{"name": [old, new]} after renaming a locked app row; {} when the name is the same."""
    new_name = _valid_name(new_name)
    if new_name == app.name:
        return {}
    _refuse_taken(new_name, app)
    old = app.name
    IdpApp.update(name=new_name, name_lower=new_name.lower()).where(IdpApp.id == app.id).execute()
    app.name, app.name_lower = new_name, new_name.lower()
    _audit(app, "app", "name", old, new_name)
    return {"name": [old, new_name]}


def _set_enabled(app, enabled):
    """{"enabled": [old, new]} after enabling or disabling a locked app row; {} when it already was."""
    if not isinstance(enabled, bool):
        raise AppError("enabled must be true or false.")
    if app.enabled == enabled:
        return {}
    IdpApp.update(enabled=enabled).where(IdpApp.id == app.id).execute()
    _audit(app, "app", "enabled", app.enabled, enabled)
    app.enabled = enabled
    return {"enabled": [not enabled, enabled]}


def show(name):
    """Everything about an app except its token (and the token's hash)."""
    app = named(name)
    return {
        "name": app.name,
        "provider": app.provider,
        "provider_label": PROVIDERS.get(app.provider, app.provider),
        "method": app.method,
        "enabled": app.enabled,
        "directory": app.directory.name,
        "created": _timestamp(app.created),
        "last_used": _timestamp(app.last_used),
        "options": provisioning_options.dump(options_of(app)),
    }


def _timestamp(value):
    return value.isoformat() + "Z" if value else None


def _shown(value):
    """A value in an audit reason: strings quoted, the rest as JSON."""
    return repr(value) if isinstance(value, str) else json.dumps(value)


def _audit(app, operation, key, old, new):
    audit.record(app, operation, "applied", f"{key} changed from {_shown(old)} to {_shown(new)}",
                 changes={key: [old, new]})


NAME_MAX = IdpApp.name.max_length


def by_id(app_id):
    """The app with this id, or None."""
    return IdpApp.get_or_none(IdpApp.id == app_id)


def by_name(name):
    """The app with this name (regardless of case, surrounding spaces ignored), or None."""
    return IdpApp.by_name((name or "").strip())


def found(app_id):
    """The app with this id; AppNotFound when there is none."""
    app = by_id(app_id)
    if app is None:
        raise AppNotFound(f"There is no IdP app {app_id}; it may have been deleted.")
    return app


def listed():
    """Every app with its directory, by name."""
    return list(IdpApp.select(IdpApp, Directory).join(Directory).order_by(IdpApp.name))


def named(name, for_update=False):
    """The app with this name, regardless of case as an admin types it (locked for a read-modify-write on
    PostgreSQL); AppNotFound when there is none."""
    query = IdpApp.select().where(IdpApp.name_lower == (name or "").strip().lower())
    if for_update and not isinstance(db.obj, peewee.SqliteDatabase):
        # Read-modify-write of the options: lock the row on PostgreSQL (SQLite's writes are IMMEDIATE).
        query = query.for_update()
    app = query.first()
    if app is None:
        raise AppNotFound(f"No app named '{name}'.")
    return app


def known_tokens(candidates):
    """Those of candidates that are some app's bearer token (enabled or not): they must never be logged."""
    digests = {token_hash(candidate): candidate for candidate in candidates}
    if not digests:
        return set()
    found = IdpApp.select(IdpApp.token_hash).where(IdpApp.token_hash.in_(list(digests))).tuples()
    return {digests[digest] for (digest,) in found}
