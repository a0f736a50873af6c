"""`python -m bench.pull`: how fast the REST API sync method pulls from Microsoft Graph and from Okta.

Not an HTTP rate of usersync's, so not a workload of `python -m bench`: for each fake IdP API of tests/fakes,
run in a process of its own (multiprocessing, spawn) and loaded with 10,000 users and 200 groups (one of
5,000 members, the others of 40), a REST API app on a fresh SQLite store pulls as `usersync` does
(provisioning.pull.engine, the source's own client): the first full pull, an incremental one after 100
changes at the source (bench/pull_source.py), a rerun with nothing changed, then a full run (which finds the
users deleted in Okta). Beside them, measured in the same run: the same listing read through the same client
with nothing applied, and the engine applying the same documents from an in-memory client (its ceiling, no
HTTP). Memory: the growth of a first pull in a fresh process at 2,500, 5,000 and 10,000 users
(bench/pull_memory.py).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
from pathlib import Path

from . import machine, pull_memory, pull_source
from .pull_fake import KINDS, NAMES, FakeProcess

TARGETS = {"first_users_per_second": 500, "incremental_seconds": 2.0, "memory_ratio": pull_memory.FLAT}
QUICK_MEMORY = (250, 500)
QUIET = {"unchanged", "groups_unchanged"}  # the counts of a run that wrote nothing


def measure(kind, shape, workdir, memory_sizes, profile=False):
    """Every figure of one source: the read baseline, the ceiling, the three pulls, memory."""
    from .pull_runs import MemoryClient, Pulling

    figures = {"source": NAMES[kind], "users": shape.users, "groups": shape.groups, "big_group": shape.big}
    with FakeProcess(kind, shape) as fake:
        source = fake.source()
        users, groups, figures["read"] = _read(source, fake)
        page_size = _page_size(source)
        figures["ceiling"] = _run(Pulling(workdir, source, f"{kind}-ceiling").run(
            client_factory=lambda _source: MemoryClient(users, groups, page_size)), shape.users)
        pulling = Pulling(workdir, source, kind)
        figures["first"] = _run(pulling.run(), shape.users, fake.requests())
        fake.change()
        figures["incremental"] = _run(pulling.run(), None, fake.requests())
        figures["unchanged"] = _run(pulling.run(), None, fake.requests())
        figures["full"] = _run(pulling.run(full=True), None, fake.requests())
        if profile:
            figures["profile"] = _profiled(Pulling(workdir, source, f"{kind}-profile"))
    for run, counts in pull_source.expected(kind, shape).items():
        figures[run]["expected"] = counts
    figures["read"]["apply_overhead"] = round(figures["read"]["users_per_second"]
                                              / figures["first"]["users_per_second"], 1)
    figures["first"]["of_ceiling"] = round(figures["first"]["users_per_second"]
                                           / figures["ceiling"]["users_per_second"], 2)
    if memory_sizes:
        figures["memory"] = pull_memory.measure(kind, memory_sizes, workdir)
    return figures


def _read(source, fake):
    """(users, groups, figures) of the whole listing read through the source's client, nothing applied."""
    from .pull_runs import read

    users, groups, seconds, cpu, groups_seconds = read(source)
    return users, groups, {"users": len(users), "groups": len(groups), "seconds": round(seconds, 3),
                           "cpu_seconds": round(cpu, 3), "users_per_second": _rate(len(users), seconds),
                           "users_per_cpu_second": _rate(len(users), cpu),
                           "with_groups_seconds": round(seconds + groups_seconds, 3), "requests": fake.requests()}


def _run(ran, users, requests=None):
    """The figures of one run (pull_runs.Ran); users/s when it read ``users``."""
    status = ran.status
    figures = {"seconds": round(ran.seconds, 3), "cpu_seconds": round(ran.cpu_seconds, 3), "writes": ran.writes,
               "write_seconds": round(ran.write_seconds, 3), "status": status["status"], "error": status["error"],
               "counts": status["counts"], "wrote_nothing": set(status["counts"]) <= QUIET}
    if users:
        figures["users_per_second"] = _rate(users, ran.seconds)
        figures["users_per_cpu_second"] = _rate(users, ran.cpu_seconds)
    if requests is not None:
        figures["requests"] = requests
    return figures


def _rate(count, seconds):
    return round(count / max(seconds, 1e-6))


def _page_size(source):
    """The page size the source's client reads users at by default (the in-memory client pages alike)."""
    with source.client() as client:
        return client.page_size


def _profiled(pulling):
    """The top costs (own time) of one more first pull, under cProfile, on a fresh store."""
    profiler = cProfile.Profile()
    profiler.enable()
    pulling.run()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    return text.getvalue()


def render(report):
    """The report: per source, each figure beside its baseline and target."""
    lines = []
    for figures in report["sources"].values():
        lines += [""] + _source_lines(figures)
    return "\n".join(lines)


def _source_lines(f):
    read, ceiling, first, incremental, unchanged, full = (
        f[k] for k in ("read", "ceiling", "first", "incremental", "unchanged", "full"))
    passed = first["users_per_second"] >= TARGETS["first_users_per_second"]
    quick = incremental["seconds"] <= TARGETS["incremental_seconds"]
    lines = [f"{f['source']}: {f['users']:,} users, {f['groups']} groups (one of {f['big_group']:,} members)",
             (f"  {'':<30}{'users/s':>9} {'wall s':>8} {'CPU s':>7} {'users/CPU s':>12} {'requests':>9} "
              f"{'commits':>8}"),
             _rate_line("read users, nothing applied", {**read, "writes": "-"}, read["requests"]),
             _rate_line("engine, in-memory client", ceiling, "-") + "   the ceiling: no HTTP",
             _rate_line("first full pull", first, first["requests"])
             + f"   target >= {TARGETS['first_users_per_second']}  {'PASS' if passed else 'FAIL'}",
             (f"    apply overhead (read / pull) {read['apply_overhead']:g}x; pull / ceiling "
              f"{first['of_ceiling']:.2f}; reading the groups too took {read['with_groups_seconds']:.2f} s"),
             _time_line("incremental, 100 changes", incremental)
             + f"   target <= {TARGETS['incremental_seconds']:g} s  {'PASS' if quick else 'FAIL'}",
             f"    counts: {_counts(incremental['counts'])}{_unexpected(incremental)}",
             _time_line("unchanged rerun", unchanged)
             + f"   {'wrote nothing' if unchanged['wrote_nothing'] else 'WROTE'}: {_counts(unchanged['counts'])}"
             + _unexpected(unchanged),
             _time_line("full rerun", full)
             + f"   {'wrote nothing' if full['wrote_nothing'] else 'wrote'}: {_counts(full['counts'])}"
             + _unexpected(full)]
    for run in (first, incremental, unchanged, full, ceiling):
        if run["status"] != "succeeded":
            lines.append(f"  a run {run['status']}: {run['error']}")
    if "memory" in f:
        lines.append(_memory_line(f["memory"]))
    if "profile" in f:
        lines.append(f["profile"])
    return lines


def _rate_line(label, run, requests):
    return (f"  {label:<30}{run['users_per_second']:>9,} {run['seconds']:>8.2f} {run['cpu_seconds']:>7.2f} "
            f"{run['users_per_cpu_second']:>12,} {requests:>9} {run['writes']:>8}")


def _time_line(label, run):
    return (f"  {label:<30}{'':>9} {run['seconds']:>8.2f} {run['cpu_seconds']:>7.2f} {'':>12} {run['requests']:>9} "
            f"{run['writes']:>8}")


def _memory_line(memory):
    points = "  ".join(f"{p['users']:,}: {p['bytes_per_user']:,} B" for p in memory["points"])
    ratio = memory["ratio"]
    if ratio is None:
        return f"  memory growth per user   {points}"
    return (f"  memory growth per user   {points}\n    ratio {ratio:.2f} (flat <= {TARGETS['memory_ratio']:g})  "
            f"{'PASS' if ratio <= TARGETS['memory_ratio'] else 'FAIL'}; each user past {memory['points'][0]['users']:,} "
            f"added {memory['marginal']:,} B")


def _unexpected(run):
    """Nothing when a run's counts are those the changes call for (bench/pull_source.py), else what was."""
    return "" if run["counts"] == run["expected"] else f"  UNEXPECTED, not {_counts(run['expected'])}"


def _counts(counts):
    return ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in counts.items()) or "none"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.pull", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"a tiny source ({pull_source.QUICK.users} users, "
                                                             f"{pull_source.QUICK.groups} groups)")
    parser.add_argument("--source", nargs="+", choices=KINDS, default=list(KINDS), help="which fakes (default both)")
    parser.add_argument("--memory", type=int, nargs="*", metavar="USERS",
                        help=f"the memory points (default {' '.join(map(str, pull_memory.SIZES))}; "
                             f"none to skip)")
    parser.add_argument("--profile", action="store_true", help="also print the top costs of one more first pull")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH")
    args = parser.parse_args(argv)
    shape = pull_source.QUICK if args.quick else pull_source.FULL
    sizes = args.memory if args.memory is not None else (QUICK_MEMORY if args.quick else pull_memory.SIZES)
    about = machine.describe()
    print(f"pull on {about['cpu']}, {about['usable_cores']} core(s) shared with other engineers, {about['python']}; "
          f"load at start {_load(about['load_average'])}; each fake in a process of its own", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-pull-") as workdir:
        report = {"machine": about, "fake": "multiprocessing (spawn): one process per fake", "targets": TARGETS,
                  "sources": {kind: measure(kind, shape, Path(workdir), sizes, args.profile)
                              for kind in args.source}}
    report["load_at_end"] = os.getloadavg()
    print(render(report))
    print(f"\nload at end {_load(report['load_at_end'])}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


def _load(averages):
    return " ".join(f"{value:.2f}" for value in averages)


if __name__ == "__main__":
    os.environ.setdefault("USERSYNC_SECRET_KEY", "bench-only")
    sys.exit(main())
