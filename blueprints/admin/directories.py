"""Directories: the host's user directories with their counts, and a form to create one."""

from flask import flash, redirect, render_template, request, url_for

from store.pages import inputs
from store.tenancy import directories as store

from . import bp


@bp.route("/directories", methods=["GET", "POST"])
def directories():
    """Every directory in order with its counts; a POST creates one (its problems shown beside the fields)."""
    form, problems = {}, {}
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in ("name", "description", "position")}
        created = _create(form, problems)
        if created is not None:
            flash(f"Directory '{created.name}' created.", "success")
            return redirect(url_for("admin.directories"))
    ids = {name: directory_id for directory_id, name in inputs.directory_choices()}
    html = render_template("admin/directories.html", directories=store.list_directories(), ids=ids,
                           form=form, problems=problems)
    return html, 400 if problems else 200


def _create(form, problems):
    """The directory the form asks for, or None with problems[field] saying why."""
    position = form["position"].strip()
    # Longer than the largest position's digits: out of range, and past what int() reads when thousands long.
    if position and not (position.isascii() and position.isdigit() and len(position) <= len(str(store.MAX_POSITION))):
        problems["position"] = (f"The position must be a whole number from 0 to {store.MAX_POSITION} (0: first, the "
                                "default directory).")
        return None
    try:
        return store.create(form["name"], form["description"].strip(), int(position) if position else None)
    except store.DirectoryError as exc:
        problems["name"] = str(exc)
        return None
