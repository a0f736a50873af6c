"""The Synchronization page's summary of a saved source: what it reads, and how a later run reads only changes."""

import re

from blueprints.wizard import source
from blueprints.wizard.outcome import API_NAMES
from store.pull import sources
from sync.sources import SourceConfigError, source_class

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")  # a "modified" watermark: RFC 3339 UTC
UNKNOWN = "unknown"  # how the source reads changes, when it cannot be built to ask


def summary(app, saved):
    """{"described", "incremental", "read_up_to"} of the app's saved source, or None without one."""
    if not saved:
        return None
    built = _built(app)
    incremental = built.incremental if built is not None else _incremental(saved["kind"])
    watermark = saved.get("watermark") or ""
    return {"described": built.describe() if built is not None else source.kind_label(saved["kind"]),
            "read_up_to": watermark if incremental == "modified" and _TIME.match(watermark) else None,
            "changes": _changes(saved["kind"], incremental, watermark)}


def _built(app):
    """The saved source (its secret decrypted, never shown), or None when it cannot be read."""
    try:
        return sources.source_for(app, source.key())
    except (SourceConfigError, ImportError):
        return None


def _incremental(kind):
    """How a kind reads changes when the source itself could not be built: its class's, unless each source of
    the kind decides (Entra: none with chosen groups), then UNKNOWN."""
    try:
        value = source_class(kind).incremental
    except (SourceConfigError, ImportError):
        return UNKNOWN
    return value if value is None or isinstance(value, str) else UNKNOWN


def _changes(kind, incremental, watermark):
    """How a later run reads only changes, in words; None for a time filter (the time says it) or when unknown."""
    if incremental == "delta":
        api = API_NAMES.get(kind, "the source's")
        then = "the next run starts from the last one's link" if watermark else "the first run reads everything"
        return f"Changes are tracked with {api} delta links: {then}."
    if incremental is None:
        return "Every pull reads everything; only changes are written."
    return None  # "modified", or UNKNOWN
