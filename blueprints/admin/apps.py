"""Configured IDPs: the list of IdP apps."""

from flask import render_template

from models import IdpApp

from . import bp


@bp.get("/")
def apps():
    """Every configured IdP app."""
    return render_template("admin/apps.html", apps=list(IdpApp.select().order_by(IdpApp.name)))
