"""What an IdP needs to reach usersync: the SCIM base URL, its parts, Oracle's bundle PATCH, the page showing them."""

import json
from urllib.parse import urlsplit

from flask import current_app, render_template, request, url_for
from werkzeug.routing import BuildError

from blueprints.scim.http import PREFIX
from config import Config
from store.tenancy import apps as app_store

# OCI IAM: the GenericScim templates keep the connection's scheme and port in these bundle properties.
_BUNDLE_PROPERTY = ("urn:ietf:params:scim:schemas:oracle:idcs:extension:managedapp:App:"
                    'bundleConfigurationProperties[name eq "{}"].value')


def scim_base_url():
    """The SCIM base URL IdPs use: a configured PUBLIC_URL, else the address this request came to."""
    public = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if public and public != Config.PUBLIC_URL.rstrip("/"):
        return public + PREFIX
    return request.host_url.rstrip("/") + PREFIX


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
    }


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


def render_result(app, token, heading, steps=None):
    """The connection page: base URL, the token (shown once) or a note that it is hidden, and the IdP's steps.

    steps: the wizard's step labels, to show the list with its last step current.
    """
    token_ref = "the bearer token above" if token else "the app's bearer token (hidden here; rotate it for a new one)"
    return render_template(
        "wizard/result.html", app=app, token=token, token_ref=token_ref, heading=heading,
        steps=steps, step=len(steps) - 1 if steps else None,
        provider_label=app_store.PROVIDERS.get(app.provider, app.provider),
        connection=describe(scim_base_url()),
        options_url=link_to("admin.options", app_id=app.id),
        sync_url=link_to("admin.app_sync", app_id=app.id) if app.method == "rest" else None,
        activity_url=link_to("admin.activity"),
    )
