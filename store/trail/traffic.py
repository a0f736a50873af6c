"""The per-app traffic log: an app's recent SCIM exchanges, redacted before they are stored."""

from models import db
from models.audit import TrafficEntry
from store.trail import redaction
from store.trail.audit import storable


def record(app, request_id, method, path_with_query, status, latency_ms, request_body, response_body,
           max_body, max_entries, *, secrets=()):
    """Store one exchange and keep only the app's newest max_entries, in one transaction.

    Bodies (bytes or str) lose their secrets (see store.trail.redaction) and are cut to max_body characters;
    every string in secrets (the bearer token), and every secret found in the request, is also scrubbed
    from the path and both bodies. Headers are never stored.
    """
    found = set(secrets)
    path, _, query = path_with_query.partition("?")
    if query:
        path += "?" + redaction.redact_query(query, found)
    request_text = _redacted_body(request_body, found)
    response_text = _redacted_body(response_body, found)
    with db.atomic():
        entry = TrafficEntry.create(
            app=app.id, request_id=request_id, method=method[:TrafficEntry.method.max_length],
            path=storable(redaction.scrub(path, found))[:TrafficEntry.path.max_length], status=status,
            latency_ms=round(latency_ms, 1),
            request_body=_stored(_truncated(redaction.scrub(request_text, found), max_body)),
            response_body=_stored(_truncated(redaction.scrub(response_text, found), max_body)))
        _trim(app, max_entries)
    return entry


def _stored(text):
    """What an IdP sent, as text any store accepts (a path or JSON escape may hold a lone surrogate)."""
    return None if text is None else storable(text)


def _redacted_body(body, found):
    """A body as redacted text: JSON re-serialized without secrets, other text with key=value secrets hidden."""
    if body is None or len(body) == 0:
        return None
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    text = redaction.redact_text(text, found)
    if "=" in text and not text.lstrip().startswith(("{", "[")):
        text = redaction.redact_query(text, found)  # a form-encoded body
    return text


def _truncated(text, max_body):
    if text is None or len(text) <= max_body:
        return text
    dropped = len(text[max_body:].encode("utf-8", errors="replace"))
    return f"{text[:max_body]}…[truncated {dropped} bytes]"


def _trim(app, max_entries):
    """Delete all but the app's newest max_entries."""
    newest = (TrafficEntry.select(TrafficEntry.id).where(TrafficEntry.app == app.id)
              .order_by(TrafficEntry.at.desc(), TrafficEntry.id.desc()).limit(max(max_entries, 1)))
    TrafficEntry.delete().where((TrafficEntry.app == app.id) & TrafficEntry.id.not_in(newest)).execute()


def recent(app, limit=50, offset=0):
    """The app's exchanges, newest first."""
    return list(TrafficEntry.select().where(TrafficEntry.app == app.id)
                .order_by(TrafficEntry.at.desc(), TrafficEntry.id.desc()).limit(limit).offset(offset))


def clear(app):
    """Delete the app's traffic log; returns how many entries went."""
    with db.atomic():
        return TrafficEntry.delete().where(TrafficEntry.app == app.id).execute()


def as_dict(entry):
    """An exchange as a JSON-ready dict (bodies as the stored text)."""
    return {
        "at": entry.at.isoformat(timespec="milliseconds") + "Z",
        "request_id": entry.request_id,
        "method": entry.method,
        "path": entry.path,
        "status": entry.status,
        "latency_ms": entry.latency_ms,
        "request_body": entry.request_body,
        "response_body": entry.response_body,
    }
