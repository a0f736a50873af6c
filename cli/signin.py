"""Where the admin signs in, and the password a first start generated, as the commands print them."""

import click

from app import first_password
from blueprints.admin import PREFIX as ADMIN_PREFIX
from config import Config
from store.tenancy.admin import USERNAME

_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def local_url(host, port):
    """The URL of a server bound to host and port, as a browser on this machine reaches it."""
    host = _WILDCARDS.get(host, host)  # bound to every interface: loopback is one of them
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def public_base(config, bound=None):
    """The server's address for admins and IdPs: USERSYNC_PUBLIC_URL when it is set to something of its own,
    else the address the server is bound to (bound), else the default."""
    public = config["PUBLIC_URL"].rstrip("/")
    if bound and public == Config.PUBLIC_URL.rstrip("/"):
        return bound.rstrip("/")
    return public


def admin_url(base):
    """The admin pages' sign-in address under base."""
    return f"{base}{ADMIN_PREFIX}/"


def where(base):
    """One line: where to sign in, and how to set a password without seeing one."""
    return (f"Sign in at {admin_url(base)} as '{USERNAME}'. "
            "Forgot the password? Set a new one with: usersync admin set-password")


def password_frame(base, password):
    """The generated password in a frame of its own, so that it stands apart from the log lines around it."""
    lines = ["usersync: first start. The admin account was created.", "",
             f"Sign in at  {admin_url(base)}", f"Username    {USERNAME}", f"Password    {password}", "",
             "Shown only this once. Change it with: usersync admin set-password"]
    width = max(map(len, lines))
    rule = "+" + "-" * (width + 4) + "+"
    return "\n".join([rule, *(f"|  {line:<{width}}  |" for line in lines), rule])


def announce(app, base):
    """Print the password this app's start generated, if it did (once: it is taken from the app); whether it did."""
    password = first_password(app)
    if password is not None:
        click.echo(password_frame(base, password), err=True)
    return password is not None
