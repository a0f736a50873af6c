"""What an IdP needs to reach usersync: the SCIM base URL, its parts, whether a cloud can reach it, Oracle's bundle
PATCH, the page showing them."""

import ipaddress
import json
from urllib.parse import quote, urlsplit

from flask import current_app, render_template, request, url_for
from werkzeug.routing import BuildError

from blueprints.scim.http import PREFIX
from config import Config
from store.tenancy import apps as app_store

# OCI IAM: the GenericScim templates keep the connection's scheme and port in these bundle properties.
_BUNDLE_PROPERTY = ("urn:ietf:params:scim:schemas:oracle:idcs:extension:managedapp:App:"
                    'bundleConfigurationProperties[name eq "{}"].value')
# IdPs that push from their own cloud, so need an address the internet reaches; Keycloak and a custom client may
# run beside usersync, and Google Workspace does not push.
CLOUD = frozenset(("oracle", "entra", "okta", "onelogin", "jumpcloud", "ping", "miniorange"))
# Names only a private network resolves (RFC 6762 .local, RFC 8375 .home.arpa, and common intranet ones).
_PRIVATE_SUFFIXES = (".local", ".localdomain", ".internal", ".intranet", ".lan", ".corp", ".home.arpa")


def scim_base_url():
    """The SCIM base URL IdPs use: a configured PUBLIC_URL, else the address this request came to (a host
    USERSYNC_TRUSTED_HOSTS allows: blueprints.hosts refused any other)."""
    return (_configured_url() or request.host_url.rstrip("/")) + PREFIX


def base_url_origin():
    """Where scim_base_url() comes from, for the pages to say: "configured" (USERSYNC_PUBLIC_URL) or "request"."""
    return "configured" if _configured_url() else "request"


def _configured_url():
    """USERSYNC_PUBLIC_URL without its final '/', or None while it is the default."""
    public = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return public if public and public != Config.PUBLIC_URL.rstrip("/") else None


def describe(base_url):
    """The base URL split the way the IdP consoles ask for it (Oracle: host only, then the path)."""
    parts = urlsplit(base_url)
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 80)
    return {
        "base_url": base_url,
        "base_path": parts.path,
        "host_name": parts.hostname or "",
        "scheme": parts.scheme,
        "port": port,
        "ssl": ssl,
        # Oracle assumes HTTPS on 443; anything else needs the bundle properties changed.
        "oracle_default": ssl and port == 443,
        "oracle_patch": oracle_patch(ssl, port),
        "unreachable": unreachable(parts.hostname or ""),
    }


def unreachable(host):
    """Why a cloud cannot reach host: "loopback", "private" (an address no internet route leads to) or "name"
    (a name no public DNS has); None when it may be public."""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "name" if "." not in host or host.endswith(_PRIVATE_SUFFIXES) else None
    if address.is_loopback:
        return "loopback"
    return None if address.is_global else "private"


def oracle_apps_filter(name):
    """The SCIM filter finding an app by its name in GET /admin/v1/Apps (RFC 7644 §3.4.2.2: quotes and
    backslashes escaped in its string), and the same as that URL's query, percent-encoded."""
    value = name.replace("\\", "\\\\").replace('"', '\\"')
    text = f'displayName co "{value}"'
    return text, "filter=" + quote(text, safe="")


def oracle_patch(ssl, port):
    """The PATCH /admin/v1/Apps/{id} body setting sslEnabled and port (docs.oracle.com, "Using REST APIs to
    Update the Custom SCIM Gateway Application"): each value a string in a one-element array."""
    operations = ",\n".join(
        f'    {{"op": "replace",\n     "path": {json.dumps(_BUNDLE_PROPERTY.format(name))},\n'
        f'     "value": [{json.dumps(value)}]}}'
        for name, value in (("sslEnabled", "true" if ssl else "false"), ("port", str(port))))
    return ('{\n  "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],\n'
            f'  "Operations": [\n{operations}\n  ]\n}}')


def link_to(endpoint, **values):
    """A URL for a page another team builds, or None while it does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def render_result(app, token, heading, steps=None, exists=False):
    """The connection page: base URL, the token (shown once) or a note that it is hidden, and the IdP's steps.

    steps: the wizard's step labels, to show the list with its last step current; exists: the wizard's Save
    came again for an app it made (a reload, or Back and Save), so the page says nothing was created.
    """
    token_ref = "the bearer token above" if token else "the app's bearer token (hidden here; rotate it for a new one)"
    connection = {**describe(scim_base_url()), "origin": base_url_origin()}
    return render_template(
        "wizard/result.html", app=app, token=token, token_ref=token_ref, heading=heading, exists=exists,
        steps=steps, step=len(steps) - 1 if steps else None,
        provider_label=app_store.PROVIDERS.get(app.provider, app.provider),
        connection=connection,
        unreachable=connection["unreachable"] if app.provider in CLOUD and app.method == "scim" else None,
        oracle_apps=oracle_apps_filter(app.name),
        options_url=link_to("admin.options", app_id=app.id),
        sync_url=link_to("admin.app_sync", app_id=app.id) if app.method == "rest" else None,
        activity_url=link_to("admin.activity", app=app.name),
        traffic_url=link_to("admin.traffic", app_id=app.id),
    )
