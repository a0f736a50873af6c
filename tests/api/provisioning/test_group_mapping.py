"""group_mapping and unmapped_groups: which host groups an IdP group gives."""

from . import (audit_events, create_group, create_user, host_group_names, host_groups, host_memberships, make_app,
               ok, patch_body)

ENGINEERING = {"Engineering": ["jira-developers", "confluence-users"]}


def test_a_mapped_group_gives_one_host_group_instead_of_its_own_name(app):
    idcs = make_app(app, "Oracle IDCS", group_mapping={"Engineering": ["jira-developers"]})
    alice = create_user(idcs, "alice")
    create_group(idcs, "Engineering", alice["id"])
    assert host_memberships(alice["id"]) == {"jira-developers": (idcs.app_id, "idp-group")}
    assert "Engineering" not in host_group_names(idcs.directory_id)


def test_a_mapped_group_gives_several_host_groups(app):
    idcs = make_app(app, "Oracle IDCS", group_mapping=ENGINEERING)
    alice = create_user(idcs, "alice")
    create_group(idcs, "engineering", alice["id"])  # IdP group names match case-insensitively
    assert host_groups(alice["id"]) == ["confluence-users", "jira-developers"]
    assert "engineering" not in [name.lower() for name in host_group_names(idcs.directory_id)]


def test_leaving_a_mapped_group_takes_every_host_group_it_gave(app):
    idcs = make_app(app, "Oracle IDCS", group_mapping=ENGINEERING)
    alice = create_user(idcs, "alice")
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body(
        {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})), 204)
    assert host_groups(alice["id"]) == []


def test_unmapped_create_by_default_gives_a_host_group_of_the_same_name(app):
    idcs = make_app(app, "Oracle IDCS", group_mapping=ENGINEERING)
    alice = create_user(idcs, "alice")
    create_group(idcs, "Marketing", alice["id"])
    assert host_groups(alice["id"]) == ["Marketing"]


def test_unmapped_ignore_gives_nothing_for_unmapped_groups(app):
    idcs = make_app(app, "Oracle IDCS", group_mapping=ENGINEERING, unmapped_groups="ignore")
    alice = create_user(idcs, "alice")
    before = host_group_names(idcs.directory_id)
    create_group(idcs, "Marketing", alice["id"])
    assert host_groups(alice["id"]) == [] and host_group_names(idcs.directory_id) == before
    create_group(idcs, "Engineering", alice["id"])
    assert host_groups(alice["id"]) == ["confluence-users", "jira-developers"]
    assert ("create-group", "ignored", "host groups unchanged for 'Marketing': group is not in the group mapping "
            "and unmapped groups are ignored") in audit_events(idcs, subject="Marketing")


def test_two_idp_groups_mapped_to_one_host_group_keep_it_while_either_remains(app):
    idcs = make_app(app, "Oracle IDCS", group_mapping={"Eng": ["jira-developers"], "QA": ["jira-developers"]})
    alice = create_user(idcs, "alice")
    eng = create_group(idcs, "Eng", alice["id"])
    create_group(idcs, "QA", alice["id"])
    assert idcs.delete(f"/Groups/{eng['id']}").status_code == 204
    assert host_groups(alice["id"]) == ["jira-developers"]
