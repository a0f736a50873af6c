"""The `usersync` command line: serve, and manage IdP apps and host directories."""

import click
from flask.cli import ScriptInfo

from . import signin
from .admin import admin
from .apps import apps
from .audit import audit, traffic
from .backup import backup, restore
from .directories import directories
from .groups import groups
from .reconcile import reapply
from .serve import serve
from .simulate import simulate
from .sync import sync, sync_source
from .users import users


def _create_app():
    from app import create_app

    return create_app()


class _Info(ScriptInfo):
    """The app, built on demand (flask.cli.with_appcontext) so --help never touches the store, and remembered."""

    def __init__(self):
        super().__init__(create_app=_create_app, load_dotenv_defaults=False)
        self.built = None

    def load_app(self):
        self.built = super().load_app()
        return self.built


class _Group(click.Group):
    """Commands that need the app build it on demand. When that start created the store, whichever command it
    was shows the admin password it generated: `serve` with where it listens, any other after its own output."""

    def make_context(self, info_name, args, parent=None, **extra):
        extra.setdefault("obj", _Info())
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        finally:
            if isinstance(ctx.obj, _Info) and ctx.obj.built is not None:
                signin.announce(ctx.obj.built, signin.public_base(ctx.obj.built.config))


@click.group(cls=_Group)
def main():
    """usersync: a SCIM 2.0 provisioning target emulating miniOrange User Sync & Group Sync."""


main.add_command(serve)
apps.add_command(reapply)
main.add_command(apps)
main.add_command(audit)
main.add_command(traffic)
main.add_command(directories)
main.add_command(users)
main.add_command(groups)
main.add_command(simulate)
main.add_command(admin)
main.add_command(backup)
main.add_command(restore)
main.add_command(sync)
main.add_command(sync_source)
