"""`usersync simulate PROVIDER`: play an IdP's provisioning sequence against this server's SCIM base URL, or another."""

import ipaddress
import json
import re
import sys
from contextlib import contextmanager
from urllib.parse import urlsplit

import click

from config import Config
from scim.constants import BASE_PATH

# The keys of simulate.SEQUENCES (a test keeps them equal). The package is imported when the command
# runs, so that the rest of `usersync` never depends on it.
PROVIDERS = ("oracle", "okta", "entra")
PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
LABEL_WIDTH = 30


def _prefix(_ctx, _param, value):
    if not PREFIX.match(value):
        raise click.BadParameter("1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    return value


def _own_base_url():
    """This server's SCIM base URL, as `usersync apps create` prints it."""
    return Config.from_env()["PUBLIC_URL"].rstrip("/") + BASE_PATH


def _token(_ctx, _param, value):
    if not value.strip():
        raise click.BadParameter("empty.")
    return value.strip()


@contextmanager
def _progress(label, items):
    """One bar per phase on stderr; without a terminal click prints only the label, once."""
    stderr = sys.stderr  # looked up now: click's test runner swaps it
    label = f"{label:<{LABEL_WIDTH}}" if stderr.isatty() else label
    with click.progressbar(items, label=label, file=stderr, show_pos=True) as bar:
        yield bar


def _warn(base_url, insecure):
    parts = urlsplit(base_url.strip())
    if insecure and parts.scheme == "https":
        click.secho("WARNING: --insecure: the server's TLS certificate is NOT verified; anyone on the way can "
                    "read the bearer token. Use it only against a test server you control.",
                    fg="red", bold=True, err=True)
    if parts.scheme == "http" and not _loopback(parts.hostname):
        click.secho(f"WARNING: plain http: the bearer token travels unencrypted to {parts.hostname}.",
                    fg="yellow", err=True)


def _loopback(host):
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _human(summary):
    """The steps with their requests and outcomes, then the total."""
    failed = {failure["step"] for failure in summary["failures"]}
    for step, counts in summary["steps"].items():
        outcomes = [f"{name} {n}" for name, n in counts.items() if name != "requests"]
        outcomes += ["FAILED"] if step in failed else []
        requests = counts.get("requests", 0)
        noun = "request" if requests == 1 else "requests"
        line = f"{step:<{LABEL_WIDTH}} {requests:>6} {noun:<8}  {', '.join(outcomes)}"
        click.echo(line.rstrip())
    state = "Done" if summary["ok"] else "Stopped"
    click.echo(f"{state}: {_counted(summary['requests'], 'request')} in {summary['elapsed']:.1f} s.")


def _counted(count, noun):
    return f"{count} {noun}" + ("" if count == 1 else "s")


@click.command()
@click.argument("provider", type=click.Choice(PROVIDERS))
@click.option("--base-url", metavar="URL",
              help="The SCIM base URL (a trailing / is fine). Default: this server's, "
                   "$USERSYNC_PUBLIC_URL/plugins/servlet/usersync/scim (http://127.0.0.1:8090/... when unset).")
@click.option("--token", required=True, envvar="USERSYNC_TOKEN", callback=_token, metavar="TOKEN",
              help="The IdP app's bearer token (or set USERSYNC_TOKEN). Never printed.")
@click.option("--users", default=10, show_default=True, type=click.IntRange(1, 10000), help="Users to provision.")
@click.option("--groups", default=3, show_default=True, type=click.IntRange(0, 1000),
              help="Groups to provision; users join them round-robin.")
@click.option("--delay", default=0.0, show_default=True, type=click.FloatRange(0, 60), metavar="SECONDS",
              help="Pause after each operation, so a demo can watch users arrive (try 0.2).")
@click.option("--prefix", default="demo", show_default=True, callback=_prefix,
              help="Names: PREFIX.user01@example.com (user001 from 100 users), PREFIX-group-01. "
                   "Rerunning a prefix replays over what exists.")
@click.option("--update", type=click.Choice(["patch", "put"]),
              help="oracle only: Update/De-activate Account as PATCH (default) or PUT (__ACCOUNT__.Update=PUT).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(1, 600), metavar="SECONDS",
              help="Per-request timeout.")
@click.option("--insecure", is_flag=True, help="Do not verify the TLS certificate (test servers only).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON summary (counts per step, failures, elapsed) instead of the table.")
def simulate(provider, base_url, token, users, groups, delay, prefix, update, timeout, insecure, as_json):
    """Play PROVIDER's provisioning sequence (oracle, okta, entra) against this server or any SCIM server.

    Creates PREFIX users and groups, adds members, renames a few users, deactivates one in five
    and (oracle, entra) deletes one, sending the requests each IdP sends. Step names go to stderr
    (with progress bars on a terminal), the summary to stdout. Exit code 1 if a step fails.

    \b
    Example:
      usersync simulate oracle --users 20 --delay 0.2 --token "$TOKEN"
    """
    from simulate import SEQUENCES, SimulateError
    from simulate import simulate as play

    if update and provider != "oracle":
        raise click.UsageError("--update applies to oracle only (Okta updates with PUT, Entra with PATCH).")
    if base_url is None:
        base_url = _own_base_url()
    _warn(base_url, insecure)
    sequence = SEQUENCES[provider]
    click.echo(f"{sequence.LABEL} -> {base_url.strip().rstrip('/')}: {_counted(users, 'user')}, {_counted(groups, 'group')}, "
               f"prefix {prefix!r}", err=True)
    try:
        summary = play(provider, base_url, token, timeout=timeout, insecure=insecure, users=users, groups=groups,
                       prefix=prefix, delay=delay, update=update or "patch", progress=_progress)
    except SimulateError as error:  # a base URL it cannot use
        raise click.UsageError(str(error)) from None
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _human(summary)
    if not summary["ok"]:
        raise click.ClickException(summary["failures"][0]["message"])
