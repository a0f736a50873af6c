"""Synchronization of a REST API app: its source, Test connection, the schedule, Synchronize now with live
progress, and its recent runs.

These pages only queue runs and read their status; the scheduler of `usersync serve` runs them.
"""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from blueprints.wizard import outcome, source
from blueprints.wizard.source import REST_STEPS, SourceForm
from store.pull import runs, sources
from store.tenancy import apps as app_store
from sync.sources import SourceConfigError

from . import bp
from .ids import query_id
from .sync_summary import summary

STATUSES = {"queued": ("Queued", "info"), "running": ("Running", "info"), "succeeded": ("Succeeded", "success"),
            "failed": ("Failed", "removed"), "interrupted": ("Interrupted", "removed")}
PHASES = {"users": "Reading users", "groups": "Reading groups",
          "vanished": "Handling users and groups the source no longer has", "done": "Done"}
TRIGGERS = {"manual": "Synchronize now", "schedule": "Schedule", "cli": "Command line"}
KINDS = {True: "Full", False: "Changes only"}  # what a run reads: everything, or what changed since the last


@bp.get("/apps/<id:app_id>/sync")
def app_sync(app_id):
    """The app's source, schedule, Synchronize now with the latest run's progress, and its recent runs.

    404 for an unknown app, or one that uses SCIM push.
    """
    app = _rest_app(app_id)
    saved = sources.settings_of(app)
    return _page(app, saved, _saved_form(app, saved))


@bp.post("/apps/<id:app_id>/sync/source")
def app_sync_source(app_id):
    """Save the connection settings (an empty secret keeps the stored one), or test them (action=test).

    404 for an unknown app, or one that uses SCIM push.
    """
    app = _rest_app(app_id)
    saved = sources.settings_of(app)
    form = _posted_form(app, saved)
    testing = request.form.get("action") == "test"
    try:
        pulled = form.build(_stored_source(app))
        if testing:
            return _page(app, saved, form, result=outcome.run_test(pulled))
        sources.configure(app, pulled.kind, source.stored_settings(pulled), form.secrets(), source.key())
    except SourceConfigError as error:
        return _page(app, saved, form, errors={error.name: source.field_message(error, form.labels)},
                     result=outcome.config_outcome(error, form.labels) if testing else None)
    replaced = f" The {form.labels[form.secret_name].lower()} was replaced." if form.secret and saved else ""
    flash(f"Saved the connection settings of '{app.name}'.{replaced}", "success")
    return redirect(url_for("admin.app_sync", app_id=app.id))


@bp.post("/apps/<id:app_id>/sync/test")
def app_sync_test(app_id):
    """Test connection with the posted settings (an empty secret: the stored one), nothing saved, as JSON.

    404 for an unknown app, or one that uses SCIM push; 400 when a setting is wrong.
    """
    app = _rest_app(app_id)
    return outcome.test_json(_posted_form(app, sources.settings_of(app)), _stored_source(app))


@bp.post("/apps/<id:app_id>/sync/schedule")
def app_sync_schedule(app_id):
    """Set how often the app synchronizes by itself.

    404 for an unknown app, or one that uses SCIM push.
    """
    app = _rest_app(app_id)
    schedule = request.form.get("schedule", "")
    try:
        sources.set_schedule(app, schedule)
    except SourceConfigError as error:
        saved = sources.settings_of(app)
        return _page(app, saved, _saved_form(app, saved), errors={"schedule": source.field_message(error)})
    flash(f"'{app.name}' now synchronizes: {sources.SCHEDULES[schedule].lower()}.", "success")
    return redirect(url_for("admin.app_sync", app_id=app.id))


@bp.post("/apps/<id:app_id>/sync/run")
def app_sync_run(app_id):
    """Synchronize now: queue a run (full: read everything again) and follow its progress on the page.

    404 for an unknown app, or one that uses SCIM push.
    """
    app = _rest_app(app_id)
    try:
        run_id = runs.request(app, full=request.form.get("full") == "on", trigger="manual")
    except runs.SyncBusy as busy:
        flash(f"Synchronization #{busy.run_id} of '{app.name}' is already queued or running; its progress is "
              "shown below. Select Synchronize now again once it has finished.", "warning")
        return redirect(url_for("admin.app_sync", app_id=app.id, run=busy.run_id, _anchor="sync-progress"))
    except runs.SyncRefused as refused:  # no source saved yet, or the app is disabled
        flash(str(refused), "error")
        return redirect(url_for("admin.app_sync", app_id=app.id))
    # No flash: the progress section says "Queued" and follows the run, so nothing stale stays on the page.
    return redirect(url_for("admin.app_sync", app_id=app.id, run=run_id, _anchor="sync-progress"))


@bp.get("/apps/<id:app_id>/sync/runs/<id:run_id>")
def app_sync_status(app_id, run_id):
    """One run's status as JSON, for the progress bar (static/js/sync.js asks every second).

    404 for an unknown app or run, or a run of another app.
    """
    app = _rest_app(app_id)
    run = _run_of(app, run_id)
    if run is None:
        abort(404, description=f"'{app.name}' has no synchronization #{run_id}.")
    return jsonify(describe_run(run))


def describe_run(run):
    """store.pull.runs.status() for a page and for sync.js: with the words for its status, phase, counts and times."""
    status = run.get("status")
    label, lozenge = STATUSES.get(status, (str(status), "info"))
    counts = [(name.replace("_", " "), number) for name, number in (run.get("counts") or {}).items()]
    shown = {key: run.get(key) for key in ("id", "status", "phase", "done", "total", "error", "full", "requested",
                                           "started", "finished")}
    final = status in runs.FINAL
    shown.update(final=final, status_label=label, lozenge=lozenge, counts=counts, kind=KINDS[bool(run.get("full"))],
                 phase_label="" if final else PHASES.get(run.get("phase"), run.get("phase") or ""),
                 trigger=TRIGGERS.get(run.get("trigger"), run.get("trigger") or ""), summary=_summary(run, counts),
                 requested_label=_when(run.get("requested")), finished_label=_when(run.get("finished")))
    return shown


def _summary(run, counts):
    """One sentence for the run's state."""
    status, counted = run.get("status"), ", ".join(f"{number} {name}" for name, number in counts)
    if status == "queued":
        return "Queued: the scheduler of usersync serve starts it within a few seconds."
    if status == "running":
        return PHASES.get(run.get("phase"), "Starting") + "…"
    if status == "succeeded":
        return f"Finished: {counted}." if counted else "Finished: nothing to change."
    what = "Failed" if status == "failed" else "Interrupted"
    return _sentence(f"{what}: {run.get('error') or 'no reason was recorded'}") + (
        f" Done before it stopped: {counted}." if counted else "")


def _sentence(text):
    """text ending in one full stop, however the reason it quotes ended."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _rest_app(app_id):
    app = app_store.found(app_id)
    if app.method != "rest":
        abort(404, description=f"'{app.name}' uses SCIM: its IdP pushes changes, so there is nothing to pull.")
    return app


def _saved_form(app, saved):
    """The source form as saved (its secret field empty), or blank when the app has no source yet, or when the
    page asks for the provider's own API instead of the SCIM 2.0 service saved (?kind=)."""
    own = source.kind_for(app.provider)
    if saved and not (request.args.get("kind") == own != saved["kind"]):
        return SourceForm.stored(saved)
    return SourceForm.blank(own)


def _posted_form(app, saved):
    """The source form as posted; an empty secret field keeps the stored secret, if there is one.

    Its kind is the provider's, or the saved source's (a SCIM 2.0 service saved for a provider that now has its own
    API keeps its form): any other kind posted is ignored.
    """
    kinds = {source.kind_for(app.provider), saved["kind"] if saved else None}
    posted = request.form.get("kind")
    kind = posted if posted in kinds else saved["kind"] if saved else source.kind_for(app.provider)
    return SourceForm.typed(kind, request.form, stored_secret=bool(saved and saved["has_secret"]),
                            files=request.files)


def _stored_source(app):
    """What gives the stored source, its secret decrypted (for a test or a save without a secret typed)."""
    return lambda: sources.source_for(app, source.key())


def _run_of(app, run_id):
    """The status of the app's run run_id, or None."""
    run = runs.status(run_id)
    return run if run is not None and run["app"] == app.id else None


def _current_run(app, recent):
    """The run the page follows: the one just requested (?run=), else the newest."""
    wanted = query_id("run")
    run = _run_of(app, wanted) if wanted is not None else None
    return run or (recent[0] if recent else None)


def _page(app, saved, form, errors=None, result=None):
    recent = runs.recent(app)
    current = _current_run(app, recent)
    html = render_template(
        "admin/sync.html", app=app, saved=saved, form=form.shown_again(), errors=errors or {}, result=result,
        provider=app.provider, provider_label=app_store.PROVIDERS.get(app.provider, app.provider),
        labels=form.labels, auths=source.AUTHS, oracle_scope=source.ORACLE_SCOPE, summary=summary(app, saved),
        schedules=sources.SCHEDULES, schedule=(saved or {}).get("schedule") or "off",
        runs=[describe_run(run) for run in recent], current=describe_run(current) if current else None,
        when=_when, created=request.args.get("created") == "1" and not errors, steps=REST_STEPS,
        own_kind=source.kind_for(app.provider), editing=_editing(saved, form, errors, result))
    return html, 400 if errors else 200


def _editing(saved, form, errors, result):
    """Whether the connection settings open unfolded: nothing saved yet, a test or a setting to look at, or
    another kind of source asked for."""
    return (saved is None or result is not None or bool(set(errors or {}) - {"schedule"})
            or form.kind != saved["kind"])


def _when(value):
    """An ISO 8601 UTC time from the store ("2026-11-28T21:04:05Z") as the pages show it, or ""."""
    return value.replace("T", " ").removesuffix("Z")[:16] + " UTC" if value else ""
