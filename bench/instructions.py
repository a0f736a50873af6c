"""`python -m bench.instructions`: the CPU instructions a request costs usersync and the ceiling, counted.

Rates on a shared virtual machine wander with its CPU speed (the same loop took 0.41 to 0.75 s in five
runs); instruction counts do not. usersync serve and the ceiling's /hello app run under valgrind's
callgrind with counting off; each workload then sends its requests on one keep-alive connection with
counting switched on around them (callgrind_control), and the count per request is everything the
server process executed for it: waitress, Flask and usersync, not the client. The ceiling share is
the ceiling's instructions per request over usersync's: the rate ratio an instruction-bound server
would reach, before GIL hand-offs and CPU caches. Needs valgrind (apt install valgrind).
"""

import argparse
import glob
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace

from . import servers
from .client import exchange
from .run import Settings, seed_phase
from .seeded import SeededStore
from .targets import CEILING_SHARE
from .workloads import catalogue, ceiling_stream

PHASES = ("users", "writes", "groups")  # the big store changes a lookup's rate, not its instructions
START_TIMEOUT = 120  # seconds: Python starts several times slower under valgrind
HEAVY = ("group-get@medium", "group-get@large")  # tens of millions of instructions each: fewer requests


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests counted per workload (default 40)")
    parser.add_argument("--small-store", type=int, default=1000, help="users of the store (default 1,000)")
    parser.add_argument("--only", nargs="+", metavar="WORKLOAD", help="these workloads only (shell patterns)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"needs {' and '.join(missing)} (apt install valgrind)")
    settings = Settings(small_store=args.small_store, only=args.only, connections=1)
    workloads = settings.selected(catalogue(settings))
    if not workloads:
        sys.exit(f"no workload matches {' '.join(args.only)}; see python -m bench --list")
    print(f"{args.requests} requests per workload ({max(args.requests // 5, 2)} for full GETs of big groups), "
          "one connection, counted by callgrind", flush=True)
    with tempfile.TemporaryDirectory(prefix="usersync-instructions-") as workdir:
        usersync, ceiling = (_under_callgrind(server, workdir) for server in
                             (servers.usersync(workdir, settings.threads), servers.ceiling(workdir, settings.threads)))
        try:
            for server in (usersync, ceiling):
                server.start(START_TIMEOUT)
            hello = {method: _count(ceiling, ceiling_stream(method), args.requests, workdir, 2 * settings.threads)
                     for method in ("GET", "POST")}
            print(f"ceiling: GET /hello {hello['GET'] / 1e6:.2f} M, POST /hello {hello['POST'] / 1e6:.2f} M "
                  "instructions per request", flush=True)
            store = SeededStore(usersync)
            rows = []
            for phase in PHASES:
                chosen = [w for w in workloads if w.phase == phase]
                if chosen:
                    seed_phase(phase, store, settings)
                for workload in chosen:
                    count = max(args.requests // 5, 2) if workload.key in HEAVY else args.requests
                    warm = min(2 * settings.threads, count)
                    if workload.key == "delete":
                        store.fill_pool(count + warm)
                    per_request = _count(usersync, workload.stream(store, 0), count, workdir, warm)
                    rows.append((workload, per_request, hello[workload.ceiling]))
                    print(_line(*rows[-1]), flush=True)
        finally:
            for server in (usersync, ceiling):
                server.stop()
    return 0


def _under_callgrind(server, workdir):
    """The same server, run by valgrind with counting off until a workload switches it on."""
    out = os.path.join(workdir, f"{server.name}.callgrind")
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *server.argv]
    return replace(server, argv=argv)


def _count(server, stream, requests, workdir, warm):
    """Instructions per request of the next requests of stream, after warm not counted.

    Waitress hands one connection's requests to its threads in turn, each with a pooled database
    connection, and SQLite prepares a statement once per connection: preparing a user's body
    (store.resources.user_json) costs 17 times running it. Two requests per thread first count the steady state."""
    conn = http.client.HTTPConnection("127.0.0.1", server.target.port, timeout=600)
    try:
        for _ in range(warm):
            _send(conn, server, next(stream))
        _control(server, "-z")
        _control(server, "-i", "on")
        for _ in range(requests):
            _send(conn, server, next(stream))
        _control(server, "-i", "off")
    finally:
        conn.close()
    before = set(glob.glob(os.path.join(workdir, f"{server.name}.callgrind.*")))
    _control(server, "-d")
    (dump,) = set(glob.glob(os.path.join(workdir, f"{server.name}.callgrind.*"))) - before
    return _totals(dump) / requests


def _send(conn, server, request):
    status, body = exchange(conn, server.target, request)
    if status not in request.expect:
        raise RuntimeError(f"{server.name}: {request.method} {request.path} answered {status}: {body[:300]!r}")


def _control(server, *args):
    subprocess.run(["callgrind_control", *args, str(server.pid)], check=True, capture_output=True, timeout=120)


def _totals(path):
    with open(path) as dump:
        for line in dump:
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def _line(workload, per_request, ceiling):
    share = ceiling / per_request
    target = CEILING_SHARE.get(workload.key)
    judged = "" if target is None else f"  target {target:.1%}: {'PASS' if share >= target else 'FAIL'}"
    return (f"{workload.label:<42} {per_request / 1e6:8.2f} M instructions/request  "
            f"{share:6.1%} of ceiling {workload.ceiling}{judged}")


if __name__ == "__main__":
    sys.exit(main())
