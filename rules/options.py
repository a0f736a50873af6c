"""Per-app provisioning options ("Setup Provisioning Options"): one marshmallow schema, with defaults."""

import functools
import json
from dataclasses import dataclass, field

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from rules import patterns
from rules.errors import Refused

ON_DELETE = ("deactivate", "delete")
UNMAPPED = ("create", "ignore")
DEFAULT_GROUPS_FOR = ("new", "all")


@dataclass
class Options:
    """What an app may do to the host; every default is the miniOrange plugin's out-of-the-box behaviour."""

    import_users: bool = True
    username_regex: str = ""
    username_replacement: str = ""
    update_users: bool = True
    enable_users: bool = True
    disable_users: bool = True
    on_delete: str = "deactivate"
    import_groups: bool = True
    group_include: str = ""
    group_exclude: str = ""
    keep_existing_groups: bool = True
    unmapped_groups: str = "create"
    group_mapping: dict = field(default_factory=dict)  # IdP group name -> [host group names]
    default_groups: list = field(default_factory=list)
    default_groups_for: str = "new"
    traffic_log: bool = False


HELP = {
    "import_users": "true: a SCIM POST creates the host user; false: creates are refused (403) and recorded.",
    "username_regex": "a pattern applied to the IdP userName, e.g. (.*)@.* (empty: no rewriting).",
    "username_replacement": "the host username, Java style: $1 is the first group, e.g. $1.",
    "update_users": "true: attribute changes (name, emails, ...) reach the host user; false: they are ignored.",
    "enable_users": "true: IdP active=true re-activates an inactive host user.",
    "disable_users": "true: IdP active=false deactivates the host user.",
    "on_delete": "deactivate (keep the host user, inactive and unlinked from SCIM) or delete.",
    "import_groups": "true: SCIM groups create and maintain host groups; false: host groups are left alone.",
    "group_include": "only IdP groups whose name matches this pattern are imported (empty: all).",
    "group_exclude": "IdP groups whose name matches this pattern are not imported (empty: none).",
    "keep_existing_groups": "true: host memberships this app did not create survive; false: they are removed.",
    "unmapped_groups": "create (a host group of the same name) or ignore, for IdP groups not in group_mapping.",
    "group_mapping": 'IdP group -> host groups, e.g. {"Engineering": ["jira-developers"]}.',
    "default_groups": "host groups given to users, e.g. confluence-users.",
    "default_groups_for": "new (users this app creates) or all (every user this app touches).",
    "traffic_log": "true: keep a redacted log of this app's recent SCIM requests and responses.",
}


def _names():
    return fields.List(fields.String(validate=validate.Length(1, 255)), validate=validate.Length(max=100))


class OptionsSchema(Schema):
    """Validation of stored and submitted options; unknown keys are refused on input."""

    class Meta:
        unknown = EXCLUDE

    import_users = fields.Boolean()
    username_regex = fields.String(validate=validate.Length(max=500))
    username_replacement = fields.String(validate=validate.Length(max=255))
    update_users = fields.Boolean()
    enable_users = fields.Boolean()
    disable_users = fields.Boolean()
    on_delete = fields.String(validate=validate.OneOf(ON_DELETE))
    import_groups = fields.Boolean()
    group_include = fields.String(validate=validate.Length(max=500))
    group_exclude = fields.String(validate=validate.Length(max=500))
    keep_existing_groups = fields.Boolean()
    unmapped_groups = fields.String(validate=validate.OneOf(UNMAPPED))
    group_mapping = fields.Dict(keys=fields.String(validate=validate.Length(1, 255)), values=_names(),
                                validate=validate.Length(max=500))
    default_groups = _names()
    default_groups_for = fields.String(validate=validate.OneOf(DEFAULT_GROUPS_FOR))
    traffic_log = fields.Boolean()

    @validates_schema
    def patterns_compile(self, data, **_):
        """An invalid pattern is refused when saved, never at provisioning time."""
        problems = {}
        for key in ("username_regex", "group_include", "group_exclude"):
            if data.get(key):
                try:
                    compiled = patterns.compile_pattern(data[key])
                    if key == "username_regex":
                        patterns.check_replacement(compiled, data.get("username_replacement", ""))
                except patterns.PatternError as exc:
                    problems[key] = [str(exc)]
        if problems:
            raise ValidationError(problems)

    @post_load
    def build(self, data, **_):
        return Options(**data)


_SCHEMA = OptionsSchema()


class OptionsError(Refused):
    """Invalid options: .messages maps each key to its problems."""

    def __init__(self, messages):
        super().__init__(messages=messages)


def load(text):
    """The Options stored as JSON text (defaults for what is missing). Every SCIM request loads its
    app's options, which rarely change: the last few texts' Options are kept (read them, never change them)."""
    return _load(text or "{}")


@functools.lru_cache(maxsize=64)
def _load(text):
    return _SCHEMA.load(json.loads(text))


def merged(current, changes):
    """current with changes applied, validated as a whole; raises OptionsError."""
    unknown = sorted(set(changes) - set(HELP))
    if unknown:
        raise OptionsError({key: ["Unknown option."] for key in unknown})
    try:
        return _SCHEMA.load({**dump(current), **changes})
    except ValidationError as exc:
        raise OptionsError(exc.messages) from None


def dump(options):
    """Options as a JSON-ready dict."""
    return _SCHEMA.dump(options)


def dumps(options):
    """Options as the JSON text stored on the app."""
    return json.dumps(dump(options), sort_keys=True)
