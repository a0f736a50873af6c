"""RFC 8288 Link headers, as Okta pages its lists with them, and the rule that a next link stays on the org.

Okta answers a page of a list with ``Link: <…?limit=200>; rel="self"`` and, when there is more,
``Link: <…?after=…&limit=200>; rel="next"`` (Okta API, "Pagination" and "Link header"): as two header
lines or as one, comma-separated. The next link is followed as given; the API token goes with it, so
it is followed only on the org's own origin and under its API.
"""

from urllib.parse import urlsplit

from ..errors import ApiError

API_PATH = "/api/v1/"


def parse(values):
    """[(target, {param: value})] of every link in these Link header values (RFC 8288 §3)."""
    links = []
    for value in values:
        links += _links(value)
    return links


def next_url(values):
    """The target of the link whose relation types include "next", or None (RFC 8288 §3.3: rel is a
    space-separated list, compared case-insensitively)."""
    for target, params in parse(values):
        if "next" in params.get("rel", "").lower().split():
            return target
    return None


def on_org(url, org_url):
    """``url`` when it is on the org's origin and under its API; ApiError (the token is not sent) otherwise."""
    parts = urlsplit(url)
    foreign = _origin(parts) != _origin(urlsplit(org_url)) or parts.username or parts.fragment
    if foreign or not parts.path.startswith(API_PATH):
        raise ApiError(f"Okta gave a next page link outside {org_url}{API_PATH[:-1]} ({_shown(url)}); it was "
                       "not followed, so the API token was not sent there.", code="foreign_link",
                       detail="Check that the Okta domain URL is the org's own address, not a proxy that "
                              "rewrites it.")
    return url


def _origin(parts):
    """(scheme, host, port) with the scheme's default port filled in, so https://org and https://org:443 match."""
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.scheme.lower(), parts.hostname, port or {"https": 443, "http": 80}.get(parts.scheme.lower())


def _links(value):
    """The links of one header value: ``<target>; param=value; param="quoted, value", <target2>…``."""
    links, at = [], 0
    while True:
        start = value.find("<", at)
        if start < 0:
            return links
        end = value.find(">", start)
        if end < 0:
            return links
        params, at = _params(value, end + 1)
        links.append((value[start + 1:end].strip(), params))


def _params(value, at):
    """({name: value}, where the next link starts) from the parameters after a target."""
    params = {}
    while at < len(value):
        at = _skip_space(value, at)
        if at >= len(value) or value[at] == ",":
            return params, at + 1
        if value[at] != ";":
            at += 1  # stray character: skip it
            continue
        name_end = at + 1
        while name_end < len(value) and value[name_end] not in "=;,":
            name_end += 1
        name = value[at + 1:name_end].strip().lower()
        if name_end < len(value) and value[name_end] == "=":
            text, at = _value(value, _skip_space(value, name_end + 1))
        else:
            text, at = "", name_end
        params.setdefault(name, text)  # RFC 8288 §3: only the first occurrence of a parameter counts
    return params, at


def _value(value, at):
    """(the parameter's value, the index after it): a quoted-string (with \\-escapes) or a token."""
    if at < len(value) and value[at] == '"':
        out, at = [], at + 1
        while at < len(value) and value[at] != '"':
            if value[at] == "\\" and at + 1 < len(value):
                at += 1
            out.append(value[at])
            at += 1
        return "".join(out), at + 1
    end = at
    while end < len(value) and value[end] not in ";,":
        end += 1
    return value[at:end].strip(), end


def _skip_space(value, at):
    while at < len(value) and value[at] in " \t":
        at += 1
    return at


def _shown(url):
    """The link without its query (an after cursor says nothing to an admin)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
