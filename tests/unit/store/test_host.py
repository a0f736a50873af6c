"""store.host: the reads every user write's host-group plan makes."""

from models import Group, HostGroup, HostMembership, Membership
from store import host


def test_holdings_reads_in_one_statement_what_idp_groups_and_memberships_read_in_two(people):
    users = list(people.users.order_by(people.users.model.user_name))[:4]
    second = Group.create(directory=people, display_name="Ops", display_name_lower="ops")
    Membership.create(group=second, member_id=users[1].id)
    jira = HostGroup.create(directory=people, name="jira-users", name_lower="jira-users")
    wiki = HostGroup.create(directory=people, name="Wiki", name_lower="wiki")
    HostMembership.create(group=jira, user=users[0], source_app=None, reason="default")
    HostMembership.create(group=wiki, user=users[0], source_app=None, reason="idp-group")
    HostMembership.create(group=wiki, user=users[2], source_app=None, reason="manual")
    ids = [user.id for user in users]
    groups, held = host.holdings(ids)
    assert {key: sorted(value) for key, value in groups.items()} == {
        key: sorted(value) for key, value in host.idp_groups(ids).items()}
    assert held == host.memberships(ids)
    assert held[users[0].id]["wiki"][1] == "Wiki" and set(held) == {users[0].id, users[2].id}
    assert "Ops" in groups[users[1].id]


def test_holdings_of_users_in_nothing_is_empty(people):
    assert host.holdings(["no-such-user"]) == ({}, {})
