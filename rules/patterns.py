"""Admin-supplied regular expressions, run safely: bounded input and a time limit per match."""

from functools import lru_cache

import regex

from rules.errors import Refused

MAX_INPUT = 1024
TIMEOUT = 0.05  # seconds; a catastrophic pattern is cut off, never hangs a request


class PatternError(Refused):
    """A pattern or replacement that cannot be used, with a message for the admin."""


@lru_cache(maxsize=256)
def compile_pattern(pattern):
    """A compiled pattern; PatternError names what is wrong."""
    if not isinstance(pattern, str) or not pattern or len(pattern) > 500:
        raise PatternError("A pattern must be 1 to 500 characters.")
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise PatternError(f"Invalid regular expression: {exc}") from None


def check_replacement(compiled, replacement):
    """Refuse a replacement naming a group the pattern does not have ($3 with two groups)."""
    for token in _tokens(replacement):
        if isinstance(token, int) and token > compiled.groups:
            raise PatternError(f"The replacement uses ${token} but the pattern has {compiled.groups} group(s).")


def replace_all(compiled, replacement, text):
    """Java's String.replaceAll: $n is group n, \\$ a literal dollar; None if it timed out."""
    if len(text) > MAX_INPUT:
        return None
    tokens = _tokens(replacement)

    def expand(match):
        return "".join(match.group(t) or "" if isinstance(t, int) else t for t in tokens)

    try:
        return compiled.sub(expand, text, timeout=TIMEOUT)
    except TimeoutError:
        return None


def search(compiled, text):
    """Whether the pattern occurs in text; None if it timed out."""
    if len(text) > MAX_INPUT:
        return None
    try:
        return compiled.search(text, timeout=TIMEOUT) is not None
    except TimeoutError:
        return None


def _tokens(replacement):
    """The replacement as literal strings and group numbers, Java style."""
    tokens, index = [], 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\" and index + 1 < len(replacement):
            tokens.append(replacement[index + 1])
            index += 2
        elif char == "$" and index + 1 < len(replacement) and replacement[index + 1].isdigit():
            tokens.append(int(replacement[index + 1]))
            index += 2
        else:
            tokens.append(char)
            index += 1
    return tokens
