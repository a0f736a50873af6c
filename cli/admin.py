"""`usersync admin set-password`: the admin pages' password, typed twice or piped in."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db
from store.tenancy import admin as admin_store

from . import signin


def _interactive():
    """Whether there is a terminal to prompt on (tests replace this)."""
    return sys.stdin.isatty()


def _read_stdin():
    """One password from stdin: a single trailing newline (echo, here-strings) is not part of it."""
    text = sys.stdin.read()
    if text.endswith("\n"):
        text = text[:-1]
        text = text.removesuffix("\r")
    if "\n" in text or "\r" in text:
        raise click.ClickException("The password on stdin must be a single line.")
    return text


@click.group()
def admin():
    """Manage the admin account of the configuration pages."""


@admin.command("set-password")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from stdin (one line) instead of prompting; needed without a terminal.")
@with_appcontext
def set_password(password_stdin):
    """Set the password the admin signs in with (at least 10 characters); this also ends every signed-in
    session and lifts a lockout after too many failed sign-ins.

    Without --password-stdin it prompts twice, without echoing. Example:
    printf '%s\\n' "$NEW_PASSWORD" | usersync admin set-password --password-stdin
    """
    if password_stdin:
        password = _read_stdin()
    elif _interactive():
        password = click.prompt("New admin password", hide_input=True, confirmation_prompt="Repeat the password")
    else:
        raise click.ClickException("No terminal to prompt on: pipe the password in with --password-stdin.")
    if len(password) < admin_store.MIN_PASSWORD:
        raise click.ClickException(f"The password must have at least {admin_store.MIN_PASSWORD} characters; "
                                   f"this one has {len(password)}. Nothing was changed.")
    with db.connection_context():
        try:
            admin_store.set_password(password)
        except admin_store.AdminError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Password changed for '{admin_store.USERNAME}': every signed-in session has ended and any sign-in "
               "lockout is lifted.")
    click.echo(f"Sign in at {signin.admin_url(signin.public_base(current_app.config))} as '{admin_store.USERNAME}'.")
