"""The site root: straight to the configuration pages."""

from flask import Blueprint, redirect, url_for

bp = Blueprint("ui", __name__)


@bp.get("/")
def index():
    """The plugin's Configuration tab lives under the servlet prefix."""
    return redirect(url_for("admin.apps"))
