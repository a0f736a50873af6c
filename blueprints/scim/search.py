"""POST /.search, /Users/.search and /Groups/.search (RFC 7644 §3.4.3)."""

from scim import errors, render
from scim.attributes import GROUP_RESOURCE, RESOURCE_TYPES, USER_RESOURCE

from . import bp
from .http import json_body, scim_response
from .resources import list_query, search_page


@bp.post("/Users/.search")
def search_users():
    """Users matching a SearchRequest."""
    return _search((USER_RESOURCE,))


@bp.post("/Groups/.search")
def search_groups():
    """Groups matching a SearchRequest."""
    return _search((GROUP_RESOURCE,))


@bp.post("/.search")
def search_all():
    """Every resource type, Users first; RFC 7644 §3.4.2.1: a type without the attribute matches nothing."""
    return _search(tuple(RESOURCE_TYPES.values()))


def _search(rtypes):
    query = list_query(json_body(), search_body=True)
    if len(rtypes) == 1:
        total, bodies = search_page(rtypes[0], query)
    else:
        total, bodies = _search_union(rtypes, query)
    return scim_response(render.list_response(bodies, total, query.start_index))


def _search_union(rtypes, query):
    """Page across several types as if their results were one list."""
    totals, bodies, failures = 0, [], []
    start, count = query.start_index, query.count
    for rtype in rtypes:
        try:
            sub_total, _ = search_page(rtype, _page(query, 1, 0))
        except errors.InvalidFilter as exc:
            failures.append(exc)
            continue
        offset = max(start - totals, 1)
        wanted = count - len(bodies)
        if wanted > 0 and offset <= sub_total:
            _, page = search_page(rtype, _page(query, offset, wanted))
            bodies.extend(page)
        totals += sub_total
    if len(failures) == len(rtypes):
        raise failures[0]
    return totals, bodies


def _page(query, start_index, count):
    return type(query)(**{**query.__dict__, "start_index": start_index, "count": count})
