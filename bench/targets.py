"""The performance targets, each checked against the medians of the interleaved rounds."""

from dataclasses import dataclass

# usersync's rate over the ceiling's comparable /hello rate (GET for reads, POST for writes).
# DELETE has no body, but it is a write: it is held to the POST /hello rate.
CEILING_SHARE = {"get": 0.50, "filter": 0.50, "create": 0.40, "put": 0.40, "patch": 0.40, "delete": 0.50,
                 "page": 0.08, "group-get@large": 0.015}
# p50 latency (one connection) at the largest group over that at the smallest.
GROUP_LATENCY_GROWTH = {"group-patch": 1.5, "group-get-excl": 1.5}
# The rate with the big store may be at most this much slower than with the small one.
BIG_STORE_SLOWDOWN = {"big-get": ("get", 1.3), "big-filter": ("filter", 1.3), "big-page": ("page", 1.3)}
MEMORY_MB = 200  # usersync's peak resident memory (VmHWM: over its whole life) once the big store is in
# A write's p99 with every connection busy over its p50 alone: waiting writers must not sleep past a commit.
TAIL_OVER_ALONE = {"create": 15.0, "put": 15.0, "patch": 15.0, "delete": 15.0}
TAIL_VS_PEER = {"create": 1.2, "put": 1.2, "patch": 1.2}  # that p99 over the peer's, at the same load
PEER_FACTOR = 1.0  # no workload slower than the peer...
PEER_FACTOR_HEAVY = 5.0  # ...and list pages and every group workload 5x faster


@dataclass
class Verdict:
    """One target: what was asked, what was measured, and whether it holds (None: could not tell)."""

    workload: str
    target: str
    measured: str
    passed: object  # True, False or None

    @property
    def word(self):
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


def evaluate(results, peak_mb, ceilings):
    """Every target that the measured workloads allow checking; ceilings: key -> GET or POST."""
    verdicts = []
    for key in results.rounds:
        verdicts += _ceiling(results, key, ceilings[key]) + _peer(results, key) + _big_store(results, key)
        verdicts += _tail(results, key)
    verdicts += _group_latency(results)
    if peak_mb is not None and any(key.startswith("big-") for key in results.rounds):
        verdicts.append(Verdict("memory", f"usersync peak < {MEMORY_MB} MB with the big store",
                                f"{peak_mb:.0f} MB", peak_mb < MEMORY_MB))
    return verdicts


def _clean(results, key, *servers):
    """Whether every measured request of key on these servers got its expected answer."""
    return all(results.errors(key, server) == 0 for server in servers)


def _ceiling(results, key, method):
    share = CEILING_SHARE.get(key)
    if share is None:
        return []
    ratio = results.ratio(key, "ceiling")
    passed = None if ratio is None else (ratio >= share and _clean(results, key, "usersync", "ceiling"))
    return [Verdict(key, f">= {share:.1%} of ceiling {method} /hello", _pct(ratio), passed)]


def _peer(results, key):
    factor = PEER_FACTOR_HEAVY if key.startswith(("group-", "page", "big-page")) else PEER_FACTOR
    reason = results.unsupported.get(key, {}).get("peer")
    if reason:
        return [Verdict(key, f">= {factor:g}x peer", f"n/a: {reason}", None)]
    ratio = results.ratio(key, "peer")
    if ratio is None:
        return []
    if not _clean(results, key, "peer"):
        return [Verdict(key, f">= {factor:g}x peer", f"n/a: peer answered {results.errors(key, 'peer')} errors",
                        None)]
    return [Verdict(key, f">= {factor:g}x peer", f"{ratio:.2f}x", ratio >= factor and _clean(results, key, "usersync"))]


def _big_store(results, key):
    """Judged on the rates, as the target is worded. The phases run minutes apart, so each rate over its own
    rounds' ceiling is shown too: when the two disagree, the machine's load changed between the phases."""
    if key not in BIG_STORE_SLOWDOWN:
        return []
    small_key, slowdown = BIG_STORE_SLOWDOWN[key]
    target = f"rate >= {small_key}'s / {slowdown}"
    big, small = results.median(key, "usersync", "rate"), results.median(small_key, "usersync", "rate")
    if big is None or small is None:
        return [Verdict(key, target, "n/a: both must be measured", None)]
    shares = results.ratio(key, "ceiling"), results.ratio(small_key, "ceiling")
    measured = (f"{big:.0f} vs {small:.0f}/s ({small / big:.2f}x slower; over the ceiling "
                f"{shares[0]:.1%} vs {shares[1]:.1%}, {shares[1] / shares[0]:.2f}x)")
    return [Verdict(key, target, measured, big >= small / slowdown and _clean(results, key, "usersync"))]


def _tail(results, key):
    """p99 under load against the same request's p50 alone, and against the peer's p99 under the same load."""
    verdicts = []
    tail, alone = results.median(key, "usersync", "loaded_p99_ms"), results.median(key, "usersync", "p50_ms")
    if key in TAIL_OVER_ALONE and tail is not None and alone:
        limit = TAIL_OVER_ALONE[key]
        verdicts.append(Verdict(key, f"p99 loaded <= {limit:g}x p50 alone", f"{tail:.1f} vs {alone:.2f} ms "
                                f"({tail / alone:.1f}x)", tail <= limit * alone))
    peer_tail = results.median(key, "peer", "loaded_p99_ms")
    if key in TAIL_VS_PEER and tail is not None and peer_tail and _clean(results, key, "peer"):
        limit = TAIL_VS_PEER[key]
        verdicts.append(Verdict(key, f"p99 loaded <= {limit:g}x peer's", f"{tail:.1f} vs {peer_tail:.1f} ms "
                                f"({tail / peer_tail:.2f}x)", tail <= limit * peer_tail))
    return verdicts


def _group_latency(results):
    verdicts = []
    for prefix, growth in GROUP_LATENCY_GROWTH.items():
        large, small = f"{prefix}@large", f"{prefix}@small"
        big_ms, small_ms = results.median(large, "usersync", "p50_ms"), results.median(small, "usersync", "p50_ms")
        if big_ms is None or small_ms is None:
            continue
        verdicts.append(Verdict(large, f"p50 <= {growth}x the smallest group's", f"{big_ms:.1f} vs {small_ms:.1f} ms "
                                f"({big_ms / small_ms:.2f}x)", big_ms <= growth * small_ms
                                and _clean(results, large, "usersync")))
    return verdicts


def _pct(ratio):
    return "n/a" if ratio is None else f"{ratio:.1%}"
