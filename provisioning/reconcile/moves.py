"""Users the app provisioned into a directory it no longer uses, moved into its directory with their SCIM groups.

The IdP's ids of users and groups left in the old directory answer 404 at the app's endpoint. A user moves
with the SCIM groups it is in, and those groups with all their members (nested groups too): the users and
groups linked by memberships move together or not at all. They stay where they are, each user named in a
conflict with the reason, when one of them is not this app's to move (another app's user, a user in a third
directory) or when the app's directory already holds one of their userNames, host usernames or group names,
or a component planned before theirs (stranded in another old directory) moves in with one of them.
The users that move leave the host groups of the old directory; the user phase then gives them the new
directory's, as for any user.
"""

from dataclasses import dataclass, field

from provisioning.reconcile.plan import Change
from store import host
from store.resources import moves, provisioned
from store.trail import audit


@dataclass
class _Graph:
    """The users and groups reachable through SCIM memberships from a batch's stranded users."""

    users: dict = field(default_factory=dict)  # id -> (app id, visible, directory id, userName, host username)
    groups: dict = field(default_factory=dict)  # id -> (displayName, directory id)
    edges: set = field(default_factory=set)  # (group id, member id)


@dataclass
class _Move:
    """A component that moves: from which directory, its users and groups, and what they held there."""

    source: int
    users: list
    groups: list
    held: dict  # user id -> host.memberships()'s value


def run(state):
    """Every stranded user of the app, batch by batch, moved with its component or refused with a reason."""
    after = ""
    while True:
        with state.batch() as changes:
            rows = provisioned.stranded(state.app.id, state.directory_id, after, state.batch_size)
            if not rows:
                break
            after = rows[-1].id
            state.batches += 1
            start = [row.id for row in rows if row.id not in state.moved and row.id not in state.refused]
            planned = _plan(state, start, changes) if start else []
            if not state.dry_run:
                _apply(state, planned, changes)


def _plan(state, start, changes):
    graph = _load(start)
    components = _components(graph, start)
    starting = set(start)
    sources = [graph.users[next(u for u in users if u in starting)][2] for users, _groups in components]
    blocked = [_structural(state, graph, component, source) for component, source in zip(components, sources)]
    clashes = _clashes(state, graph, [c for c, why in zip(components, blocked) if not why])
    planned = []
    for component, why, source in zip(components, blocked, sources):
        users, groups = component
        why = why or next((clashes[node] for node in (*users, *groups) if node in clashes), None) \
            or _claimed(state, graph, component)
        if why:
            state.refused.update(users)
            changes.extend(_refusal(state, graph, uid, source, why) for uid in users
                           if graph.users[uid][0] == state.app.id and graph.users[uid][1])
            continue
        planned.append(_moving(state, graph, component, source, changes))
    return planned


def _load(start):
    """The graph of the start users' components: memberships followed both ways until nothing new is found."""
    graph, seen_users, seen_groups = _Graph(), set(start), set()
    todo_users, todo_groups = set(start), set()
    while todo_users or todo_groups:
        found = []
        if todo_users:
            graph.users.update(moves.users(todo_users))
            found += moves.memberships_of(todo_users)
        if todo_groups:
            graph.groups.update(moves.groups(todo_groups))
            found += moves.members_of(todo_groups) + moves.memberships_of(todo_groups)
        new_users, new_groups = set(), set()
        for group_id, member_id, member_type in found:
            graph.edges.add((group_id, member_id))
            new_groups.add(group_id)
            (new_users if member_type == "User" else new_groups).add(member_id)
        todo_users, todo_groups = new_users - seen_users, new_groups - seen_groups
        seen_users |= todo_users
        seen_groups |= todo_groups
    return graph


def _components(graph, start):
    """([user ids], [group ids]) of each component holding a start user, each once; members that no longer
    exist are left out."""
    parent = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for group_id, member_id in graph.edges:
        if member_id in graph.users or member_id in graph.groups:
            parent[root(member_id)] = root(group_id)
    members = {}
    for node in (*graph.users, *graph.groups):
        members.setdefault(root(node), []).append(node)
    wanted = list(dict.fromkeys(root(uid) for uid in start if uid in graph.users))
    return [([n for n in members[r] if n in graph.users], [n for n in members[r] if n in graph.groups])
            for r in wanted]


def _structural(state, graph, component, source):
    """Why a component cannot move from source whatever the target holds, or None."""
    users, groups = component
    for uid in users:
        app_id, visible, directory_id, _name, host_name = graph.users[uid]
        if app_id != state.app.id:
            return f"it shares a SCIM group with host user '{host_name}', which another app provisioned"
        if not visible:
            return f"it shares a SCIM group with host user '{host_name}', which SCIM deleted"
        if directory_id != source:
            return (f"it shares a SCIM group with host user '{host_name}', which is in directory "
                    f"'{state.directory_name(directory_id)}'")
    for gid in groups:
        name, directory_id = graph.groups[gid]
        if directory_id != source:
            return f"its SCIM group '{name}' is in directory '{state.directory_name(directory_id)}'"
    return None


def _clashes(state, graph, components):
    """{user or group id: why it cannot move} for what the app's directory already holds."""
    users = [uid for component in components for uid in component[0]]
    groups = [gid for component in components for gid in component[1]]
    by_name = provisioned.user_name_holders(state.directory_id, {graph.users[u][3].lower() for u in users})
    by_host = provisioned.holders(state.directory_id, {graph.users[u][4].lower() for u in users})
    taken = moves.group_names_taken(state.directory_id, {graph.groups[g][0].lower() for g in groups})
    target = state.directory_name(state.directory_id)
    clashes = {}
    for uid in users:
        _app, _visible, _directory, user_name, host_name = graph.users[uid]
        if user_name.lower() in by_name:
            clashes[uid] = f"directory '{target}' already has a user with the userName '{user_name}'"
        elif host_name.lower() in by_host:
            clashes[uid] = f"directory '{target}' already has a host user '{host_name}'"
    for gid in groups:
        name = graph.groups[gid][0]
        if name.lower() in taken:
            clashes[gid] = f"directory '{target}' already has a SCIM group '{name}'"
    return clashes


def _claimed(state, graph, component):
    """Why a component cannot move because one planned before it in this run takes one of its names, or None:
    stranded users from two old directories can share a userName or host username, only one can move in."""
    users, groups = component
    names = [(kind, name) for uid in users
             for kind, name in (("userName", graph.users[uid][3]), ("host username", graph.users[uid][4]))]
    names += [("SCIM group name", graph.groups[gid][0]) for gid in groups]
    for kind, name in names:
        claimant = state.moved_names.get((kind, name.lower()))
        if claimant:
            return (f"{claimant} moves into directory '{state.directory_name(state.directory_id)}' with the "
                    f"{kind} '{name}' first")
    return None


def _refusal(state, graph, uid, source, why):
    host_name = graph.users[uid][4]
    return Change("conflict", host_name, state.directory_name(source), state.directory_name(state.directory_id),
                  f"not moved: {why}", resource_id=uid, about="move")


def _moving(state, graph, component, source, changes):
    """The _Move of a component, its changes listed, and its names claimed for the rest of the run (the
    components planned after it in the batch, and a dry run's later batches)."""
    users, groups = component
    before, after = state.directory_name(source), state.directory_name(state.directory_id)
    held = {}
    for start in range(0, len(users), 500):
        held.update(host.memberships(users[start:start + 500]))
    for gid in groups:
        name = graph.groups[gid][0]
        state.moved_names[("SCIM group name", name.lower())] = f"SCIM group '{name}' of directory '{before}'"
        changes.append(Change("move", name, before, after, "SCIM group moved with its members",
                              resource_id=gid, resource_type="Group"))
    for uid in users:
        _app, _visible, _directory, user_name, host_name = graph.users[uid]
        claimant = f"host user '{host_name}' of directory '{before}'"
        state.moved_names[("userName", user_name.lower())] = claimant
        state.moved_names[("host username", host_name.lower())] = claimant
        changes.append(Change("move", host_name, before, after, "the app's directory changed", resource_id=uid))
        for _group_id, name, _source, _reason in held.get(uid, {}).values():
            changes.append(Change("leave", host_name, f"{name} ({before})", None,
                                  f"moves to directory '{after}'", resource_id=uid))
    if state.dry_run:
        state.moved.update(users)
    return _Move(source, users, groups, held)


def _apply(state, planned, changes):
    app, note = state.app, state.trail.note
    target = state.directory_name(state.directory_id)
    for move in planned:
        moves.move(move.users, move.groups, state.directory_id)
        source = state.directory_name(move.source)
        names = {change.resource_id: change.subject for change in changes if change.kind == "move"}
        audit.record_each(app, "reconcile", "applied", f"moved host user '{{subject}}' from directory '{source}' "
                          f"to '{target}' with its SCIM groups{note}", [(u, names[u]) for u in move.users],
                          resource_type="User")
        for gid in move.groups:
            audit.record(app, "reconcile", "applied", f"moved SCIM group '{names[gid]}' from directory '{source}' "
                         f"to '{target}' with its members{note}", resource_type="Group", resource_id=gid,
                         subject=names[gid])
        _record_leaves(app, move, names, source, target, note)
    for change in changes:
        if change.kind == "conflict":
            audit.record(app, "reconcile", "ignored", f"move of host user '{change.subject}' to directory "
                         f"'{target}' left alone: {change.detail}{note}", resource_type="User",
                         resource_id=change.resource_id, subject=change.subject)


def _record_leaves(app, move, names, source, target, note):
    by_group = {}
    for uid, held in move.held.items():
        for _group_id, name, _source, _reason in held.values():
            by_group.setdefault(name, []).append((uid, names[uid]))
    for name, subjects in by_group.items():
        audit.record_each(app, "reconcile", "applied", f"{{subject}} removed from host group '{name}' of directory "
                          f"'{source}' (moved to directory '{target}'){note}", subjects, resource_type="User")
