"""The site root: straight to the configuration pages; and the icon browsers ask the root for."""

from flask import Blueprint, current_app, redirect, send_from_directory, url_for

bp = Blueprint("ui", __name__)


@bp.get("/")
def index():
    """The plugin's Configuration tab lives under the servlet prefix."""
    return redirect(url_for("admin.apps"))


@bp.get("/favicon.ico")
def favicon():
    """static/favicon.ico where browsers look first, at the root (the pages link static/favicon.svg too)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
