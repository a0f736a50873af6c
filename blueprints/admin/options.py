"""Setup Provisioning Options of one IdP app: the form, its group mapping editor and the live previews.

One form holds every option, the directory and the group mapping, so a Save is validated as a
whole and saves everything or nothing (store.tenancy.apps.configure). Its other buttons (Add row, Remove,
Preview) re-render what was typed without saving: the page works without JavaScript, and
static/js/options.js only adds rows in place and asks options_preview as the admin types.
"""

import dataclasses
import re

from flask import flash, jsonify, redirect, render_template, request, url_for

from provisioning import users
from rules import errors as admin_errors
from rules import options as provisioning_options
from rules import patterns, targets
from rules.options import DEFAULT_GROUPS_FOR, HELP, ON_DELETE, UNMAPPED, Options
from scim import errors as scim_errors
from store.pages import scim_groups as scim_group_pages
from store.tenancy import apps as app_store
from store.tenancy import directories as directory_store

from . import bp
from . import reconcile as reconcile_page

# The plugin's own words (miniOrange User Sync's Provisioning tab), so its admins find each setting.
LABELS = {
    "import_users": "Enable Import Users", "username_regex": "Regex on Username",
    "username_replacement": "Replace Username With", "update_users": "Enable Update Users",
    "enable_users": "Enable Users", "disable_users": "Disable Users",
    "on_delete": "When the IDP Deletes a User", "import_groups": "Enable Import User's IDP Groups",
    "group_include": "Import Only Groups Matching", "group_exclude": "Never Import Groups Matching",
    "keep_existing_groups": "Keep Existing Users' Groups", "unmapped_groups": "Groups Not in the Mapping",
    "group_mapping": "Manual Group Mapping", "default_groups": "Default groups",
    "default_groups_for": "Assign Default Groups To", "traffic_log": "Keep a Traffic Log",
}
# Help in an admin's words; rules.options.HELP says the same for the command line, in its values' terms.
PAGE_HELP = {
    "import_users": "Create the user here when the IdP assigns someone to this app. Off: the IdP's new users are "
                    "refused, and each refusal shows under Activity.",
    "username_regex": "Change the IdP's username before it becomes the username here, e.g. (.*)@.* to keep what "
                      "comes before the @. Empty: usernames are kept as the IdP sends them.",
    "username_replacement": "What the username becomes: $1 is what the first brackets of the regex matched, "
                            "e.g. $1.",
    "update_users": "Copy the IdP's changes to a user (name, email, …) to the user here. Off: they are ignored, "
                    "and noted under Activity.",
    "enable_users": "Activate the user here again when the IdP re-activates it.",
    "disable_users": "Deactivate the user here when the IdP deactivates it, so it can no longer sign in.",
    "on_delete": "When the IdP removes a user from this app: deactivate the user here (its history and content "
                 "stay), or delete it.",
    "import_groups": "Give users the groups here that match their groups in the IdP. Off: group memberships "
                     "here are left alone.",
    "group_include": "Only IdP groups whose name matches this regex are imported. Empty: every group.",
    "group_exclude": "IdP groups whose name matches this regex are never imported. Empty: none is left out.",
    "keep_existing_groups": "Users keep the groups an admin or another app gave them. Off: users leave every "
                            "group their IdP groups do not give them.",
    "unmapped_groups": "An IdP group with no row in the Manual Group Mapping: create a group of the same name "
                       "here, or ignore it.",
    "group_mapping": "The groups here that members of an IdP group get.",
    "default_groups": "Groups every user from this app gets, e.g. jira-software-users; separate names with "
                      "commas.",
    "default_groups_for": "Give the default groups to the users this app creates, or to every user it creates "
                          "or updates.",
    "traffic_log": "Keep this app's recent SCIM requests and answers (passwords and tokens removed), to see "
                   "exactly what the IdP sends; open it from Activity.",
}
CHOICES = {
    "on_delete": dict(zip(ON_DELETE, ("Deactivate the user", "Delete the user"), strict=True)),
    "unmapped_groups": dict(zip(UNMAPPED, ("Create a group of the same name", "Ignore them"), strict=True)),
    "default_groups_for": dict(zip(DEFAULT_GROUPS_FOR, ("New users (created by this app)",
                                                        "All users this app touches"), strict=True)),
}
BOOLEANS = tuple(f.name for f in dataclasses.fields(Options) if f.type is bool)
KINDS = {key: "bool" if key in BOOLEANS else "select" if key in CHOICES else "text" for key in HELP}
USERNAME_KEYS = ("username_regex", "username_replacement")
GROUP_KEYS = ("import_groups", "group_include", "group_exclude", "group_mapping", "unmapped_groups")
# How each preview outcome is shown (options.js gets this too, from the form's data-preview-classes).
PREVIEW_CLASSES = {"rewritten": "flag flag-success", "imported": "flag flag-success", "unchanged": "flag",
                   "filtered": "flag", "ignored": "flag", "invalid": "flag flag-error", "timeout": "flag flag-error",
                   "unusable": "flag flag-error", "empty": "help"}
BLANK_ROWS = 2  # empty mapping rows under the saved ones, so a mapping can be added without JavaScript
_ROW_FIELD = re.compile(r"mapping-(\d{1,4})-(idp|host)")


@dataclasses.dataclass
class Form:
    """What the form shows: option values as typed, mapping rows, the directory and the preview samples."""

    values: dict
    rows: list  # [IdP group, host groups as typed] per row
    directory: str
    new_directory: str = ""
    username_sample: str = ""
    group_sample: str = ""


@bp.route("/apps/<id:app_id>/options", methods=["GET", "POST"])
def options(app_id):
    """The Setup Provisioning Options form of one app.

    404 when there is no such app. Save stores everything or nothing; Add row, Remove and
    Preview re-render the typed values, unsaved.
    """
    app = app_store.found(app_id)
    if request.method == "GET":
        return _render(app, _stored(app))
    form = _typed(request.form)
    action = request.form.get("action", "save")
    if "remove_row" in request.form:
        index = _int(request.form["remove_row"])
        form.rows = [row for i, row in enumerate(form.rows) if i != index]
        return _render(app, form, unsaved=True, focus="mapping-add", plan=False)
    if action == "add-row":
        form.rows.append(["", ""])
        return _render(app, form, unsaved=True, focus=f"mapping-{len(form.rows) - 1}-idp", plan=False)
    if action in ("preview-username", "preview-group"):
        kind = action.removeprefix("preview-")
        changes, _ = _changes(form)
        result = PREVIEWS[kind](app, changes, getattr(form, f"{kind}_sample"))
        return _render(app, form, unsaved=True, previews={kind: result}, focus=f"{kind}_sample", plan=False)
    if action == "preview-effect":
        return _render(app, form, unsaved=True, focus="preview-effect")
    return _save(app, form)


@bp.post("/apps/<id:app_id>/options/preview")
def options_preview(app_id):
    """A live preview, nothing saved: {"preview": "username"|"group", "sample": text, "options": {...}} → result.

    404 when there is no such app, 400 when the body is not such an object. Options left out
    are the app's saved ones; CSRF comes in the X-CSRF-Token header.
    """
    app = app_store.found(app_id)
    asked = _preview_asked(request.get_json(silent=True))
    if asked is None:
        return jsonify(outcome="invalid", message='Expected {"preview": "username" or "group", "sample": text, '
                                                  '"options": {option: value}}.'), 400
    kind, changes, sample = asked
    return jsonify(PREVIEWS[kind](app, changes, sample))


def _preview_asked(body):
    """(kind, options, sample) of a preview request's JSON; None unless each has its shape (any JSON may come)."""
    if not isinstance(body, dict):
        return None
    kind, changes, sample = body.get("preview"), body.get("options", {}), body.get("sample", "")
    if not isinstance(kind, str) or kind not in PREVIEWS or not isinstance(changes, dict) or not isinstance(sample, str):
        return None
    return kind, changes, sample


@bp.post("/apps/<id:app_id>/options/effect")
def options_effect(app_id):
    """What saving the form as typed does to the users already provisioned, as JSON; nothing saved.

    404 when there is no such app, 400 unless the body is the options form, form-encoded as Save sends it.
    CSRF comes in the X-CSRF-Token header.
    """
    app = app_store.found(app_id)
    if "directory" not in request.form:
        return jsonify(apply=False, message="Expected the options form's fields, form-encoded as Save sends "
                                            "them."), 400
    return jsonify(reconcile_page.as_json(_effect(app, _typed(request.form)), app))


def _save(app, form):
    """configure() with the whole form; on any problem, the form again with each message beside its field."""
    changes, errors = _changes(form)
    errors.update(_directory_errors(form))
    try:
        validated = provisioning_options.merged(app_store.options_of(app), changes)
    except provisioning_options.OptionsError as exc:
        errors.update(_field_errors(exc.messages, form))
    if not errors:
        try:
            _, changed, created = app_store.configure(
                app.name, options=validated, directory=form.new_directory.strip() or form.directory,
                create_directory=bool(form.new_directory.strip()))
        except app_store.AppError as exc:  # a change made meanwhile; the store saved nothing
            errors = _field_errors(exc.messages, form) or {_directory_field(form): [str(exc)]}
    if errors:
        return _render(app, form, errors=errors), 400
    flash(_summary(changed, created), "success")
    if request.form.get("apply") == "on":
        app = app_store.found(app.id)  # its options and directory as saved
        effect = reconcile_page.apply(app)
        flash(reconcile_page.flash_message(app, effect), "error" if effect.stopped else "success")
    return redirect(url_for("admin.options", app_id=app.id))


def _stored(app):
    """The form filled in from the app's saved options."""
    saved = app_store.options_of(app)
    values = {key: getattr(saved, key) for key in HELP if key != "group_mapping"}
    values["default_groups"] = ", ".join(saved.default_groups)
    rows = [[idp, ", ".join(hosts)] for idp, hosts in saved.group_mapping.items()]
    return Form(values, rows + [["", ""] for _ in range(BLANK_ROWS)], app.directory.name)


def _typed(data):
    """The form as the admin typed it (nothing parsed yet, so it can be shown again as it was)."""
    values = {key: key in data if KINDS[key] == "bool" else data.get(key, "") for key in HELP if key != "group_mapping"}
    indices = sorted({int(m[1]) for m in map(_ROW_FIELD.fullmatch, data) if m})
    rows = [[data.get(f"mapping-{i}-idp", ""), data.get(f"mapping-{i}-host", "")] for i in indices]
    return Form(values, rows, data.get("directory", ""), data.get("new_directory", ""),
                data.get("username_sample", ""), data.get("group_sample", ""))


def _changes(form):
    """(option changes for the store, {field id: [messages]}) from the typed form; no row error is fatal here."""
    changes = {key: value for key, value in form.values.items() if key != "default_groups"}
    changes["default_groups"] = _names(form.values["default_groups"])
    mapping, errors = {}, {}
    seen = {}
    for index, (idp, hosts) in enumerate(form.rows):
        idp, names = idp.strip(), _names(hosts)
        if not idp and not names:
            continue  # a cleared row is a removed row
        if not idp:
            errors[f"mapping-{index}-idp"] = ["Name the IdP group, or clear the row."]
        elif idp.lower() in seen:
            errors[f"mapping-{index}-idp"] = [(f"'{idp}' is in row {seen[idp.lower()] + 1} already "
                                               "(IdP group names are compared regardless of case).")]
        elif not names:
            errors[f"mapping-{index}-host"] = [f"Name at least one host group for '{idp}'."]
        else:
            mapping[idp] = names
            seen[idp.lower()] = index
    changes["group_mapping"] = mapping
    return changes, errors


def _names(text):
    """Comma-separated names, trimmed, without blanks or repeats."""
    return list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


def _directory_errors(form):
    new = form.new_directory.strip()
    if new:
        return {} if len(new) <= 255 else {"new_directory": ["The directory name must be 1 to 255 characters."]}
    if directory_store.find(form.directory) is None:
        return {"directory": [f"No directory named '{form.directory}'; choose one of the list."]}
    return {}


def _directory_field(form):
    return "new_directory" if form.new_directory.strip() else "directory"


def _field_errors(messages, form):
    """{field id: [message]} from OptionsError.messages: mapping problems go to their row."""
    errors = {}
    for key, problems in messages.items():
        if key == "group_mapping" and isinstance(problems, dict):
            rows = {idp.strip(): index for index, (idp, _) in reversed(list(enumerate(form.rows)))}
            for idp, problem in problems.items():
                part = "idp" if isinstance(problem, dict) and "key" in problem else "host"
                field = f"mapping-{rows[idp]}-{part}" if idp in rows else key
                errors.setdefault(field, []).append(admin_errors.phrase(problem))
        elif key == "username_regex" and _compiles(form.values.get(key)):
            errors.setdefault("username_replacement", []).append(admin_errors.phrase(problems))  # $2 with one group
        else:
            errors.setdefault(key, []).append(admin_errors.phrase(problems))
    return errors


def _compiles(pattern):
    try:
        patterns.compile_pattern(pattern)
    except patterns.PatternError:
        return False
    return True


def _summary(changed, created):
    """The flash after a save: what changed, old → new for the short values."""
    if not changed:
        return "Saved. Nothing changed."
    parts = [f"{key} ({_shown(old)} → {_shown(new)})" if not isinstance(new, (dict, list)) else key
             for key, (old, new) in changed.items()]
    made = f" Created the directory '{created.name}'." if created is not None else ""
    return f"Saved. Changed: {', '.join(parts)}.{made}"


def _shown(value):
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"'{value}'" if value else "empty"


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return -1


def _render(app, form, errors=None, unsaved=False, previews=None, focus=None, plan=True):
    """The page; plan=False leaves the effect on existing users to Preview effect (a dry run reads every user the
    app provisioned: Add row, Remove and the username and group previews do not need it) and "Also apply" as
    the page that posted had it."""
    errors = errors or {}
    effect = _effect(app, form) if plan else None
    offered = effect.apply if effect is not None else "apply_offered" in request.form
    return render_template(
        "admin/options.html", app=app, form=form, errors=errors, unsaved=unsaved, previews=previews or {},
        focus=focus, help=PAGE_HELP, labels=LABELS, kinds=KINDS, choices=CHOICES, preview_classes=PREVIEW_CLASSES,
        effect_html=reconcile_page.fragment(effect, app) if effect is not None else None,
        apply_offered=offered, apply_checked=offered and _apply_kept(request.form),
        summary=[(field, _label(field), " ".join(messages)) for field, messages in errors.items()],
        provider=app_store.PROVIDERS.get(app.provider, app.provider),
        directories=directory_store.list_directories(), idp_groups=scim_group_pages.scim_group_names(app.directory_id))


def _apply_kept(data):
    """The admin's choice of "Also apply" when the page comes back (Add row, a preview, an error); else on."""
    return "apply" in data if "apply_offered" in data else True


def _effect(app, form):
    """What saving the form as typed does to the users already provisioned: planned, nothing saved."""
    changes, errors = _changes(form)
    errors.update(_directory_errors(form))
    saved = app_store.options_of(app)
    try:
        options = provisioning_options.merged(saved, changes)
    except provisioning_options.OptionsError as exc:
        errors.update(_field_errors(exc.messages, form) or {"options": [str(exc)]})
    if errors:
        problems = "; ".join(f"{_label(field)}: {' '.join(messages)}" for field, messages in errors.items())
        return reconcile_page.unavailable(f"Saving would be refused ({problems}), so it changes no user "
                                          "already provisioned.")
    new = form.new_directory.strip()
    directory = directory_store.find(new or form.directory)
    note = "" if directory is not None else (f"Users this app provisioned move into '{new}' once it exists: "
                                             "Save creates it, then Also apply (or Re-apply options) moves them.")
    directory_id = directory.id if directory is not None else None
    if options == saved and directory_id == app.directory_id:
        return reconcile_page.plan(app)
    return reconcile_page.plan(app, options, directory_id, saved=False, note=note)


def _label(field):
    """How the error summary names a field."""
    row = _ROW_FIELD.fullmatch(field)
    if row:
        return f"Group mapping, row {int(row[1]) + 1}, {'IdP group' if row[2] == 'idp' else 'host groups'}"
    return LABELS.get(field) or {"directory": "Directory Selection", "new_directory": "New directory"}.get(field, field)


# Live previews: the provisioning code itself on options built from the form, never saved.

def _preview_options(app, changes, keys, sample):
    """(Options with the typed keys over the saved ones, None) or (None, the result saying why there are none)."""
    if len(sample) > patterns.MAX_INPUT:
        return None, {"outcome": "invalid", "message": f"Try at most {patterns.MAX_INPUT} characters."}
    try:
        return provisioning_options.merged(app_store.options_of(app),
                                           {key: changes[key] for key in keys if key in changes}), None
    except provisioning_options.OptionsError as exc:
        # The username rule's two fields read as one rule; a group option's problem names its key.
        named = len(keys) > len(USERNAME_KEYS)
        return None, {"outcome": "invalid", "message": " ".join(f"{key}: {admin_errors.phrase(problems)}" if named else
                                                                admin_errors.phrase(problems)
                                                                for key, problems in exc.messages.items())}


def preview_username(app, changes, sample):
    """The host username the typed username rule gives the sample userName."""
    if not sample:
        return {"outcome": "empty", "message": "Type an IdP userName to see its host username."}
    options, invalid = _preview_options(app, changes, USERNAME_KEYS, sample)
    if invalid:
        return invalid
    try:
        host, _ = users.host_username(options, sample)
    except scim_errors.InvalidValue as exc:
        compiled = patterns.compile_pattern(options.username_regex)
        if patterns.replace_all(compiled, options.username_replacement, sample) is None:
            return {"outcome": "timeout", "message": "Timed out: the pattern takes too long on this userName; "
                                                     "a SCIM request with it would be refused (400)."}
        return {"outcome": "unusable", "message": exc.detail}
    if host == sample:
        why = "" if options.username_regex else " (no username pattern is set)"
        return {"outcome": "unchanged", "host_username": host, "message": f"No change: host username '{host}'{why}."}
    return {"outcome": "rewritten", "host_username": host, "message": f"Host username: '{host}'."}


def preview_group(app, changes, sample):
    """What the typed group filter and mapping make of an IdP group name."""
    if not sample:
        return {"outcome": "empty", "message": "Type an IdP group name to see what it becomes on the host."}
    options, invalid = _preview_options(app, changes, GROUP_KEYS, sample)
    if invalid:
        return invalid
    for key in ("group_include", "group_exclude"):
        if options.import_groups and getattr(options, key) and \
                patterns.search(patterns.compile_pattern(getattr(options, key)), sample) is None:
            return {"outcome": "timeout", "message": f"Timed out: {key} takes too long on this name; "
                                                     "such a group is filtered out."}
    names, why = targets.targets_of(options, sample)
    mapped = sample.lower() in {idp.lower() for idp in options.group_mapping}
    if names:
        how = "mapped" if mapped else "not in the mapping: a host group of the same name"
        return {"outcome": "imported", "host_groups": names,
                "message": f"Imported as host group(s) {', '.join(names)} ({how})."}
    if not options.import_groups:
        message = "Ignored: group import is off."
    elif why.filtered:
        return {"outcome": "filtered", "host_groups": [], "message": f"Filtered out: {why.detail}."}
    else:
        message = "Ignored: mapped to no host group." if mapped else \
            "Ignored: not mapped, and unmapped groups are ignored."
    return {"outcome": "ignored", "host_groups": [], "message": message}


PREVIEWS = {"username": preview_username, "group": preview_group}
