"""A members-only PATCH touches only the rows it names, and ends exactly where the whole-document
engine ends: same members, displays, version, audit and error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import AuditEvent, Group, Membership, User
from provisioning import groups
from provisioning.changes import patched
from scim import errors, patch
from scim.attributes import GROUP_RESOURCE
from store.tenancy import apps

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
IDS = [f"user-{n}" for n in range(6)] + ["unknown-id"]


def body(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_member_ids_names_the_members_of_add_and_remove_operations():
    assert patch.member_ids(body({"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
                                 {"op": "Remove", "path": 'members[value eq "c"]'},
                                 {"op": "remove", "path": "members", "value": [{"value": "d"}]},
                                 {"op": "add", "value": {"members": [{"value": "e", "display": "E"}]}})) == set("abcde")


@pytest.mark.parametrize("operation", [
    {"op": "replace", "path": "members", "value": [{"value": "a"}]},  # replaces every member
    {"op": "remove", "path": "members"},  # removes every member
    {"op": "remove", "path": 'members[display eq "A"]'},  # a filter on something else
    {"op": "remove", "path": 'members[value eq "a"]', "value": [{"value": "a"}]},
    {"op": "add", "path": "members", "value": [{"display": "no value"}]},
    {"op": "add", "path": "members", "value": []},
    {"op": "add", "path": "displayName", "value": "x"},
    {"op": "add", "value": {"members": [{"value": "a"}], "displayName": "x"}},
    "not an object",
])
def test_anything_else_goes_to_the_whole_document_engine(operation):
    assert patch.member_ids(body(operation)) is None


def test_a_malformed_body_goes_to_the_engine_which_reports_it():
    assert patch.member_ids({"Operations": []}) is None
    assert patch.member_ids([]) is None


member = st.fixed_dictionaries({"value": st.sampled_from(IDS)},
                               optional={"display": st.sampled_from(["Alice", "Bob", "", "ALICE"])})
operation = st.one_of(
    st.builds(lambda op, values: {"op": op, "path": "members", "value": values},
              st.sampled_from(["add", "Add", "remove"]), st.lists(member, min_size=1, max_size=4)),
    st.builds(lambda value: {"op": "remove", "path": f'members[value eq "{value}"]'}, st.sampled_from(IDS)),
)


@pytest.fixture
def twins(store_db):
    """An app and two groups with the same members, one for each engine."""
    app, _ = apps.create("Okta", "okta")
    for user_id in IDS[:-1]:
        User.create(id=user_id, directory=app.directory_id, user_name=user_id, user_name_lower=user_id,
                    host_username=user_id, host_username_lower=user_id)
    made = [Group.create(directory=app.directory_id, display_name=name, display_name_lower=name)
            for name in ("fast", "whole")]
    for group in made:
        Membership.insert_many([{"group": group.id, "member_id": uid, "member_type": "User", "display": "Alice"}
                                for uid in IDS[:3]]).execute()
    return app, made


def _state(group_id):
    group = Group.get_by_id(group_id)
    members = sorted(Membership.select(Membership.member_id, Membership.display)
                     .where(Membership.group == group_id).tuples())
    events = [(event.outcome, event.reason.replace("'whole'", "'fast'"), event.changes) for event in
              AuditEvent.select().where(AuditEvent.resource_id == group_id).order_by(AuditEvent.id)]
    return group.version, members, events


def _outcome(run):
    try:
        run()
        return None
    except errors.ScimError as error:
        return type(error), error.detail


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=4))
def test_the_fast_path_ends_where_the_whole_document_engine_ends(twins, operations):
    app, (fast, whole) = twins
    request = body(*operations)
    assert patch.member_ids(request) is not None
    fast_error = _outcome(lambda: groups.patch(app, fast.id, request))
    whole_error = _outcome(lambda: groups._update(app, whole.id, None, patched(GROUP_RESOURCE, request)))
    assert fast_error == whole_error
    assert _state(fast.id) == _state(whole.id)
