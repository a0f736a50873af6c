"""`python -m bench`: usersync, a bare Flask ceiling and scim2-server, measured in interleaved rounds."""

import argparse
import signal
import sys

from . import machine, report
from .run import QUICK, Settings, run
from .workloads import catalogue


def parse_args(argv):
    """The options; --quick replaces the defaults with tiny sizes, and explicit options still win."""
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {defaults.rounds})")
    parser.add_argument("--duration", type=float,
                        help=f"seconds of the loaded pass per workload and server (default {defaults.duration:g})")
    parser.add_argument("--latency-duration", type=float,
                        help=f"seconds of the one-connection pass (default {defaults.latency_duration:g})")
    parser.add_argument("--threads", type=int, help=f"waitress threads of every server (default {defaults.threads})")
    parser.add_argument("--connections", type=int,
                        help=f"concurrent connections of the loaded pass (default {defaults.connections})")
    parser.add_argument("--small-store", type=int, help=f"users of the small store (default {defaults.small_store:,})")
    parser.add_argument("--big-store", type=int, help=f"users of the big store (default {defaults.big_store:,})")
    parser.add_argument("--workers", type=int,
                        help="also measure `usersync serve --workers N` beside the single process (default 1: not)")
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run: 1 round, tiny stores, short passes")
    parser.add_argument("--only", nargs="+", metavar="WORKLOAD",
                        help="run these workloads only (shell patterns, e.g. 'group-*'); see --list")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH")
    return parser.parse_args(argv)


def settings_from(args):
    """Settings: defaults, then --quick's, then every option given."""
    values = dict(QUICK) if args.quick else {}
    for name in ("rounds", "duration", "latency_duration", "threads", "connections", "small_store", "big_store",
                 "only", "workers"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    return Settings(**values)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt  # unwinds through run()'s finally, which stops the servers


def main(argv=None):
    """Run, print the report; exit 0 whatever the verdicts (they are measurements, not a test)."""
    args = parse_args(argv)
    settings = settings_from(args)
    workloads = settings.selected(catalogue(settings))
    if args.list:
        print("\n".join(f"{w.key:<22} {w.label}" for w in workloads))
        return 0
    if not workloads:
        sys.exit(f"no workload matches {' '.join(args.only)}; see --list")
    signal.signal(signal.SIGTERM, _interrupt)
    about = machine.describe()
    print(report.header(about, settings), flush=True)
    try:
        outcome = run(settings)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    text, verdicts = report.render(outcome, workloads, settings.connections)
    print("\n" + text)
    if args.json:
        report.write_json(args.json, about, settings, outcome, {w.key: w.label for w in workloads}, verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
