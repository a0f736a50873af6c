"""How a first full pull's memory grows with the source: each size pulled by a fresh process from a fresh fake.

The growth is the puller's resident peak during the run less its size just before (Linux: VmHWM after
clear_refs 5), once the app is built, the modules imported and the source answered once. A fresh process per
size, so what an earlier, larger run left in the allocator does not hide the growth.
"""

import multiprocessing
import os
from pathlib import Path

from .pull_fake import FakeProcess
from .pull_source import Shape

SIZES = (2_500, 5_000, 10_000)
FLAT = 1.3  # growth per user at the largest size ÷ at the smallest: at most this, memory is flat


def measure(kind, sizes, workdir):
    """{points: [{users, growth_bytes, bytes_per_user, counts}], ratio, marginal}: one fresh pull per size; the
    ratio of the growth per user at the largest size to that at the smallest, and what each user past the
    smallest size added (the growth's slope: the part of the growth that is not fixed)."""
    points = []
    for users in sizes:
        with FakeProcess(kind, Shape.scaled(users)) as fake:
            points.append({"users": users, **_in_child(kind, fake.settings, workdir)})
    for point in points:
        point["bytes_per_user"] = round(point["growth_bytes"] / point["users"])
    if len(points) < 2:
        return {"points": points, "ratio": None, "marginal": None}
    first, last = points[0], points[-1]
    return {"points": points, "ratio": round(last["bytes_per_user"] / first["bytes_per_user"], 2),
            "marginal": round((last["growth_bytes"] - first["growth_bytes"]) / (last["users"] - first["users"]))}


def _in_child(kind, settings, workdir):
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_pull, args=(kind, settings, str(workdir), child), name=f"memory-{kind}")
    process.start()
    child.close()
    try:
        reply = parent.recv()
    finally:
        process.join(timeout=30)
    if isinstance(reply, BaseException):
        raise reply
    return reply


def _pull(kind, settings, workdir, pipe):
    """The child: one first full pull, its resident growth sent back."""
    os.environ.setdefault("USERSYNC_SECRET_KEY", "bench-only")
    try:
        import provisioning.pull.engine  # noqa: F401  (imported before the baseline, as a server has it)
        from sync.sources import source_class

        from .pull_runs import Pulling

        source = source_class(kind)(**settings)
        pulling = Pulling(workdir, source, f"{kind}-memory")
        with source.client() as client:
            client.check()  # the HTTP stack imported and a connection made before the baseline
        base = _reset_peak()
        status = pulling.run().status
        pipe.send({"growth_bytes": _status_bytes("VmHWM") - base, "counts": status["counts"],
                   "status": status["status"]})
    except Exception as error:  # noqa: BLE001 (sent to the parent, which raises it)
        pipe.send(error)


def _reset_peak():
    """Reset the process's resident peak (Linux: clear_refs 5); its resident size now, in bytes."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_bytes("VmRSS")


def _status_bytes(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0
