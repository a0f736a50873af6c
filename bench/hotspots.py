"""`python -m bench.hotspots WORKLOAD`: where usersync spends one workload's time.

usersync serve seeds the store as in a benchmark run. By default the same app then runs in this process on
the same database, and the workload's requests go through Flask's test client under cProfile (no waitress,
no network, one thread): the app's own cost, deterministically. With --live, the bench's 8 connections load
the real server while py-spy (if installed: pip install py-spy) samples it: waitress, logging and threads
included, as measured.
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from . import servers
from .client import load
from .run import QUICK, Settings, seed_phase
from .seeded import SeededStore
from .workloads import catalogue


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("workload", help="a workload key (python -m bench --list)")
    parser.add_argument("--requests", type=int, default=200, help="requests profiled (default 200)")
    parser.add_argument("--top", type=int, default=25, help="functions shown per ordering (default 25)")
    parser.add_argument("--big-store", type=int, help="users of the big store (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="the tiny sizes of python -m bench --quick")
    parser.add_argument("--live", type=int, metavar="SECONDS",
                        help="sample the loaded server with py-spy for SECONDS instead")
    return parser.parse_args(argv)


def in_process_client(server):
    """A Flask test client of usersync on the server's database."""
    os.environ.update({key: value for key, value in server.env.items() if key.startswith("USERSYNC_")})
    sys.path.insert(0, str(servers.REPO))
    from app import create_app

    return create_app().test_client()


def profile(client, target, stream, count):
    """Send count requests from stream through the test client under cProfile: the profile, and failures."""
    failures, profiler = [], cProfile.Profile()
    for _ in range(count):
        request = next(stream, None)
        if request is None:
            break
        profiler.enable()
        response = client.open(target.prefix + request.path, method=request.method, data=request.body,
                               headers=target.headers)
        profiler.disable()
        if response.status_code not in request.expect:
            failures.append(f"{request.method} {request.path} -> {response.status_code} {response.data[:300]!r}")
    return profiler, failures


def summary(profiler, top):
    """The top functions by cumulative and by own time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def py_spy():
    """The py-spy executable: next to this interpreter, or on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        sys.exit("--live needs py-spy: pip install py-spy")
    return found


def sample(server, store, workload, settings, seconds, workdir):
    """Load the server with the workload while py-spy samples the stacks holding the GIL: the raw file."""
    out = Path(workdir) / "py-spy.txt"
    spy = subprocess.Popen([py_spy(), "record", "-p", str(server.pid), "-d", str(seconds), "-f", "raw", "-o",
                            str(out), "--gil", "-F", "--nonblocking", "--full-filenames", "-r", "250"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)  # attached before the load starts
        loaded = load(server.target, [workload.stream(store, w) for w in range(settings.connections)], seconds)
        spy.wait(timeout=seconds + 30)
    finally:
        if spy.poll() is None:
            spy.kill()
    print(f"{loaded.requests} requests, {loaded.rate:.1f}/s, {loaded.errors} errors")
    if not out.exists():
        sys.exit(f"py-spy failed: {spy.stderr.read()[-2000:]}")
    return out.read_text()


def hot(raw, top):
    """As shares of the samples: usersync's functions on the stack, the innermost usersync function of each
    stack (what it and the libraries it called cost), and the function on top (own time)."""
    repo = f"({servers.REPO}/"
    inclusive, innermost, own, total = Counter(), Counter(), Counter(), 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames, n = stack.replace(repo, "(").split(";"), int(count)
        total += n
        ours = [frame for frame in frames if _ours(frame)]
        inclusive.update({frame: n for frame in set(ours)})
        innermost[ours[-1] if ours else "(outside usersync: waitress, threads)"] += n
        own[frames[-1]] += n
    lines = [f"{total} samples holding the GIL"]
    for title, counter in (("usersync code on the stack", inclusive),
                           ("innermost usersync function (with the library calls it made)", innermost),
                           ("on top of the stack (own time)", own)):
        lines.append(f"\n{title}:")
        lines += [f"  {n / total:6.1%}  {_short(frame)}" for frame, n in counter.most_common(top)]
    return "\n".join(lines)


def _ours(frame):
    """Whether a frame is in this repository: its path was made relative, others stay absolute."""
    where = frame.partition(" (")[2]
    return bool(where) and where[0] not in "/<"


def _short(frame):
    """A frame without the site-packages or standard library directory."""
    name, found, where = frame.partition(" (")
    if not found:
        return frame
    for marker in ("site-packages/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1].lstrip(".0123456789/")
    return f"{name} ({where}"


def main(argv=None):
    args = parse_args(argv)
    settings = Settings(**(QUICK if args.quick else {}))
    if args.big_store:
        settings.big_store = args.big_store
    workload = {w.key: w for w in catalogue(settings)}.get(args.workload)
    if workload is None:
        sys.exit(f"no workload {args.workload!r}; see python -m bench --list")
    with tempfile.TemporaryDirectory(prefix="usersync-profile-") as workdir:
        server = servers.usersync(workdir, settings.threads)
        try:
            server.start()
            store = SeededStore(server)
            seed_phase(workload.phase, store, settings)
            if workload.key == "delete":
                store.fill_pool(args.requests if args.live is None else 20_000)
            if args.live is not None:
                print(f"{workload.label}: usersync serve sampled by py-spy")
                print(hot(sample(server, store, workload, settings, args.live, workdir), args.top))
                return
            client = in_process_client(server)
            profiler, failures = profile(client, server.target, workload.stream(store, 0), args.requests)
        finally:
            server.stop()
    print(f"{workload.label}: {args.requests} requests through Flask's test client\n")
    print(summary(profiler, args.top))
    for failure in failures[:5]:
        print("unexpected answer:", failure)


if __name__ == "__main__":
    main()
