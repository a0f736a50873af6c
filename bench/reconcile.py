"""`python -m bench.reconcile`: how long `usersync apps reapply` takes to plan and apply an option change.

Not an HTTP rate, so not a workload of `python -m bench`: this runs the reconcile engine in-process on a
fresh SQLite store. Each store holds USERS users an app provisioned, in 50 IdP groups (each user in one, and
in the host group of its name, as unmapped groups give); then the app's options change: every IdP group is
mapped to jira-developers and confluence-users, and a username rule drops the domain. Every user is
renamed, joins two host groups and leaves one: four changes per user. Seeding writes rows directly and is
not measured. Peak memory is the process's resident peak during each phase, less its size before it.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from . import machine

GROUPS = 50
SIZES = (1_000, 10_000)
QUICK_SIZES = (200,)
TARGETS = {"dry_run_seconds": 5.0, "apply_seconds": 20.0}  # for 10,000 users on the 2-core bench machine


def seed(users):
    """A fresh store's app, whose users and IdP groups look as SCIM pushes before the change left them."""
    from models import Group, HostGroup, HostMembership, Membership, User, db, utcnow
    from store.tenancy import apps

    app, _token = apps.create("Bench IdP", "oracle")
    now = utcnow()
    with db.atomic():
        groups = []
        for n in range(GROUPS):
            name = f"bench-group-{n:02d}"
            groups.append((Group.create(directory=app.directory_id, display_name=name, display_name_lower=name),
                           HostGroup.create(directory=app.directory_id, name=name, name_lower=name,
                                            created_by=app.id)))
        for start in range(0, users, 500):
            rows, memberships, host_memberships = [], [], []
            for index in range(start, min(start + 500, users)):
                user_id, name = str(uuid.uuid4()), f"bench.user{index:07d}@example.com"
                rows.append({"id": user_id, "directory": app.directory_id, "user_name": name, "user_name_lower": name,
                             "host_username": name, "host_username_lower": name, "provisioned_by": app.id,
                             "active": True, "idp_active": True, "created": now, "last_modified": now})
                group, host_group = groups[index % GROUPS]
                memberships.append({"group": group.id, "member_id": user_id, "member_type": "User"})
                host_memberships.append({"group": host_group.id, "user": user_id, "source_app": app.id,
                                         "reason": "idp-group"})
            User.insert_many(rows).execute()
            Membership.insert_many(memberships).execute()
            HostMembership.insert_many(host_memberships).execute()
    apps.configure(app.name, {"group_mapping": {group.display_name: ["jira-developers", "confluence-users"]
                                                for group, _host in groups},
                              "username_regex": "(.*)@.*", "username_replacement": "$1"})
    return apps.named(app.name)


def measure(users, workdir):
    """{phase: {seconds, users_per_second, changes, peak_mb}} of a dry run, then the run, on a store of users."""
    from models import db, init_db, migrate
    from provisioning import reconcile

    init_db(f"sqlite:///{workdir / f'reconcile-{users}.db'}")
    figures = {"users": users}
    with db.connection_context():
        migrate()
        app = seed(users)
        for phase, dry_run in (("dry_run", True), ("apply", False)):
            base = _reset_peak()
            started = time.perf_counter()
            result = reconcile.run(app, dry_run=dry_run)
            seconds = time.perf_counter() - started
            figures[phase] = {"seconds": round(seconds, 2), "users_per_second": round(users / seconds),
                              "changes": result.counts.changes, "conflicts": result.counts.conflicts,
                              "batches": result.batches, "peak_mb": round(_peak_mb() - base, 1)}
        figures["after"] = reconcile.run(app, dry_run=True).counts.changes  # a second run plans nothing
    db.close()
    return figures


def _reset_peak():
    """Reset the process's resident peak (Linux: clear_refs 5) and return its current size in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


def _peak_mb():
    return _status_mb("VmHWM")


def _status_mb(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def render(all_figures):
    """The report: one line per store size and phase, then the targets judged at 10,000 users."""
    lines = [f"{'users':>8}  {'phase':<8} {'seconds':>8} {'users/s':>9} {'changes':>8} {'peak MB':>8}"]
    for figures in all_figures:
        for phase in ("dry_run", "apply"):
            f = figures[phase]
            lines.append(f"{figures['users']:>8,}  {phase:<8} {f['seconds']:>8.2f} {f['users_per_second']:>9,} "
                         f"{f['changes']:>8,} {f['peak_mb']:>8.1f}")
    for figures in all_figures:
        if figures["users"] == 10_000:
            for key, limit in TARGETS.items():
                seconds = figures[key.removesuffix("_seconds")]["seconds"]
                lines.append(f"{'PASS' if seconds <= limit else 'FAIL'}  {key.removesuffix('_seconds')} of "
                             f"10,000 users in {seconds:.2f} s (target {limit:g} s)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", help=f"store sizes (default {' '.join(map(str, SIZES))})")
    parser.add_argument("--quick", action="store_true", help=f"one tiny store ({QUICK_SIZES[0]} users)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH")
    args = parser.parse_args(argv)
    sizes = args.users or (QUICK_SIZES if args.quick else SIZES)
    about = machine.describe()
    print(f"reconcile on {about['cpu']}, {about['usable_cores']} core(s), {about['python']}, "
          f"load {about['load_average'][0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as workdir:
        all_figures = [measure(users, Path(workdir)) for users in sizes]
    print(render(all_figures))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": about, "stores": all_figures}, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("USERSYNC_SECRET_KEY", "bench-only")
    sys.exit(main())
