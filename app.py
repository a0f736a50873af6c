"""The application factory; `python app.py` serves it with waitress."""

import os
from inspect import iscoroutinefunction

from flask import Flask, request

from config import Config, TestingConfig

_KNOWN_FUNCTIONS = 1024  # hooks and views number a few dozen
_FIRST_PASSWORD = "usersync.first_password"


class UsersyncFlask(Flask):
    """Flask, minus a cost the ceiling's one view does not show: inspecting every hook on every request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._coroutine = {}  # function -> whether it is async; hooks and views are a fixed set

    def ensure_sync(self, func):
        """Flask's ensure_sync, its inspection remembered per function (a dozen per request)."""
        plain = getattr(func, "__func__", func)  # a view's bound method is new on every request
        is_async = self._coroutine.get(plain)
        if is_async is None:
            is_async = iscoroutinefunction(func)
            if len(self._coroutine) < _KNOWN_FUNCTIONS:  # bounded: callables made per request cannot grow it
                self._coroutine[plain] = is_async
        return self.async_to_sync(func) if is_async else func


def create_app(test_config=None):
    """Build the app: settings, store, blueprints, error handlers."""
    app = UsersyncFlask(__name__, instance_relative_config=True)
    base = TestingConfig if test_config and test_config.get("TESTING") else Config
    app.config.from_mapping(base.from_env())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{os.path.join(app.instance_path, 'usersync.db')}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    _init_store(app)
    _register_blueprints(app)
    return app


def _init_store(app):
    from models import db
    from store.ops.opening import open_store

    # Kept only until the `usersync` command that built the app shows it (cli/signin.py), never stored.
    app.extensions[_FIRST_PASSWORD] = open_store(app.config["DATABASE_URL"], app.config["HOST_PRODUCT"],
                                                 app.config["AUDIT_RETENTION_DAYS"], app.config["ADMIN_PASSWORD"])

    @app.before_request
    def _connect():
        if request.blueprint != "ops":  # /health never needs the store; /ready connects itself to report failure
            db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc):
        if not db.is_closed():
            db.close()


def first_password(app):
    """The admin password this app's start generated on an empty store, handed out once: then None."""
    return app.extensions.pop(_FIRST_PASSWORD, None)


def _register_blueprints(app):
    from blueprints import admin, error_pages, hosts, ops, requestlog, scim, ui, wizard
    from blueprints.admin import security
    from blueprints.admin.ids import IdConverter
    from blueprints.scim import handlers, http
    from blueprints.sessions import AdminOnlySessions

    app.session_interface = AdminOnlySessions()
    requestlog.init_app(app)  # first: its after_request hook then runs after every other one
    app.after_request(security.add_headers)  # every response: pages, errors, redirects, static files, SCIM, probes
    hosts.init_app(app)  # before the blueprints' hooks: a request for an untrusted host goes no further
    app.url_map.converters["id"] = IdConverter  # <id:…> in admin and wizard routes: 1..2**63-1, else a 404
    app.register_blueprint(scim.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(wizard.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(ops.bp)
    handlers.register(app)
    error_pages.register(app)  # after the SCIM handlers: outside the SCIM prefix, their answers become pages
    app.wsgi_app = http.ForgivingPaths(app.wsgi_app)


def _instance_secret(instance_path):
    """A per-instance secret key, made once and kept in the instance folder."""
    import secrets

    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


if __name__ == "__main__":
    from cli import main

    main(["serve"])
