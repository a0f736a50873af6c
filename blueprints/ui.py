"""The admin landing page (the setup wizard grows here)."""

from flask import Blueprint, render_template, request

from models import IdpApp

from .scim.http import PREFIX

bp = Blueprint("ui", __name__)


@bp.get("/")
def index():
    """Where the SCIM base URL is and which IdP apps are configured."""
    apps = list(IdpApp.select().order_by(IdpApp.name))
    return render_template("index.html", apps=apps, base_url=request.host_url.rstrip("/") + PREFIX)
