"""An IdP admin API's source form, read field by field from its class's ``form`` (sync.settings.Field).

A text, choice or list field is a value; the one secret field (kind "secret", or "file" for an upload such as
Google's service-account key) is read but never shown. Empty optional values are left out, so the source
class's defaults (Microsoft's login and Graph hosts, Google's API and token URLs) apply.
"""

from sync.settings import SourceConfigError

SECRET_KINDS = ("secret", "file")
UPLOAD_LIMIT = 64 * 1024  # bytes: a service-account key file is about 2.3 KB


def secret_field(fields):
    """The field that holds the source's secret."""
    return next(f for f in fields if f.kind in SECRET_KINDS)


def read(fields, data, files):
    """(values, secret, problem) of a posted form: problem is a SourceConfigError for an unreadable upload."""
    values = {f.name: data.get(f.name, "").strip() for f in fields if f.kind not in SECRET_KINDS}
    hidden = secret_field(fields)
    if hidden.kind == "file":
        secret, problem = upload(hidden.name, files.get(hidden.name))
        return values, secret, problem
    return values, data.get(hidden.name, "").strip(), None


def upload(name, storage):
    """(text, problem) of an uploaded file: ("", None) when none was chosen."""
    if storage is None or not storage.filename:
        return "", None
    content = storage.stream.read(UPLOAD_LIMIT + 1)
    if len(content) > UPLOAD_LIMIT:
        return "", SourceConfigError(name, f"must be at most {UPLOAD_LIMIT // 1024} KB: choose the JSON key file "
                                           "itself")
    try:
        return content.decode("utf-8-sig").strip(), None
    except UnicodeDecodeError:
        return "", SourceConfigError(name, "is not a text file: choose the JSON key file")


def shown(fields, settings):
    """The stored settings as the form's values (a list as comma-separated text)."""
    values = {}
    for f in fields:
        if f.kind in SECRET_KINDS:
            continue
        value = settings.get(f.name)
        values[f.name] = ", ".join(value) if isinstance(value, (list, tuple)) else "" if value is None else str(value)
    return values


def settings(fields, values):
    """The non-secret settings to build the source from: empty values left to the class's defaults."""
    return {f.name: values[f.name] for f in fields if f.kind not in SECRET_KINDS and values.get(f.name)}


def check(fields, values):
    """SourceConfigError for the first required value left empty, or a choice the field does not offer."""
    for f in fields:
        if f.kind in SECRET_KINDS:
            continue
        value = values.get(f.name, "")
        if f.required and not value and f.kind != "choice":  # an empty choice is the first
            raise SourceConfigError(f.name, "is required")
        if f.kind == "choice" and value and value not in {choice for choice, _label in f.choices}:
            raise SourceConfigError(f.name, f"must be one of {', '.join(c for c, _l in f.choices)}")
