"""Which hosts a request may name (USERSYNC_TRUSTED_HOSTS), as Django's ALLOWED_HOSTS does.

The SCIM base URL the pages show, and SCIM's Location, meta.location and $ref, are built from the request's
Host: a request naming another host would have them point there. Behind TRUSTED_PROXY, waitress has put
X-Forwarded-Host in Host's place; a forwarded host that reached us any other way is checked as well.

Flask has this check (its TRUSTED_HOSTS), but Werkzeug 3.1's matcher compares names case-sensitively and
never matches a bracketed IPv6 literal such as [::1] (it cuts each entry at its first ':'), so the check
is ours and Flask's stays off.
"""

import logging
import re
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import SecurityError

from config import Config

log = logging.getLogger(__name__)

ANY = "*"
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("", "0.0.0.0", "::", "[::]")  # bound to every interface: no one name to trust
SETTING = "USERSYNC_TRUSTED_HOSTS"
_KEY = "usersync.trusted_hosts"
# name or [IPv6 address], then an optional final dot and port; the characters Werkzeug accepts in a host
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)\.?(?::([0-9]{1,5}))?")
_SHOWN = re.compile(r"[A-Za-z0-9.:\[\]_-]{1,255}")  # a host worth repeating in the answer


class UntrustedHost(SecurityError):
    """A 400 for a request naming a host this server does not answer for."""

    def __init__(self, host):
        named = f"the host {host}" if _SHOWN.fullmatch(host) else "this request's host"
        super().__init__(f"usersync does not answer for {named}: it is not in {SETTING}. If admins or IdPs "
                         f"reach this server by that name, add it to {SETTING} (or set USERSYNC_PUBLIC_URL "
                         "to an address with it).")


class TrustedHosts:
    """Exact names, '.example.com' for a domain and its subdomains, or '*' for any host."""

    def __init__(self, entries):
        self.names = set()
        self.domains = set()
        self.any = False
        self.add(*entries)

    def add(self, *entries):
        """Trust these entries too."""
        for text in filter(None, entries):
            entry = _entry(text)
            if entry is None:
                log.warning("%s: %r is not a host name, address or .domain; left out", SETTING, text)
            elif entry == ANY:
                self.any = True
            elif entry.startswith("."):
                self.domains.add(entry)
            else:
                self.names.add(entry)

    def allows(self, host):
        """Whether host (a Host header: name or [address], and a port) is one of these."""
        if self.any:
            return True
        name = _hostname(host)
        if not name:
            return False
        return name in self.names or any(name == domain[1:] or name.endswith(domain) for domain in self.domains)

    def listed(self):
        """The entries, as the setting writes them."""
        return [ANY] if self.any else sorted(self.names | self.domains)


def init_app(app):
    """Read the setting (its defaults added) and refuse every request for another host, before the blueprints' hooks."""
    app.extensions[_KEY] = TrustedHosts([*LOOPBACK, _public_host(app.config), *parse(app.config["TRUSTED_HOSTS"])])
    app.config["TRUSTED_HOSTS"] = None  # Flask's own check: see this module's docstring
    app.before_request(check)


def trust(app, *hosts):
    """Trust the hosts a server is bound to (wildcard addresses name no host and are left out)."""
    app.extensions[_KEY].add(*(host for host in hosts if host not in WILDCARDS))


def trusted(app):
    """The app's trusted hosts."""
    return app.extensions[_KEY]


def parse(setting):
    """The setting's entries: a list, or text separated by commas or spaces; None: none."""
    if not setting:
        return []
    return setting.replace(",", " ").split() if isinstance(setting, str) else list(setting)


def check():
    """400 for a request naming an untrusted host. Health probes excepted: they show no URL, and a load
    balancer or Kubernetes names the backend by its own address."""
    hosts = current_app.extensions[_KEY]
    if hosts.any or request.blueprint == "ops":
        return
    environ = request.environ
    named = [environ["HTTP_HOST"]] if "HTTP_HOST" in environ else []  # none (HTTP/1.0): the server's own name
    if "HTTP_X_FORWARDED_HOST" in environ:
        named += environ["HTTP_X_FORWARDED_HOST"].split(",")
    for host in named:
        if not hosts.allows(host):
            raise UntrustedHost(host.strip())


def _public_host(config):
    """USERSYNC_PUBLIC_URL's host, as a request names it ("" when the URL has none)."""
    try:
        host = urlsplit(config.get("PUBLIC_URL") or Config.PUBLIC_URL).hostname or ""
    except ValueError:  # "http://[bad": no host to trust; the pages show the URL as it is
        return ""
    return f"[{host}]" if ":" in host else host


def _entry(text):
    """An entry of the setting, lower-case and without a port; a bare IPv6 address gets its brackets."""
    text = str(text).strip().lower()
    if text == ANY:
        return ANY
    if text.startswith((".", "*.")):  # *.example.com as Django's .example.com: the domain and its subdomains
        domain = _hostname(text.partition(".")[2])
        return f".{domain}" if domain else None
    return _hostname(f"[{text}]" if text.count(":") > 1 and not text.startswith("[") else text)


def _hostname(host):
    """The name or [address] of a Host header, lower-case, without port or final dot; None when it is no host."""
    found = _HOST.fullmatch(host.strip().lower())
    if not found or int(found.group(2) or 0) > 65535:
        return None
    return found.group(1)
