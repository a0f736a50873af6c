"""Users' response bodies built by the database, for the default projection.

A page of 100 users spent three quarters of its time in Python: splitting rows, building documents,
rendering them (schemas, meta.location, $ref) and writing JSON. Here one expression per dialect builds
the body render.resource would give (same keys, same order) from the row, its values and its groups;
orjson embeds the text as an orjson.Fragment. The expression's parameters are all the base URL
(meta.location, the groups' and the manager's $ref): see parameters().
"""

import orjson
import peewee
from peewee import SQL

from models import Group, Membership, UserValue, db
from scim import constants
from store.resources.user_rows import ADDRESS, ENTERPRISE_SIMPLE, MULTI, NAME, SIMPLE

_EXPRESSIONS = {}  # database class -> (the body expression over "t1", its number of parameters)


def expression():
    """The SQL of a user's body over the user table aliased "t1"."""
    return _expression()[0]


def parameters(base_url):
    """The expression's parameters for bodies under base_url (no trailing slash)."""
    return [base_url] * _expression()[1]


def select_list():
    """The expression as a page's select list, the column "body" (store.resources.common.page, joined: JSON text
    has no raw control character, json_quote escapes them)."""
    return SQL(f'{expression()} AS "body"')


def _expression():
    key = type(db.obj)
    found = _EXPRESSIONS.get(key)
    if found is None:
        build = _Sqlite if isinstance(db.obj, peewee.SqliteDatabase) else _Postgres
        sql = build(db.obj.param).body()
        found = _EXPRESSIONS[key] = (sql, sql.count(db.obj.param))  # no literal of ours holds the marker
    return found


class _Dialect:
    """What both dialects share: render.resource's key order (schemas, id, externalId, then the document's
    order: the simple attributes, active, name, the multi-valued ones by name, the enterprise extension,
    groups, meta) and when the enterprise extension shows."""

    def __init__(self, param):
        self.param = param

    def strings(self):
        """(key, column) of the single-valued strings, externalId first; "" is absent, as None."""
        ordered = sorted(SIMPLE.items(), key=lambda pair: pair[0] != "externalId")
        return [(key, _t1(column)) for key, column in ordered]

    def entry(self, attribute):
        """user_rows._entry's (key, column): value, display, type, primary; an address has its parts
        instead of value."""
        common = [("display", _v1("display")), ("type", _v1("type")), ("primary", _v1("primary"))]
        if attribute == "addresses":
            return [*common, *[(key, _v1(column)) for key, column in ADDRESS.items()]]
        return [("value", _v1("value")), *common]

    def has_enterprise(self):
        """document(): the extension shows when one of its columns is set (a manager: when non-empty)."""
        checks = [f"{_t1(column)} IS NOT NULL" for column in ENTERPRISE_SIMPLE.values()]
        return "(" + " OR ".join([*checks, f"{_t1('manager_id')} <> ''"]) + ")"

    def schemas(self):
        both = self.array([constants.USER, constants.ENTERPRISE_USER])
        return f"CASE WHEN {self.has_enterprise()} THEN {both} ELSE {self.array([constants.USER])} END"

    def version(self):
        return f"""'W/"' || {_t1('version')} || '"'"""

    def location(self, endpoint, column):
        return f"{self.param} || '/{endpoint}/' || {column}"

    def memberships(self):
        """The user's groups, g1, through its memberships."""
        return (f'"{Membership._meta.table_name}" AS "m1" JOIN "{Group._meta.table_name}" AS "g1" '
                f'ON "m1"."group_id" = "g1"."id" WHERE "m1"."member_id" = "t1"."id"')


class _Sqlite(_Dialect):
    """The body as text: each member ',"key":value', or '' when absent, strings by json_quote (which
    escapes quotes, backslashes and control characters). json_object under json_patch (to leave NULLs
    out) cost a page of 100 4.1 M instructions where this costs 2.7 M, and a subquery for each of the
    eight multi-valued attributes 7.7 M where one for each attribute the user has costs 2.7 M."""

    def body(self):
        enterprise = [(key, _t1(column)) for key, column in ENTERPRISE_SIMPLE.items()]
        members = [
            f"""'"schemas":' || {self.schemas()}""",
            self.member("id", f"json_quote({_t1('id')})"),
            *[self.member(key, f"json_quote({column})", f"{column} <> ''") for key, column in self.strings()],
            self.boolean("active", _t1("active")),
            self.nested("name", self.present([(key, _t1(column)) for key, column in NAME.items()])),
            self.values(),
            self.nested(constants.ENTERPRISE_USER, f"{self.present(enterprise)} || {self.manager()}"),
            self.groups(),
            self.member("meta", self.meta()),
        ]
        return "'{' || " + " || ".join(members) + " || '}'"

    def array(self, items):
        return _text(orjson.dumps(items).decode())

    def member(self, key, value, when=None):
        text = f"{_key(key)} || {value}"
        return f"CASE WHEN {when} THEN {text} ELSE '' END" if when else text

    def boolean(self, key, column):
        return f"CASE {column} WHEN 1 THEN {_key(key, 'true')} WHEN 0 THEN {_key(key, 'false')} ELSE '' END"

    def present(self, pairs):
        """The members of those columns that are not NULL ("" kept); primary is a boolean."""
        return " || ".join(self.boolean(key, column) if key == "primary" else
                           self.member(key, f"json_quote({column})", f"{column} IS NOT NULL")
                           for key, column in pairs)

    def nested(self, key, members):
        """A sub-object of the members, absent when it would be empty."""
        return f"COALESCE({_key(key, '{')} || substr(NULLIF({members}, ''), 2) || '}}', '')"

    def manager(self):
        manager = _t1("manager_id")
        ref = f"json_quote({self.location('Users', manager)})"
        return self.member("manager", f"""'{{"value":' || json_quote({manager}) || ',"$ref":' || {ref} || '}}'""",
                           f"{manager} <> ''")

    def values(self):
        """Each multi-valued attribute the user has, by name, its entries by position. An aggregate over
        an ORDER BY subquery keeps its order (SQLite never flattens one into it)."""
        addresses, others = self.present(self.entry("addresses")), self.present(self.entry("emails"))
        entry = f"""'{{' || substr(CASE WHEN "a" = 'addresses' THEN {addresses} ELSE {others} END, 2) || '}}'"""
        table = f'"{UserValue._meta.table_name}"'
        entries = (f'(SELECT group_concat("e", \',\') FROM (SELECT {entry} AS "e" FROM {table} AS "v1" '
                   f'WHERE "v1"."user_id" = "t1"."id" AND "v1"."attribute" = "a" ORDER BY "v1"."position"))')
        return (f"""COALESCE((SELECT group_concat(',"' || "a" || '":[' || {entries} || ']', '') """
                f'FROM (SELECT DISTINCT "attribute" AS "a" FROM {table} WHERE "user_id" = "t1"."id" '
                'ORDER BY "attribute")), \'\')')

    def groups(self):
        entry = (f"""'{{"value":' || json_quote("g1"."id") || ',"display":' || json_quote("g1"."display_name") """
                 f"""|| ',"type":"direct","$ref":' || json_quote({self.location("Groups", '"g1"."id"')}) || '}}'""")
        return (f"""COALESCE({_key('groups', '[')} || (SELECT group_concat("e", ',') FROM (SELECT {entry} AS "e" """
                f"""FROM {self.memberships()} ORDER BY "g1"."display_name")) || ']', '')""")

    def meta(self):
        created, modified = self.timestamp(_t1("created")), self.timestamp(_t1("last_modified"))
        location = self.location("Users", _t1("id"))
        return (f"""'{{"resourceType":"User","created":"' || {created} || '","lastModified":"' || {modified} """
                f"""|| '","version":' || json_quote({self.version()}) || ',"location":' || json_quote({location}) """
                "|| '}'")

    def timestamp(self, column):
        """user_rows.timestamp from the stored text ('YYYY-MM-DD HH:MM:SS[.ffffff]'): milliseconds cut, not
        rounded as strftime('%f') would."""
        return f"replace(substr({column} || '.000', 1, 23), ' ', 'T') || 'Z'"


class _Postgres(_Dialect):
    """json_build_object under json_strip_nulls, which leaves out NULL members at every depth; json keeps
    the keys' order; the body is read as text, which psycopg2 does not parse."""

    def body(self):
        pairs = [
            ("schemas", self.schemas()), ("id", _t1("id")),
            *[(key, f"NULLIF({column}, '')") for key, column in self.strings()],
            ("active", _t1("active")), ("name", self.nested(self.columns(NAME))),
            *[(attribute, self.values(attribute)) for attribute in sorted(MULTI)],
            (constants.ENTERPRISE_USER, self.enterprise()), ("groups", self.groups()),
            ("meta", self.object([
                ("resourceType", "'User'"), ("created", self.timestamp(_t1("created"))),
                ("lastModified", self.timestamp(_t1("last_modified"))), ("version", self.version()),
                ("location", self.location("Users", _t1("id")))])),
        ]
        return f"json_strip_nulls({self.object(pairs)})::text"

    def object(self, pairs):
        return "json_build_object(" + ", ".join(f"{_text(key)}, {value}" for key, value in pairs) + ")"

    def array(self, items):
        return "json_build_array(" + ", ".join(_text(item) for item in items) + ")"

    def columns(self, mapping):
        return [(key, _t1(column)) for key, column in mapping.items()]

    def location(self, endpoint, column):
        return f"CAST({self.param} AS text) || '/{endpoint}/' || {column}"

    def nested(self, pairs, when=None):
        """A sub-object of the columns that are not NULL ("" kept), NULL when none is (or when not when)."""
        when = when or " OR ".join(f"{column} IS NOT NULL" for _, column in pairs)
        return f"CASE WHEN {when} THEN {self.object(pairs)} END"

    def enterprise(self):
        manager = _t1("manager_id")
        reference = self.object([("value", manager), ("$ref", self.location("Users", manager))])
        pairs = [*self.columns(ENTERPRISE_SIMPLE), ("manager", f"CASE WHEN {manager} <> '' THEN {reference} END")]
        return self.nested(pairs, self.has_enterprise())

    def values(self, attribute):
        return (f'(SELECT json_agg({self.object(self.entry(attribute))} ORDER BY "v1"."position") '
                f'FROM "{UserValue._meta.table_name}" AS "v1" '
                f'WHERE "v1"."user_id" = "t1"."id" AND "v1"."attribute" = {_text(attribute)})')

    def groups(self):
        entry = self.object([("value", '"g1"."id"'), ("display", '"g1"."display_name"'), ("type", "'direct'"),
                             ("$ref", self.location("Groups", '"g1"."id"'))])
        return f'(SELECT json_agg({entry} ORDER BY "g1"."display_name") FROM {self.memberships()})'

    def timestamp(self, column):
        """MS is the milliseconds cut, not rounded."""
        return f"""to_char({column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def _t1(column):
    return f'"t1"."{column}"'


def _v1(column):
    return f'"v1"."{column}"'


def _key(key, opening=""):
    """The literal ',"key":' (and what opens its value)."""
    return _text(f",{orjson.dumps(key).decode()}:{opening}")


def _text(value):
    """A SQL string literal (keys and URNs are ours, but quoted properly all the same)."""
    return "'" + value.replace("'", "''") + "'"
