"""What a write changes, in the shape the audit trail stores."""

from scim import patch as scim_patch
from scim import validation

_READ_ONLY = ("id", "meta", "groups")


def writable(doc):
    """A canonical document without the attributes a client cannot write."""
    return {key: value for key, value in doc.items() if key not in _READ_ONLY}


def patched(rtype, body):
    """current -> the writable document a PatchOp body makes of it (RFC 7644 §3.5.2), still valid."""
    def apply(current):
        result = scim_patch.apply(rtype, current, body)
        validation.require(rtype, result)
        return writable(result)
    return apply


def diff(old, new):
    """{attribute: [old, new]} for every top-level attribute (and extension attribute) that differs."""
    changes = {}
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if key == "password":
            if after:
                changes[key] = ["[redacted]", "[changed]"]
        elif key.startswith("urn:") and isinstance(before or after, dict):
            for sub, values in diff(before or {}, after or {}).items():
                changes[f"{key}:{sub}"] = values
        elif before != after:
            changes[key] = [before, after]
    return changes
