"""The wizard's steps: provider → sync method → app name → Save (the REST API method: → connection → Save).

Steps 1-3 are GET forms: the choices so far travel in the query string (and hidden fields), so Back,
reload and bookmarks work and nothing is kept on the server. Only Save posts, and only Save writes;
the REST API method's connection step (rest.py) posts its secret with Save, never in a query string.
Save redirects to the app's result page (post/redirect/get): reloading it, or sending the same form
again after Back, never creates a second app.
"""

from flask import abort, redirect, render_template, request, session, url_for

from store.tenancy import apps as app_store
from store.tenancy import directories as directory_store

from . import bp, connect
from .source import REST_STEPS

METHODS = {"scim": "SCIM", "rest": "REST API"}
# The session carries a new app's token from Save to its result page, which shows it once: it travels in the
# admin's own signed cookie for one redirect, as it would in the page, and is never stored on the server.
NEW_TOKEN = "wizard_new_token"
SAVED = "wizard_saved"  # ids of the apps this session's wizard saved, to know the same form sent again
SAVED_KEPT = 20
STEPS = ("Identity provider", "Sync method", "App name", "Connect")
NAME_MAX = app_store.NAME_MAX


@bp.get("/")
def provider():
    """Step 1: which identity provider (Oracle IDCS first)."""
    return _provider_step(request.args.get("provider", ""))


@bp.get("/method")
def method():
    """Step 2: SCIM push or REST API pull."""
    chosen = request.args.get("provider", "")
    if chosen not in app_store.PROVIDERS:
        return _provider_step(chosen, "Choose the identity provider you are connecting.")
    return _method_step(chosen, request.args.get("method") or _default_method(chosen))


@bp.get("/details")
def details():
    """Step 3: the app's name and the directory it provisions into."""
    chosen, how = request.args.get("provider", ""), request.args.get("method", "")
    problem = check_choices(chosen, how)
    if problem is not None:
        return problem
    return details_step(chosen, how, request.args.get("name", ""), request.args.get("directory", ""))


@bp.post("/save")
def save():
    """Create the app and show its SCIM base URL and bearer token, once (REST API: on to its connection step)."""
    form = request.form
    chosen, how = form.get("provider", ""), form.get("method", "")
    problem = check_choices(chosen, how)
    if problem is not None:
        return problem
    name, directory = form.get("name", "").strip(), form.get("directory", "").strip()
    again = saved_before(name, chosen, how)
    if again is not None and how == "scim":  # sent again (Back, then Save): the page of the app it made
        return redirect(url_for("wizard.result", app_id=again.id), 303)
    errors = check_details(name, directory)
    if errors:
        return details_step(chosen, how, name, directory, errors)
    if how == "rest":  # its source is saved with it, from the connection step (rest.py)
        return redirect(url_for("wizard.connection", provider=chosen, method=how, name=name, directory=directory),
                        303)
    try:
        app, token = app_store.create(name, chosen, how, directory or None)
    except app_store.AppError as exc:
        return taken(chosen, how, name, directory, exc)
    remember_saved(app)
    session[NEW_TOKEN] = {"app": app.id, "token": token}
    return redirect(url_for("wizard.result", app_id=app.id), 303)


@bp.get("/apps/<id:app_id>")
def result(app_id):
    """The app's SCIM base URL, its bearer token the first time only, and its IdP's steps.

    Raises 404 for an unknown app.
    """
    try:
        app = app_store.found(app_id)
    except app_store.AppNotFound as exc:
        abort(404, description=str(exc))
    token = _new_token(app)
    if token is None:
        return connect.render_result(app, None, f"{app.name} exists", STEPS, exists=True)
    return connect.render_result(app, token, f"{app.name} is ready", STEPS)


def _new_token(app):
    """The token Save just made for the app, taken from the session (so shown once); None once shown, or when
    the app's token has changed since."""
    held = session.get(NEW_TOKEN)
    if not isinstance(held, dict) or held.get("app") != app.id:
        return None
    session.pop(NEW_TOKEN)
    token = held.get("token") or ""
    return token if app_store.token_hash(token) == app.token_hash else None


def remember_saved(app):
    """Note that this session's wizard saved the app (the newest SAVED_KEPT are kept)."""
    session[SAVED] = [*session.get(SAVED, [])[-(SAVED_KEPT - 1):], app.id]


def saved_before(name, provider, method):
    """The app this session's wizard saved under this name (any case), provider and method, or None: the same
    form sent again, which must not be refused as a name taken by someone else nor create anything."""
    app = app_store.by_name(name) if name else None
    if app is None or app.id not in session.get(SAVED, ()) or (app.provider, app.method) != (provider, method):
        return None
    return app


def taken(chosen, how, name, directory, exc):
    """The details step again after create() refused: a race with another admin (or the CLI) taking the name
    or removing the directory between the check and the insert."""
    field = "name" if app_store.by_name(name) is not None else "directory"
    return details_step(chosen, how, name, directory, {field: str(exc)})


def check_choices(chosen, how):
    """The earlier step to show again when the provider or method is missing or unknown, else None."""
    if chosen not in app_store.PROVIDERS:
        return _provider_step(chosen, "Choose the identity provider you are connecting.")
    if how not in METHODS:
        return _method_step(chosen, how, "Choose how users and groups reach usersync: SCIM or REST API.")
    return None


def check_details(name, directory):
    """{field: message} for the name and directory; empty when both are fine."""
    errors = {}
    if not name:
        errors["name"] = "Enter a name for the app."
    elif len(name) > NAME_MAX:
        errors["name"] = f"The name can have at most {NAME_MAX} characters; this one has {len(name)}."
    elif (existing := app_store.by_name(name)) is not None:  # regardless of case: it names the one it found
        errors["name"] = f"An app named '{existing.name}' already exists. Choose another name."
    if directory and directory_store.find(directory) is None:
        errors["directory"] = f"There is no directory named '{directory}'. Choose one from the list."
    return errors


def _default_method(chosen):
    # Google Workspace cannot push SCIM to a custom app; its users can only be pulled.
    return "rest" if chosen == "google" else "scim"


def _provider_step(chosen, error=None):
    return render_template("wizard/provider.html", step=0, steps=STEPS, providers=app_store.PROVIDERS,
                           provider=chosen, errors={"provider": error} if error else {}), 400 if error else 200


def _method_step(chosen, how, error=None):
    return render_template("wizard/method.html", step=1, steps=STEPS, provider=chosen,
                           provider_label=app_store.PROVIDERS[chosen], method=how, methods=METHODS,
                           errors={"method": error} if error else {}), 400 if error else 200


def details_step(chosen, how, name, directory, errors=None):
    directories = directory_store.list_directories()
    if not directory and directories:
        directory = directories[0]["name"]
    return render_template("wizard/details.html", step=2, steps=REST_STEPS if how == "rest" else STEPS,
                           provider=chosen, provider_label=app_store.PROVIDERS[chosen], method=how,
                           method_label=METHODS[how],
                           name=name, directory=directory, directories=directories, name_max=NAME_MAX,
                           errors=errors or {}), 400 if errors else 200
