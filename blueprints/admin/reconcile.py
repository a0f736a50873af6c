"""What an app's options do to the users it already provisioned: the options page's summary, Re-apply options.

Both use the reconcile engine (provisioning/reconcile): a dry run to show the plan, a run to apply it, batch
by batch in the request (one transaction per 500 users, so a run that stops leaves no batch half-applied).
"""

import dataclasses
import logging

from flask import render_template, request, url_for
from markupsafe import Markup

from provisioning import reconcile as engine
from rules.errors import Refused
from scim.errors import ScimError
from store.tenancy import apps as app_store

from . import bp

log = logging.getLogger(__name__)

LIMIT = 100  # changes (and, apart, conflicts) listed under the counts; the counts cover every one
NAMED = 3  # host groups, and conflicts, a one-line summary names before "and N more"
KIND_WORDS = {"rename": "renamed", "join": "joins", "leave": "leaves", "create-group": "host group created",
              "activate": "activated", "deactivate": "deactivated", "move": "moved"}


@dataclasses.dataclass
class Effect:
    """A reconcile planned or applied: its counts, the users it changes, and the first changes and conflicts."""

    counts: engine.Counts = dataclasses.field(default_factory=engine.Counts)
    changed: set = dataclasses.field(default_factory=set)  # ids of the users with a change (conflicts aside)
    changes: list = dataclasses.field(default_factory=list)
    conflicts: list = dataclasses.field(default_factory=list)
    result: engine.Result = None
    saved: bool = True  # planned for the saved options and directory (not for what is typed)
    unavailable: str = ""  # why there is no plan (options that do not validate)
    note: str = ""  # what the plan leaves out
    stopped: str = ""  # why an apply stopped

    def __call__(self, change):
        """The engine's report: count nothing (the Result does), keep the first changes and who they touch."""
        if change.kind == "conflict":
            if len(self.conflicts) < LIMIT:
                self.conflicts.append(change)
            return
        if change.resource_type == "User":
            self.changed.add(change.resource_id)
        if len(self.changes) < LIMIT:
            self.changes.append(change)

    @property
    def apply(self):
        """Whether there is anything to apply."""
        return not self.unavailable and self.counts.changes > 0

    @property
    def hidden(self):
        """Changes counted but not listed."""
        return self.counts.changes - len(self.changes)

    @property
    def hidden_conflicts(self):
        return self.counts.conflicts - len(self.conflicts)


def plan(app, options=None, directory_id=None, saved=True, note=""):
    """A dry run of the app's saved options, or of options (and a directory) an admin has not saved yet."""
    effect = Effect(saved=saved, note=note)
    effect.result = engine.run(app, dry_run=True, report=effect, options=options, directory_id=directory_id)
    effect.counts = effect.result.counts
    return effect


def unavailable(why):
    """No plan, and why."""
    return Effect(unavailable=why, saved=False)


def apply(app):
    """Apply the app's saved options to its users; a run that stops keeps the batches it committed."""
    effect = Effect()
    try:
        effect.result = engine.run(app, dry_run=False, report=effect)
    except (Refused, ScimError) as error:  # a refusal in the admin's words; the committed batches stay applied
        effect.stopped = str(error)
        return effect
    except Exception:  # noqa: BLE001 (the committed batches stay applied; the page says the run stopped)
        log.exception("re-applying the options of '%s' stopped", app.name)
        effect.stopped = "an unexpected error, written to the server's log"
        return effect
    effect.counts = effect.result.counts
    return effect


def summary(effect):
    """One line: what Save (or Re-apply) changes for the users already provisioned."""
    if effect.unavailable:
        return effect.unavailable
    counts = effect.counts
    if not counts.users:
        return "This app has provisioned no users yet: the options apply to its new requests."
    if effect.apply:
        parts = ", ".join(_parts(counts))
        if effect.saved:
            number = len(effect.changed)
            verb = "does" if number == 1 else "do"
            return f"{_users(number)} already provisioned {verb} not follow the saved options yet: {parts}."
        return f"Saving changes {_users(len(effect.changed))} already provisioned: {parts}."
    if counts.conflicts:
        return (f"Nothing can be applied to the {_users(counts.users)} already provisioned: "
                f"{_count(counts.conflicts, 'conflict', 'conflicts')}, left alone.")
    if counts.users == 1:
        return ("The user already provisioned follows the saved options: nothing to apply." if effect.saved else
                "Saving does not change the user already provisioned: nothing to apply.")
    if effect.saved:
        return f"All {counts.users} users already provisioned follow the saved options: nothing to apply."
    return f"Saving changes none of the {counts.users} users already provisioned: nothing to apply."


def applied(effect):
    """One line: what an apply did."""
    if effect.stopped:
        return (f"Applying to the users already provisioned stopped: {effect.stopped}. The batches before the "
                "one that failed are applied, that one is not; Re-apply options to finish.")
    counts = effect.counts
    if not counts.changes and not counts.conflicts:
        return "Nothing to apply: every user already provisioned follows the options."
    done = (f"Applied to {_users(len(effect.changed))} already provisioned: "
            f"{', '.join(_parts(counts, conflicts=False))}." if counts.changes else "Nothing applied.")
    if counts.conflicts:
        named = "; ".join(f"{change.subject} ({change.detail})" for change in effect.conflicts[:NAMED])
        more = f"; and {counts.conflicts - NAMED} more" if counts.conflicts > NAMED else ""
        done += f" {_count(counts.conflicts, 'conflict', 'conflicts')} left alone: {named}{more}."
    return done


def flash_message(app, effect):
    """The flash after an apply: applied() with a link to the app's reconcile events on Activity."""
    link = url_for("admin.activity", app=app.name, operation="reconcile")
    return Markup('{} <a href="{}" id="reconcile-activity">See the reconcile events on Activity</a>.').format(
        applied(effect), link)


def fragment(effect, app):
    """The summary and its details as the options page shows them (for options.js too)."""
    return Markup(render_template("admin/reconcile_effect.html", app=app, effect=effect, line=summary(effect),
                                  details=_details(effect), words=KIND_WORDS))


def as_json(effect, app):
    """The summary, the counts and the listed changes, with the HTML the page shows."""
    return {"apply": effect.apply, "summary": summary(effect), "users": len(effect.changed),
            "counts": effect.counts.as_dict(), "unavailable": bool(effect.unavailable),
            "changes": [change.as_dict() for change in effect.changes],
            "conflicts": [change.as_dict() for change in effect.conflicts], "html": str(fragment(effect, app))}


@bp.route("/apps/<id:app_id>/reapply", methods=["GET", "POST"])
def reapply(app_id):
    """Re-apply options: the plan for the app's saved options, then (POST) apply it and show what was done.

    404 when there is no such app.
    """
    app = app_store.found(app_id)
    if request.method == "GET":
        return _page(app, plan(app))
    effect = apply(app)
    return _page(app, effect, done=True), 500 if effect.stopped else 200


def _page(app, effect, done=False):
    return render_template("admin/reconcile.html", app=app, effect=effect, done=done,
                           line=applied(effect) if done else summary(effect), details=_details(effect),
                           words=KIND_WORDS,
                           provider=app_store.PROVIDERS.get(app.provider, app.provider),
                           activity=url_for("admin.activity", app=app.name, operation="reconcile"))


def _details(effect):
    """What the details list: 'Details: 19 changes and 1 conflict'."""
    counts = effect.counts
    parts = [_count(number, one, many) for number, one, many in
             ((counts.changes, "change", "changes"), (counts.conflicts, "conflict", "conflicts")) if number]
    return "Details: " + " and ".join(parts)


def _parts(counts, conflicts=True):
    """'5 renamed', '12 join jira-developers', ...: each kind of change counted, conflicts last."""
    parts = [f"{counts.renamed} renamed"] if counts.renamed else []
    parts += _per_group(counts.joins, "join")
    parts += _per_group(counts.leaves, "leave")
    parts += [_count(getattr(counts, key), *words) for key, *words in _COUNTED if getattr(counts, key)]
    if conflicts and counts.conflicts:
        parts.append(_count(counts.conflicts, "conflict", "conflicts"))
    return parts


_COUNTED = (("groups_created", "host group created", "host groups created"),
            ("activated", "activated", "activated"), ("deactivated", "deactivated", "deactivated"),
            ("moved", "moved to the app's directory", "moved to the app's directory"),
            ("groups_moved", "SCIM group moved", "SCIM groups moved"))


def _per_group(per_group, verb):
    """The host groups most joined (or left) by name, the rest together."""
    ranked = sorted(per_group.items(), key=lambda item: (-item[1], item[0].lower()))
    parts = [f"{number} {verb} {name}" for name, number in ranked[:NAMED]]
    rest = ranked[NAMED:]
    if rest:
        parts.append(f"{sum(number for _, number in rest)} {verb} {len(rest)} other host groups")
    return parts


def _count(number, one, many):
    return f"{number} {one if number == 1 else many}"


def _users(number):
    return _count(number, "user", "users")
