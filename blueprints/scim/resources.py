"""/Users and /Groups: one MethodView pair per resource type, each view one success path."""

from flask import current_app, g, request
from flask.views import MethodView

from scim import listing, projection, render, validation
from scim.attributes import GROUP_RESOURCE, USER_RESOURCE
import provisioning.groups
import provisioning.users
from store import transactions
from store.resources import groups, users

from . import bp, directory_id, idp_app
from .http import base_url, expected_version, json_body, not_modified, resource_response, scim_response

STORES = {"User": users, "Group": groups}  # reads
PROVISIONING = {"User": provisioning.users, "Group": provisioning.groups}  # writes, as the app's options allow
# The one attribute of each type that is expensive to load and may be left out.
HEAVY = {"User": "groups", "Group": "members"}


def list_query(raw, search_body=False):
    """A validated ListQuery with this deployment's paging limits."""
    config = current_app.config
    return listing.parse(raw, config["SCIM_DEFAULT_COUNT"], config["SCIM_MAX_RESULTS"], search_body,
                         config["SCIM_FILTER_MAX_LENGTH"], config["SCIM_FILTER_MAX_TERMS"])


def present(rtype, doc, include=None, exclude=None, base=None):
    """Render one document as its response body (under base, else this request's base URL), projected."""
    return projection.apply(rtype, render.resource(rtype, doc, base or base_url()), include, exclude)


def answer(rtype, written, status=200):
    """The response to a write: the resource as GET shows it, read in the write's transaction (this write's
    version); a 204 carries only the ETag."""
    if status == 204:
        etag = written.version or STORES[rtype.name].get(directory_id(), written.id, False)["meta"]["version"]
        return scim_response(status=204, headers={"ETag": etag})
    etag, body = _read(rtype, written.id)
    return resource_response(body, {"version": etag, "location": render.location(base_url(), rtype, written.id)},
                             status)


def search_page(rtype, query):
    """(total, projected bodies) of one page of rtype for a ListQuery; users' default bodies are built by
    the database."""
    include = projection.parse(rtype, query.attributes)
    exclude = projection.parse(rtype, query.excluded_attributes)
    if rtype is USER_RESOURCE and include is None and exclude is None:
        return users.search_rendered(directory_id(), query.filter, query.sort_by, query.descending,
                                     query.start_index, query.count, base_url())
    heavy = projection.needs(rtype, HEAVY[rtype.name], include, exclude)
    total, docs = STORES[rtype.name].search(
        directory_id(), query.filter, query.sort_by, query.descending,
        query.start_index, query.count, heavy)
    base = base_url()
    return total, [present(rtype, doc, include, exclude, base) for doc in docs]


def _item_projection(rtype):
    """(include, exclude, whether the heavy attribute is needed) of this request, parsed once."""
    if "projection" not in g:
        # Most requests carry no query at all: the default projection, which returns the heavy attribute.
        if not request.args:
            g.projection = None, None, True
            return g.projection
        query = list_query(request.args)
        include = projection.parse(rtype, query.attributes)
        exclude = projection.parse(rtype, query.excluded_attributes)
        g.projection = include, exclude, projection.needs(rtype, HEAVY[rtype.name], include, exclude)
    return g.projection


def _read(rtype, resource_id):
    """(ETag, response body) of GET. Under the default projection a user's whole body, and a group's
    members, are built by the database."""
    include, exclude, heavy = _item_projection(rtype)
    default = include is None and exclude is None
    if rtype is USER_RESOURCE and default:
        return users.get_rendered(directory_id(), resource_id, base_url())
    if rtype is GROUP_RESOURCE and heavy and default:
        doc = groups.get_rendered(directory_id(), resource_id, base_url())
    else:
        doc = STORES[rtype.name].get(directory_id(), resource_id, heavy)
    body = render.resource(rtype, doc, base_url())
    return body["meta"]["version"], projection.apply(rtype, body, include, exclude)


class ResourceList(MethodView):
    """GET lists (RFC 7644 §3.4.2), POST creates (§3.3)."""

    def __init__(self, rtype):
        self.rtype = rtype
        self.writes = PROVISIONING[rtype.name]

    def get(self):
        query = list_query(request.args)
        total, bodies = search_page(self.rtype, query)
        return scim_response(render.list_response(bodies, total, query.start_index))

    def post(self):
        doc = validation.inbound(self.rtype, json_body())
        _item_projection(self.rtype)  # a bad attributes parameter is refused before anything is written
        with transactions.unit():
            return answer(self.rtype, self.writes.create(idp_app(), doc), 201)


class ResourceItem(MethodView):
    """GET (§3.4.1), PUT (§3.5.1), PATCH (§3.5.2), DELETE (§3.6) of one resource."""

    def __init__(self, rtype):
        self.rtype = rtype
        self.store = STORES[rtype.name]
        self.writes = PROVISIONING[rtype.name]

    def get(self, resource_id):
        etag, body = _read(self.rtype, resource_id)
        if not_modified(etag):
            return scim_response(status=304, headers={"ETag": etag})
        return scim_response(body, headers={"ETag": etag})

    def put(self, resource_id):
        doc = validation.inbound(self.rtype, json_body())
        _item_projection(self.rtype)
        with transactions.unit():
            return answer(self.rtype, self.writes.replace(idp_app(), resource_id, doc, expected_version()))

    def patch(self, resource_id):
        include, exclude, _ = _item_projection(self.rtype)
        # RFC 7644 §3.5.2: a server "MAY return HTTP status code 204 (No Content)". A group's answer
        # would repeat its 10,000s of members on every membership change, so it is 204 unless the
        # request asks for attributes; Okta, Entra ID and the RFC's clients take either.
        quiet = self.rtype is GROUP_RESOURCE and include is None and exclude is None
        with transactions.unit():
            written = self.writes.patch(idp_app(), resource_id, json_body(), expected_version())
            return answer(self.rtype, written, 204 if quiet else 200)

    def delete(self, resource_id):
        self.writes.delete(idp_app(), resource_id, expected_version())
        return scim_response(status=204)


def register_api(rtype):
    """Route rtype's endpoint to its list and item views."""
    bp.add_url_rule(rtype.endpoint, view_func=ResourceList.as_view(f"{rtype.name}_list", rtype))
    bp.add_url_rule(f"{rtype.endpoint}/<resource_id>", view_func=ResourceItem.as_view(f"{rtype.name}_item", rtype))


register_api(USER_RESOURCE)
register_api(GROUP_RESOURCE)
