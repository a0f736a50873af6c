"""The REST API method's connection step: where usersync pulls from, Test connection, and Save.

The step is reached by GET with the earlier choices in the query string, like the steps before it;
its form posts (the secret never travels in a URL). Save creates the app and its source together,
or neither, and goes on to the app's Synchronization page. Save asks to be confirmed unless Test
connection passed with the very settings saved; the same form sent again goes to the app it made.
"""

from flask import flash, jsonify, redirect, render_template, request, session, url_for

from models import db
from store.pull import sources
from store.tenancy import apps as app_store
from sync.sources import SourceConfigError

from . import bp, outcome, source, steps
from .source import SourceForm


@bp.get("/connection")
def connection():
    """Step 4 of the REST API method: the source's URL and credentials."""
    chosen, name, directory = _choices(request.args)
    problem = _earlier_step(chosen, name, directory)
    if problem is not None:
        return problem
    return _connection_step(chosen, name, directory, SourceForm.blank(source.kind_for(chosen)))


@bp.post("/connection")
def connection_save():
    """Save the app with its source, or (action=test, the page without JavaScript) test the typed settings."""
    chosen, name, directory = _choices(request.form)
    testing = request.form.get("action") == "test"
    again = steps.saved_before(name, chosen, "rest")
    if again is not None and not testing:  # sent again (Back, then Save): nothing is created twice
        flash(f"'{again.name}' was saved already, when you first selected Save; nothing was created again.", "info")
        return redirect(url_for("admin.app_sync", app_id=again.id), 303)
    problem = _earlier_step(chosen, name, directory)
    if problem is not None:
        return problem
    form = SourceForm.typed(source.kind_for(chosen), request.form, files=request.files)
    try:
        pulled = form.build()
        if testing:
            return _connection_step(chosen, name, directory, form, result=_tested(form, pulled))
        doubt = None if request.form.get("confirm") == "yes" else _untested(form)
        if doubt is not None:
            return _connection_step(chosen, name, directory, form, unconfirmed=doubt)
        app = _create(chosen, name, directory, form, pulled)
    except SourceConfigError as error:
        return _connection_step(chosen, name, directory, form,
                                errors={error.name: source.field_message(error, form.labels)},
                                result=outcome.config_outcome(error, form.labels) if testing else None)
    except app_store.AppError as exc:
        return steps.taken(chosen, "rest", name, directory, exc)
    steps.remember_saved(app)
    session.pop(TESTED, None)
    return redirect(url_for("admin.app_sync", app_id=app.id, created=1), 303)


@bp.post("/connection/test")
def connection_test():
    """Test connection with the posted settings, nothing saved: the outcome as JSON (400: a setting is wrong)."""
    chosen = request.form.get("provider", "")
    if chosen not in app_store.PROVIDERS:
        return jsonify(outcome.config_outcome(SourceConfigError("provider", "choose the identity provider first"))), 400
    form = SourceForm.typed(source.kind_for(chosen), request.form, files=request.files)
    try:
        pulled = form.build()
    except SourceConfigError as error:
        return jsonify(outcome.config_outcome(error, form.labels)), 400
    return jsonify(_tested(form, pulled))


TESTED = "wizard_tested"  # the session's last Test connection: a keyed digest of its settings, and how it went
_QUOTED = 300  # characters of a failed test's message kept to quote when Save asks to be confirmed


def _tested(form, pulled):
    """Test connection, its outcome remembered for Save."""
    result = outcome.run_test(pulled)
    session[TESTED] = {"settings": source.fingerprint(form), "ok": result["ok"],
                       "headline": result["headline"], "message": (result["message"] or "")[:_QUOTED]}
    return result


def _untested(form):
    """None when Test connection passed with these very settings; else what Save says before it is confirmed."""
    tested = session.get(TESTED)
    if not isinstance(tested, dict) or tested.get("settings") != source.fingerprint(form):
        return {"failed": False}
    if tested.get("ok"):
        return None
    return {"failed": True, "headline": tested.get("headline"), "message": tested.get("message")}


def _choices(data):
    return data.get("provider", ""), data.get("name", "").strip(), data.get("directory", "").strip()


def _earlier_step(chosen, name, directory):
    """The step to show again when the provider, the name or the directory is not right, else None."""
    problem = steps.check_choices(chosen, "rest")
    if problem is not None:
        return problem
    errors = steps.check_details(name, directory)
    return steps.details_step(chosen, "rest", name, directory, errors) if errors else None


def _create(chosen, name, directory, form, pulled):
    """The app and its source, in one transaction: a source the store refuses leaves no app behind."""
    with db.atomic():
        app, _token = app_store.create(name, chosen, "rest", directory or None)
        sources.configure(app, pulled.kind, source.stored_settings(pulled), form.secrets(), source.key())
    return app


def _connection_step(chosen, name, directory, form, errors=None, result=None, unconfirmed=None):
    html = render_template(
        "wizard/connection.html", step=3, steps=source.REST_STEPS, provider=chosen,
        provider_label=app_store.PROVIDERS[chosen], method="rest", method_label=steps.METHODS["rest"],
        name=name, directory=directory, form=form.shown_again(), errors=errors or {}, result=result,
        unconfirmed=unconfirmed, labels=form.labels, auths=source.AUTHS, oracle_scope=source.ORACLE_SCOPE)
    return html, 400 if errors else 200
