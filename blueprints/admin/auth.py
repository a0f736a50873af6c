"""Sign-in and sign-out, throttled per client address and username."""

from flask import current_app, flash, redirect, render_template, request, url_for

from store.tenancy import admin

from . import bp, security

MAX_NEXT = 2000  # a page's address with its filters; longer is no link of ours


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; too many failures lock the address out for a while."""
    if request.method == "GET":
        return render_template("admin/login.html", next=_safe_next(request.args.get("next")) or "")
    security.check_csrf()
    username = request.form.get("username", "").strip()
    key = admin.failure_key(request.remote_addr, username)
    config = current_app.config
    if not admin.attempt(key, config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_SECONDS"]):
        minutes = config["LOGIN_WINDOW_SECONDS"] // 60
        return _refused(username, f"Too many failed sign-ins. Try again in {minutes} minutes.", 429)
    if not admin.verify(username, request.form.get("password", "")):
        return _refused(username, "The username or password is not right.", 401)
    admin.clear_attempts(key)
    security.sign_in(username.lower())
    return redirect(_safe_next(request.form.get("next")) or url_for("admin.apps"))


@bp.post("/logout")
def logout():
    """Sign out and go back to the sign-in page."""
    security.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))


def _refused(username, message, status):
    return render_template("admin/login.html", error=message, username=username,
                           next=_safe_next(request.form.get("next")) or ""), status


def _safe_next(target):
    """target when it is a path on this site, else None: never an open redirect (//host, and /\\host, which
    browsers read as //host), and no control character, which a Location header cannot carry."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or not target.isprintable():
        return None
    return target
