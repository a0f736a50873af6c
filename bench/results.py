"""The figures of every round, and their medians and ratios across rounds."""

import statistics
from dataclasses import asdict, dataclass, field

SERVERS = ("usersync", "ceiling", "peer")


@dataclass
class Measure:
    """One workload on one server in one round: the 8-connection pass and the 1-connection pass."""

    rate: float  # requests/s with every connection busy
    requests: int
    errors: int
    cpu_ms: float  # server CPU per request of the loaded pass, in ms
    p50_ms: float  # from the one-connection pass
    p99_ms: float
    latency_requests: int
    loaded_p50_ms: float = None  # from the loaded pass: what a client waits while every connection is busy
    loaded_p99_ms: float = None
    samples: list = field(default_factory=list)  # the first failed exchanges


def percentile(latencies, fraction):
    """The nearest-rank percentile of a list of seconds, in ms."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))] * 1000


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


@dataclass
class Results:
    """Per workload key and server: one Measure per round, or why the server cannot run it."""

    rounds: dict = field(default_factory=dict)  # key -> server -> [Measure]
    unsupported: dict = field(default_factory=dict)  # key -> server -> reason

    def add(self, key, server, measure):
        self.rounds.setdefault(key, {}).setdefault(server, []).append(measure)

    def mark_unsupported(self, key, server, reason):
        self.unsupported.setdefault(key, {})[server] = reason

    def measures(self, key, server):
        return self.rounds.get(key, {}).get(server, [])

    def median(self, key, server, figure):
        """The median of one figure (rate, p50_ms, ...) across rounds; None if never measured."""
        return median([getattr(m, figure) for m in self.measures(key, server)])

    def errors(self, key, server):
        return sum(m.errors for m in self.measures(key, server))

    def ratio(self, key, other):
        """The median across rounds of usersync's rate over the other server's, round by round."""
        if self.unsupported.get(key, {}).get(other):
            return None
        pairs = zip(self.measures(key, "usersync"), self.measures(key, other))
        return median([mine.rate / theirs.rate for mine, theirs in pairs if theirs.rate])

    def as_dict(self):
        """Every round's figures and the medians, for --json."""
        out = {}
        for key, per_server in self.rounds.items():
            out[key] = {server: {"rounds": [asdict(m) for m in measures],
                                 "median": {figure: self.median(key, server, figure)
                                            for figure in ("rate", "p50_ms", "p99_ms", "loaded_p50_ms",
                                                           "loaded_p99_ms", "cpu_ms")},
                                 "errors": self.errors(key, server)}
                        for server, measures in per_server.items()}
            out[key]["ceiling_ratio"] = self.ratio(key, "ceiling")
            out[key]["peer_ratio"] = self.ratio(key, "peer")
            out[key]["unsupported"] = self.unsupported.get(key, {})
        return out
