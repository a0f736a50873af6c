"""The admin side's refusals (pages, CLI, wizard): one family, their messages made text in one place."""


class Refused(ValueError):
    """A refused admin operation: a message for the admin; .messages maps each field to its problems."""

    status = 400

    def __init__(self, message=None, messages=None):
        self.messages = messages or {}
        super().__init__(message or describe(self.messages))


class NotFound(Refused):
    """What the operation names does not exist."""

    status = 404


class Conflict(Refused):
    """The operation collides with what is stored (a taken name, a run already going)."""

    status = 409


def describe(messages, prefix=""):
    """Nested messages as phrases naming their field, e.g. "group_mapping: 'Eng': item 1: Too long."."""
    if isinstance(messages, dict):
        return "; ".join(describe(problems, prefix + _label(key, prefix)) for key, problems in messages.items())
    return prefix + phrase(messages)


def phrase(problems):
    """One field's problems (marshmallow nests them for dicts and lists) as one phrase: {1: ["Too long."]} →
    "item 2: Too long."."""
    if isinstance(problems, dict):
        return " ".join(phrase(value) if key in ("key", "value") else
                        f"item {key + 1}: {phrase(value)}" if isinstance(key, int) else f"{key}: {phrase(value)}"
                        for key, value in problems.items())
    if isinstance(problems, (list, tuple)):
        return " ".join(phrase(item) for item in problems)
    return str(problems)


def _label(key, prefix):
    if not prefix:
        return f"{key}: "  # a field
    if key in ("key", "value"):
        return ""  # marshmallow's marker for a dict's key or value
    return f"item {key + 1}: " if isinstance(key, int) else f"{key!r}: "
