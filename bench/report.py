"""The printed table and the --json file."""

import json
from dataclasses import asdict
from functools import partial

from .targets import evaluate


def _num(value, digits=1):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _ratio(value, percent):
    if value is None:
        return "n/a"
    return f"{value:.1%}" if percent else f"{value:.2f}x"


def header(machine, settings):
    """The machine and the settings, first."""
    lines = [f"Machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
             f"{machine['python']}, {machine['platform']}; load average "
             + " ".join(f"{load:.2f}" for load in machine["load_average"]),
             f"Settings: {settings.rounds} round(s); {settings.duration:g} s at {settings.connections} connections "
             f"+ {settings.latency_duration:g} s at 1 connection per workload and server; waitress threads "
             f"{settings.threads}; stores {settings.small_store:,} and {settings.big_store:,} users; groups "
             + ", ".join(f"{name} {size:,}" for name, size in settings.tiers.items()) + " members"
             + (f"; usersync also with --workers {settings.workers}" if settings.workers > 1 else "")]
    return "\n".join(lines)


def table(results, labels, verdicts):
    """One row per workload: usersync's figures, the ceiling and peer rates, ratios and target verdicts."""
    by_key = {}
    for verdict in verdicts:
        by_key.setdefault(verdict.workload, []).append(f"{verdict.word} {verdict.target}")
    rows = [("workload", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "err", "ceiling/s", "vs ceil",
             "peer/s", "vs peer", "targets")]
    for key, label in labels.items():
        if key not in results.rounds:
            continue
        med = partial(results.median, key)
        peer_na = results.unsupported.get(key, {}).get("peer")
        rows.append((label, _num(med("usersync", "rate")), _num(med("usersync", "p50_ms"), 2),
                     _num(med("usersync", "p99_ms"), 2), _num(med("usersync", "cpu_ms"), 2),
                     str(results.errors(key, "usersync")), _num(med("ceiling", "rate")),
                     _ratio(results.ratio(key, "ceiling"), True),
                     "n/a" if peer_na else _num(med("peer", "rate")),
                     "n/a" if peer_na else _ratio(results.ratio(key, "peer"), False),
                     "; ".join(by_key.get(key, [])) or "-"))
    return _columns(rows)


def others(results, labels):
    """The ceiling's and the peer's own figures, for reference."""
    rows = [("workload", "ceiling p50", "ceiling CPU/req", "peer p50", "peer p99", "peer CPU/req", "peer err")]
    for key, label in labels.items():
        if key in results.rounds:
            med = partial(results.median, key)
            rows.append((label, _num(med("ceiling", "p50_ms"), 2), _num(med("ceiling", "cpu_ms"), 2),
                         _num(med("peer", "p50_ms"), 2), _num(med("peer", "p99_ms"), 2),
                         _num(med("peer", "cpu_ms"), 2), str(results.errors(key, "peer"))))
    return _columns(rows)


def latency(results, labels, connections):
    """usersync's and the peer's latency alone (p50) and with every connection busy (p99), side by side."""
    rows = [("workload", "p50 alone", f"p99 at {connections}", "p99/p50", "peer p50 alone", f"peer p99 at {connections}",
             "p99 vs peer")]
    for key, label in labels.items():
        if key not in results.rounds:
            continue
        med = partial(results.median, key)
        alone, tail, peer_tail = med("usersync", "p50_ms"), med("usersync", "loaded_p99_ms"), med("peer", "loaded_p99_ms")
        rows.append((label, _num(alone, 2), _num(tail, 2), _times(tail, alone), _num(med("peer", "p50_ms"), 2),
                     _num(peer_tail, 2), _times(tail, peer_tail)))
    return _columns(rows)


def workers(results, labels, name, connections):
    """usersync in one process and in several side by side: rates, CPU per request (every process of the
    server), and the p99 at every connection busy."""
    several = name.removeprefix("usersync")
    rows = [("workload", "req/s ×1", f"req/s {several}", "ratio", "CPU ms/req ×1", f"CPU ms/req {several}",
             f"p99 at {connections} ×1", f"p99 at {connections} {several}", "err")]
    for key, label in labels.items():
        if key not in results.rounds:
            continue
        med = partial(results.median, key)
        one, many = med("usersync", "rate"), med(name, "rate")
        rows.append((label, _num(one), _num(many), _times(many, one), _num(med("usersync", "cpu_ms"), 2),
                     _num(med(name, "cpu_ms"), 2), _num(med("usersync", "loaded_p99_ms"), 1),
                     _num(med(name, "loaded_p99_ms"), 1), str(results.errors(key, name))))
    return _columns(rows)


def _times(value, over):
    return "n/a" if value is None or not over else f"{value / over:.2f}x"


def gate(holds):
    """How long usersync's writes held the write gate (the whole run, seeding included)."""
    if not holds:
        return "  not reported (no write, or usersync did not stop cleanly)"
    return (f"  {holds['writes']:,} writes; mean {holds['mean_ms']:.2f} ms, longest {holds['max_ms']:.1f} ms, "
            f"total {holds['total_ms'] / 1000:.1f} s")


def _columns(rows):
    """Rows of cells as aligned text: the first column left-aligned, the last free, the rest right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:])]
        lines.append("  ".join(cells + [row[-1]]))
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def verdict_list(verdicts):
    """Every target, one per line."""
    return "\n".join(f"  {v.word:<4}  {v.workload:<22} {v.target:<44} measured {v.measured}" for v in verdicts)


def problems(outcome):
    """Unsupported workloads, failed exchanges and usersync's log lines about failures."""
    lines = []
    for key, reasons in outcome.results.unsupported.items():
        for server, reason in reasons.items():
            lines.append(f"  {key}: {server} {'n/a' if server == 'peer' else 'WRONG ANSWER'}: {reason}")
    for key, per_server in outcome.results.rounds.items():
        for server, measures in per_server.items():
            for method, path, status, body in [s for m in measures for s in m.samples][:3]:
                lines.append(f"  {key}: {server} {method} {path} -> {status} {body[:300]!r}")
    if outcome.server_errors:
        lines.append("  usersync log:")
        lines += [f"    {line}" for line in outcome.server_errors]
    return "\n".join(lines) or "  none"


def memory(outcome):
    """Resident memory (now, and peak) of each server at the end of each phase."""
    lines = []
    for phase, per_server in outcome.memory.items():
        cells = [f"{server} {_num(m['rss_mb'], 0)} MB (peak {_num(m['peak_mb'], 0)})"
                 for server, m in per_server.items()]
        lines.append(f"  after {phase:<7} " + ", ".join(cells))
    return "\n".join(lines)


def render(outcome, workloads, connections):
    """The whole printed report, and the verdicts."""
    labels = {w.key: w.label for w in workloads}
    peak = outcome.memory.get("big", {}).get("usersync", {}).get("peak_mb")
    verdicts = evaluate(outcome.results, peak, {w.key: w.ceiling for w in workloads})
    seeding = ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in outcome.seeding.items())
    text = "\n\n".join([
        "usersync (medians of the rounds; ratios are usersync's rate over the other's, round by round; "
        "ceiling: GET /hello for reads, POST /hello for writes, DELETE included)\n"
        + table(outcome.results, labels, verdicts),
        "Ceiling and peer\n" + others(outcome.results, labels),
        f"Latency in ms: alone (1 connection) and loaded ({connections} connections)\n"
        + latency(outcome.results, labels, connections),
        "Write gate hold time (usersync, SQLite)\n" + gate(outcome.gate_holds),
        *_workers_sections(outcome, labels, connections),
        "Targets\n" + verdict_list(verdicts),
        f"Memory (VmRSS, peak VmHWM)\n{memory(outcome)}",
        f"Seeding (not measured): {seeding}",
        "Problems\n" + problems(outcome)])
    return text, verdicts


def _workers_sections(outcome, labels, connections):
    """The workers table and their write gate, when `--workers N` was measured."""
    name = next((server for per_server in outcome.results.rounds.values() for server in per_server
                 if server.startswith("usersync×")), None)
    if name is None:
        return []
    return [f"Workers: `usersync serve` in one process and as {name} (medians; the client runs on the same cores, "
            "so a rate is what the cores left to the server gave)\n" + workers(outcome.results, labels, name, connections),
            f"Write gate hold time ({name}, its processes summed)\n" + gate(outcome.workers_gate_holds)]


def write_json(path, machine, settings, outcome, labels, verdicts):
    """Every figure of every round, the medians, ratios, memory and verdicts."""
    doc = {"machine": machine, "settings": asdict(settings), "labels": labels,
           "workloads": outcome.results.as_dict(), "memory": outcome.memory, "seeding_seconds": outcome.seeding,
           "verdicts": [asdict(v) for v in verdicts], "usersync_log_failures": outcome.server_errors,
           "write_gate_holds": outcome.gate_holds, "workers_write_gate_holds": outcome.workers_gate_holds}
    with open(path, "w") as out:
        json.dump(doc, out, indent=2)
