"""Secrets out of what the audit trail and traffic log keep: tokens, passwords, client secrets.

A value is redacted when its key names a secret (``password``, ``client_secret``, ``apiKey``,
``urn:...:User:password``, Entra's ``passwordProfile``, ...), and in a PATCH operation when its
``path`` does. The values taken out are collected so that the caller can also scrub them from
text they were echoed into (an error detail, a query string).
"""

import json
import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
# Words that make a key secret, matched in its last segment with case, '-' and '_' ignored:
# a superset of password, secret, client_secret, token, access_token, refresh_token,
# authorization, apikey and api_key.
_SECRET_WORDS = ("password", "passwd", "pwd", "secret", "token", "authorization", "apikey", "credential")
# Short keys that name a password only when they are the whole key (in "typewriter", "pw" is not one).
_SECRET_KEYS = frozenset({"pw", "pass"})
# Values the stores already write in place of a secret (provisioning.changes): nothing left to hide.
_MARKERS = frozenset({REDACTED, "[changed]"})
_MIN_SCRUB = 4  # shorter values would scrub ordinary words out of unrelated text
# "key": "value" pairs in text that is not (or no longer) valid JSON.
_TEXT_PAIR = re.compile(r'("([^"\\]*)"\s*:\s*)"(?:[^"\\]|\\.)*"')
# key=value assignments in such text ("user=bob pw=hunter2", a form body, a log line).
_TEXT_ASSIGNMENT = re.compile(r"(?<![\w.-])([\w.-]+=)([^&\s\"'<>]+)")
# What a bearer token looks like in a path: secrets.token_urlsafe(32) is 43 URL-safe characters.
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_-]{43}")


def is_secret_key(key):
    """Whether a JSON key or query parameter names a secret."""
    if not isinstance(key, str):
        return False
    last = re.split(r"[:.]", re.sub(r"\[.*?\]", "", key))[-1]  # a PATCH path's value filter names no key
    folded = re.sub(r"[-_\s]", "", last.lower())
    return folded in _SECRET_KEYS or any(word in folded for word in _SECRET_WORDS)


def redact(value, found=None):
    """A copy of a JSON value with every secret replaced by "[redacted]"; secret strings are added to found."""
    found = set() if found is None else found
    if isinstance(value, list):
        return [redact(item, found) for item in value]
    if not isinstance(value, dict):
        return value
    secret_path = is_secret_key(value.get("path")) if isinstance(value.get("path"), str) else False
    result = {}
    for key, item in value.items():
        if is_secret_key(key) or (secret_path and key == "value"):
            result[key] = _hidden(item, found)
        else:
            result[key] = redact(item, found)
    return result


def _hidden(value, found):
    if _already_safe(value):
        return value
    _collect(value, found)
    return REDACTED


def _already_safe(value):
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_is_marker(item) for item in value)
    return _is_marker(value)


def _is_marker(value):
    return value is None or (isinstance(value, str) and value in _MARKERS)


def _collect(value, found):
    """Every string inside a secret value, to scrub from other text."""
    if isinstance(value, str):
        if len(value) >= _MIN_SCRUB:
            found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found)


def redact_text(text, found=None):
    """Text that may hold JSON: parsed and redacted when it is JSON, else "key": "value" pairs redacted."""
    found = set() if found is None else found
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        text = _TEXT_PAIR.sub(lambda m: _text_pair(m, found), text)
        return _TEXT_ASSIGNMENT.sub(lambda m: _assignment(m, found), text)
    if not isinstance(parsed, (dict, list)):
        return text
    return json.dumps(redact(parsed, found), ensure_ascii=False)


def _text_pair(match, found):
    if not is_secret_key(match.group(2)):
        return match.group(0)
    raw = match.group(0)[len(match.group(1)) + 1:-1]
    if len(raw) >= _MIN_SCRUB:
        found.add(raw)
    return f'{match.group(1)}"{REDACTED}"'


def _assignment(match, found):
    key, value = match.group(1), match.group(2)
    if not is_secret_key(unquote_plus(key[:-1])) or value == REDACTED:
        return match.group(0)
    if len(unquote_plus(value)) >= _MIN_SCRUB:
        found.update({value, unquote_plus(value)})
    return key + REDACTED


def token_candidates(path):
    """The segments of a path shaped like a bearer token, to check against the stored tokens."""
    return {segment for segment in path.split("/") if _TOKEN_SEGMENT.fullmatch(segment)}


def redact_query(query, found=None):
    """A raw query (or form) string with the values of secret parameters redacted, the rest kept as sent."""
    found = set() if found is None else found
    parts = []
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if sep and is_secret_key(unquote_plus(key)):
            if len(unquote_plus(value)) >= _MIN_SCRUB:
                found.update({value, unquote_plus(value)})
            value = REDACTED
        parts.append(key + sep + value)
    return "&".join(parts)


def scrub(text, secrets):
    """text with every occurrence of each secret (longest first) replaced by "[redacted]"."""
    if not text:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _MIN_SCRUB and secret in text:
            text = text.replace(secret, REDACTED)
    return text
