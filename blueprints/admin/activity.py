"""Activity: the audit trail, filtered and exported, and each app's traffic log."""

from datetime import datetime, timezone

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from werkzeug.routing import BuildError

from store.pages import activity as activity_pages
from store.pages import inputs
from store.tenancy import apps as app_store
from store.trail import audit, counts
from store.trail import traffic as traffic_log

from . import bp, charts
from .users import arg, query_args


@bp.get("/activity")
def activity():
    """Audit events, newest first, 50 a page: filter by app, time, user, outcome and operation."""
    filters, problems = inputs.activity_filters(request.args)
    number = arg(problems, "page", inputs.page_number) or 1
    page = activity_pages.activity(filters, number)
    apps = inputs.app_choices()
    span = counts.SPANS[arg(problems, "chart", inputs.choice, [(name, name) for name in counts.SPANS], "chart")
                        or "24h"]
    numbers = counts.over_time(span, filters.get("app"))
    chart_for = filters.get("app") or "every app"
    return render_template("admin/activity.html", page=page, problems=problems, apps=apps,
                           app_options=_pairs([name for _id, name in apps], filters.get("app")),
                           operations=_pairs(inputs.OPERATIONS, filters.get("operation")),
                           outcomes=_pairs(audit.OUTCOMES), compact=activity_pages.compact_changes,
                           export_url=url_for("admin.activity_csv", **query_args("page")),
                           chart=charts.chart(numbers, f"Provisioning of {chart_for}, {span.label}"),
                           chart_for=chart_for, numbers=numbers, series=charts.SERIES,
                           spans=[(each, url_for("admin.activity", **query_args("chart", "page"), chart=each.name,
                                                 _anchor="activity-chart")) for each in counts.SPANS.values()],
                           span=span, bucket_label=charts.bucket_label)


@bp.get("/activity.csv")
def activity_csv():
    """The events the activity filters match, every one, as a CSV download; bad filters go back to the page."""
    filters, problems = inputs.activity_filters(request.args)
    if problems:
        return redirect(url_for("admin.activity", **query_args()))
    body = audit.to_csv(audit.query(**filters, limit=None))
    filename = f"usersync-audit-{datetime.now(timezone.utc):%Y%m%d}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/apps/<id:app_id>/traffic")
def traffic(app_id):
    """An app's recent SCIM exchanges, bodies (redacted when stored) folded away.

    404 when there is no app with this id.
    """
    app = app_store.found(app_id)
    problems = {}
    number = arg(problems, "page", inputs.page_number) or 1
    page = activity_pages.traffic(app, number)
    return render_template("admin/traffic.html", app=app, page=page, problems=problems,
                           logging=app_store.options_of(app).traffic_log, options_url=_options_url(app),
                           body=activity_pages.pretty_body)


@bp.post("/apps/<id:app_id>/traffic/clear")
def traffic_clear(app_id):
    """Empty an app's traffic log (the CSRF check is the blueprint's).

    404 when there is no app with this id.
    """
    app = app_store.found(app_id)
    cleared = traffic_log.clear(app)
    flash(f"Cleared {cleared} exchange{'' if cleared == 1 else 's'} from the traffic log of '{app.name}'.", "success")
    return redirect(url_for("admin.traffic", app_id=app.id))


@bp.app_template_global()
def activity_sparklines(apps):
    """{app id: a sparkline of its last 24 hours} for these apps, counted in one query (Configured IDPs)."""
    span, now = counts.SPANS["24h"], activity_pages.now()
    found = counts.per_app(span, now)
    return {app.id: charts.sparkline(found.get(app.id) or counts.blank(span, now), app.name) for app in apps}


def _options_url(app):
    """The app's options page, when that page exists in this build."""
    if "admin.options" not in current_app.view_functions:
        return None
    try:
        return url_for("admin.options", app_id=app.id)
    except BuildError:  # the options page is addressed some other way: no link rather than a 500
        return None


def _pairs(known, current=None):
    """(value, label) choices: the known ones, plus the one asked for when not among them (a deleted app's name)."""
    values = list(known) + ([current] if current and current not in known else [])
    return [(value, value) for value in values]
