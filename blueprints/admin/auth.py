"""Sign-in and sign-out, throttled per client address and username."""

from urllib.parse import urlparse

from flask import current_app, flash, redirect, render_template, request, url_for

from store.tenancy import admin

from . import bp, security


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; too many failures lock the address out for a while."""
    if request.method == "GET":
        return render_template("admin/login.html", next=request.args.get("next", ""))
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
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    """Sign out and go back to the sign-in page."""
    security.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))


def _refused(username, message, status):
    return render_template("admin/login.html", error=message, username=username,
                           next=request.form.get("next", "")), status


def _safe_next(target):
    """Only a path on this site, never an open redirect."""
    parsed = urlparse(target or "")
    if target and not parsed.scheme and not parsed.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("admin.apps")
