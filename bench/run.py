"""One benchmark run: start the servers, seed them, measure every workload round by round, stop them."""

import ast
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatch

from . import procstat, servers
from .client import load
from .results import Measure, Results, percentile
from .seeded import SeededStore
from .workloads import catalogue, ceiling_stream

PHASES = ("users", "writes", "groups", "big")
GATE_LINE = "write gate held: "  # models.write_gate logs it at exit


@dataclass
class Settings:
    """Sizes, durations and what to run."""

    rounds: int = 3
    duration: float = 2.0  # seconds of the loaded pass, per workload, server and round
    latency_duration: float = 1.0  # seconds of the one-connection pass
    threads: int = 8  # waitress threads of every server
    connections: int = 8  # concurrent client connections of the loaded pass
    small_store: int = 1000
    big_store: int = 100_000
    tiers: dict = field(default_factory=lambda: {"small": 10, "medium": 1000, "large": 10_000})
    only: list = None  # fnmatch patterns of workload keys
    workers: int = 1  # above 1: `usersync serve --workers N` is measured too, beside the single process

    def selected(self, workloads):
        return [w for w in workloads if not self.only or any(fnmatch(w.key, p) for p in self.only)]


QUICK = {"rounds": 1, "duration": 0.2, "latency_duration": 0.1, "small_store": 120, "big_store": 400,
         "tiers": {"small": 5, "medium": 20, "large": 60}}


@dataclass
class Outcome:
    """Everything a run measured, for the report."""

    results: Results = field(default_factory=Results)
    memory: dict = field(default_factory=dict)  # phase -> server -> {"rss_mb", "peak_mb"}
    seeding: dict = field(default_factory=dict)  # phase -> seconds spent seeding
    server_errors: list = field(default_factory=list)  # usersync log lines about failures
    gate_holds: dict = None  # usersync's write gate hold times, logged when it stops (models.write_gate)
    workers_gate_holds: dict = None  # the same of `usersync serve --workers N`, its processes' lines summed


def progress(text):
    print(text, file=sys.stderr, flush=True)


def run(settings):
    """Start the three servers in a temp dir, measure, and always stop them and remove the dir."""
    with tempfile.TemporaryDirectory(prefix="usersync-bench-") as workdir:
        fleet = [servers.usersync(workdir, settings.threads), servers.ceiling(workdir, settings.threads),
                 servers.peer(workdir, settings.threads)]
        if settings.workers > 1:
            fleet.append(servers.usersync(workdir, settings.threads, settings.workers))
        try:
            for server in fleet:
                server.start()
            stores = {s.name: SeededStore(s) for s in fleet if s.name != "ceiling"}
            outcome = Outcome()
            _measure_phases(settings, fleet, stores, outcome)
            fleet[0].stop()  # usersync logs its write gate's hold times as it stops
            outcome.server_errors = _failure_lines(fleet[0].log_path)
            outcome.gate_holds = _gate_holds(fleet[0].log_path)
            if settings.workers > 1:
                fleet[3].stop()
                outcome.server_errors += _failure_lines(fleet[3].log_path)
                outcome.workers_gate_holds = _gate_holds(fleet[3].log_path)
            return outcome
        finally:
            for server in fleet:
                server.stop()


def _measure_phases(settings, fleet, stores, outcome):
    workloads = settings.selected(catalogue(settings))
    for phase in PHASES:
        chosen = [w for w in workloads if w.phase == phase]
        if not chosen:
            continue
        began = time.monotonic()
        _seed_all(phase, stores, settings)
        outcome.seeding[phase] = time.monotonic() - began
        progress(f"{phase}: seeded in {outcome.seeding[phase]:.1f} s")
        for workload in chosen:
            _probe(workload, stores, outcome.results)
        for round_ in range(settings.rounds):
            for workload in chosen:
                for server in fleet:
                    _measure_one(server, stores.get(server.name), workload, settings, outcome.results, round_)
        outcome.memory[phase] = {s.name: {"rss_mb": procstat.tree_memory_mb(s.pid, "VmRSS"),
                                          "peak_mb": procstat.tree_memory_mb(s.pid)} for s in fleet}


def _seed_all(phase, stores, settings):
    """Seed every SCIM server at once (each is its own process); on failure, stop waiting for the others."""
    pool = ThreadPoolExecutor(len(stores))
    try:
        for done in [pool.submit(seed_phase, phase, store, settings) for store in stores.values()]:
            done.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def seed_phase(phase, store, settings):
    """Bring one SCIM server's store to what the phase needs (never measured)."""
    store.ensure_base(settings.small_store)
    if phase == "groups":
        store.ensure_groups(settings.tiers, settings.connections + 1)  # one spare per connection, and the latency pass
    elif phase == "big":
        store.ensure_total(settings.big_store)


def _probe(workload, stores, results):
    """Send a workload's first request once to each SCIM server and check the answer means what was asked."""
    if workload.check is None:
        return
    for name, store in stores.items():
        request = next(workload.stream(store, 0))
        status, body = store.session.call(request.method, request.path)
        reason = workload.check(status, body)
        if reason:
            results.mark_unsupported(workload.key, name, reason)
            progress(f"{workload.key}: {name} answered {request.method} {request.path}: {reason}")


def _measure_one(server, store, workload, settings, results, round_):
    """The loaded pass (rate, CPU per request), then the one-connection pass (latency) of one workload."""
    if server.name == "peer" and results.unsupported.get(workload.key, {}).get("peer"):
        return  # the peer cannot do it: reported as n/a
    stream = _stream_of(store, workload)
    deleting = store is not None and workload.key == "delete"
    if deleting:
        store.fill_pool(_pool_size(store, settings.duration))
    cpu = procstat.tree_cpu_seconds(server.pid)
    loaded = load(server.target, [stream(w) for w in range(settings.connections)], settings.duration, timed=True)
    cpu = procstat.tree_cpu_seconds(server.pid) - cpu
    if deleting:
        store.fill_pool(_pool_size(store, settings.latency_duration))
    single = load(server.target, [stream(settings.connections)], settings.latency_duration, timed=True)
    if server.process.poll() is not None:
        raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
    if store is not None:
        store.rates[workload.key] = loaded.rate
    measure = Measure(rate=loaded.rate, requests=loaded.requests, errors=loaded.errors + single.errors,
                      cpu_ms=cpu / loaded.requests * 1000 if loaded.requests else None,
                      p50_ms=percentile(single.latencies, 0.50), p99_ms=percentile(single.latencies, 0.99),
                      latency_requests=single.requests, samples=loaded.samples + single.samples,
                      loaded_p50_ms=percentile(loaded.latencies, 0.50),
                      loaded_p99_ms=percentile(loaded.latencies, 0.99))
    results.add(workload.key, server.name, measure)
    progress(f"round {round_ + 1}/{settings.rounds} {workload.key:<22} {server.name:<8} {measure.rate:9.1f}/s "
             f"p50 {measure.p50_ms or 0:8.2f} ms  p99@{settings.connections} {measure.loaded_p99_ms or 0:8.2f} ms  "
             f"errors {measure.errors}")


def _stream_of(store, workload):
    """How one connection gets its requests: the workload's for a SCIM server, /hello for the ceiling."""
    if store is None:
        return lambda _worker: ceiling_stream(workload.ceiling)
    return lambda worker: workload.stream(store, worker)


def _pool_size(store, seconds):
    """Users DELETE may use up in seconds: twice the create rate seen (DELETE is no slower), and some."""
    rate = store.rates.get("create") or 300
    return int(rate * seconds * 2) + 50


def _gate_holds(log_path):
    """The figures of usersync's "write gate held: {...}" log lines (one per process), summed; or None."""
    lines = []
    with open(log_path, errors="replace") as log:
        for line in log:
            if GATE_LINE in line:
                lines.append(ast.literal_eval(line.split(GATE_LINE, 1)[1].strip()))
    if not lines:
        return None
    writes, total = sum(f["writes"] for f in lines), sum(f["total_ms"] for f in lines)
    return {"writes": writes, "mean_ms": round(total / writes, 3) if writes else 0.0,
            "max_ms": max(f["max_ms"] for f in lines), "total_ms": round(total, 1), "processes": len(lines)}


def _failure_lines(log_path, limit=60):
    """usersync's log lines about 5xx answers and errors, with the traceback lines that follow them."""
    found, inside = [], False
    with open(log_path, errors="replace") as log:
        for line in log:
            if '"status":5' in line or " ERROR " in line or line.startswith("Traceback"):
                inside = True
            elif line.startswith("{") or " INFO " in line:
                inside = False  # the next request-log line ends a traceback
            if inside:
                found.append(line.rstrip()[:1000])
            if len(found) >= limit:
                break
    return found
