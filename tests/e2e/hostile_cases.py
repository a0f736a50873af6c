"""The hostile-input corpus: requests no IdP should send, each named by what makes it hostile.

`build(targets)` returns the cases in a fixed order with unique ids. The ids never depend on
the targets, so the test module collects them from `build(Targets.placeholder())` before any
server exists and runs them against the real ids later.

Targets: `user` and `group` are the sentinels, which no case may change (a case aims at them
only with a request that must be refused, or with an id that must not resolve to them);
`victim_user` and `victim_group` absorb the writes that may legitimately succeed, and
`scratch_user` the one write that makes a resource huge (so that it slows no later case).

`admin_cases(route, …)` builds the admin pages' and the wizard's share, route by route, for
test_hostile_admin.py, which finds the routes in app.url_map and the names each one reads.
"""

import base64
import json
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

from config import Config
from scim import constants
from scim.attributes import COMMON, ENTERPRISE_USER, GROUP, USER

PREFIX = constants.BASE_PATH
MAX_BODY = Config.MAX_CONTENT_LENGTH
MAX_DEPTH = Config.JSON_MAX_DEPTH
MAX_FILTER = Config.SCIM_FILTER_MAX_LENGTH
MAX_OPERATIONS = Config.SCIM_BULK_MAX_OPERATIONS
TOKEN = object()  # "send this server's bearer token"
BIG_INT = "9" * 4300  # the longest integer Python's json reads (sys.int_info.default_max_str_digits)
HUGE_INT = "9" * 5000  # longer than that
HOSTILE_METHODS = ("TRACE", "PROPFIND", "CONNECT")
SOLO_BYTES = 256 * 1024  # a case sending more is heavy: it runs alone


@dataclass(frozen=True)
class Targets:
    user: str
    group: str
    victim_user: str
    victim_group: str
    scratch_user: str
    token: str

    @classmethod
    def placeholder(cls):
        ids = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 6)]
        return cls(*ids, "T" * 43)


@dataclass(frozen=True)
class Case:
    """One request: over http.client unless `raw` (the exact bytes, for malformed framing)."""

    id: str
    method: str = "GET"
    path: str = ""  # under PREFIX unless absolute
    body: bytes | None = None
    headers: tuple = ()  # (name, str or bytes) pairs, sent after the defaults
    token: object = TOKEN  # TOKEN, None (no Authorization) or the exact Authorization value
    chunks: tuple | None = None  # sent with Transfer-Encoding: chunked
    raw: bytes | None = None
    absolute: bool = False
    expect: tuple = ()  # statuses the RFC leaves no choice about; empty: any non-5xx
    content_type: str | None = constants.CONTENT_TYPE  # sent when there is a body
    solo: bool = False  # heavy: sent alone, so that its time is its own and it slows no other case

    @property
    def url(self):
        return self.path if self.absolute else PREFIX + self.path

    @property
    def scim(self):
        """Whether the app renders this path's errors as SCIM (blueprints.scim.handlers._in_scim)."""
        return self.url.startswith(PREFIX)


def js(value):
    """A JSON body; lone surrogates go as \\ud800 escapes, so the bytes are valid UTF-8."""
    return json.dumps(value).encode()


class _Corpus:
    def __init__(self, targets):
        self.t = targets
        self.cases = []
        self.serial = 0

    def add(self, case_id, **fields):
        sent = (fields.get("body") or b"", fields.get("raw") or b"", *(fields.get("chunks") or ()))
        if sum(map(len, sent)) > SOLO_BYTES:
            fields["solo"] = True
        self.cases.append(Case(case_id, **fields))

    def unique(self, stem):
        """A fresh userName/displayName, so that the hostile part is the only reason to refuse."""
        self.serial += 1
        return f"hostile-{stem}-{self.serial}"

    def user_body(self, **attrs):
        return {"schemas": [constants.USER, constants.ENTERPRISE_USER], "userName": self.unique("u"), **attrs}

    def group_body(self, **attrs):
        return {"schemas": [constants.GROUP], "displayName": self.unique("g"), **attrs}


# --- every attribute of User, EnterpriseUser and Group (scim.attributes) -----------------------

@dataclass(frozen=True)
class Slot:
    """Where one attribute (or sub-attribute) goes in a body."""

    resource: str  # "User" or "Group"
    schema: object
    attribute: object
    sub: object = None

    @property
    def name(self):
        prefix = "ent." if self.schema is ENTERPRISE_USER else ""
        return prefix + self.attribute.name + (f".{self.sub.name}" if self.sub else "")

    @property
    def leaf(self):
        return self.sub or self.attribute

    @property
    def writable(self):
        return all(each.mutability != "readOnly" for each in (self.attribute, self.sub) if each)

    def place(self, value):
        """{attribute: value} nested as the attribute's shape requires, under its URN if an extension."""
        if self.sub is None:
            inner = value
        elif self.attribute.multi_valued:
            inner = [{self.sub.name: value}]
        else:
            inner = {self.sub.name: value}
        attrs = {self.attribute.name: inner}
        return {self.schema.id: attrs} if self.schema is ENTERPRISE_USER else attrs


def slots():
    """Every attribute and sub-attribute of User (core, enterprise, common) and Group."""
    found = []
    for resource, schemas in (("User", (USER, ENTERPRISE_USER)), ("Group", (GROUP,))):
        for schema in schemas:
            for attribute in schema.attributes + (COMMON if schema is not ENTERPRISE_USER else ()):
                found.append(Slot(resource, schema, attribute))
                found.extend(Slot(resource, schema, attribute, sub) for sub in attribute.sub_attributes)
    return found


TEXT_TYPES = ("string", "reference", "binary")
# Three wrong shapes per type (numbers where strings go are the number-* cases); a read-only
# attribute, which the server drops unread, gets the first only.
WRONG = {
    "string": (("bool", True), ("object", {"value": "x"}), ("list2", ["a", "b"])),
    "boolean": (("yes", "yes"), ("int", 1), ("object", {})),
    "dateTime": (("word", "yesterday"), ("int", 42), ("object", {})),
    "complex": (("string", "plain"), ("int", 42), ("list2", [{}, {}])),
    "multi": (("string", "plain"), ("nested-list", [[1]])),
}
WRONG["reference"] = WRONG["binary"] = WRONG["string"]
CONTROL_VALUES = (("nul", "a\x00b", True), ("c0-controls", "a\x01\x08\x1b[31m\x1f\x7fb", False),
                  ("lone-surrogate", "a\ud800b", True))  # (label, value, must be refused)


def _wrong_for(slot):
    leaf = slot.leaf
    if leaf.type != "complex":
        return WRONG[leaf.type]
    if not leaf.multi_valued:
        return WRONG["complex"]
    # An object where a sub-attribute's string goes (addresses has no "value": its first sub-attribute).
    return WRONG["multi"] + (("sub-object", [{leaf.sub_attributes[0].name: {"deep": 1}}]),)


def _refuses(slot, label):
    """A wrong type is refused, but for what scim.normalize tolerates on purpose: Entra ID's bare manager id."""
    leaf = slot.leaf
    bare_id = leaf.type == "complex" and not leaf.multi_valued and leaf.sub("value") and label == "string"
    return slot.writable and not bare_id


def attribute_cases(c):
    """Wrong JSON types, control characters and over-long values for every attribute."""
    for slot in slots():
        path, body = ("/Users", c.user_body) if slot.resource == "User" else ("/Groups", c.group_body)
        stem = f"{slot.resource}-{slot.name}"
        wrong = _wrong_for(slot)
        for label, value in wrong if slot.writable else wrong[:1]:
            c.add(f"type-{stem}-{label}", method="POST", path=path, body=js(body(**slot.place(value))),
                  expect=(400,) if _refuses(slot, label) else ())
        if slot.leaf.type not in TEXT_TYPES:
            continue
        for label, value, refused in CONTROL_VALUES if slot.writable else CONTROL_VALUES[:1]:
            c.add(f"control-{stem}-{label}", method="POST", path=path, body=js(body(**slot.place(value))),
                  expect=(400,) if refused and slot.writable else ())
        if slot.writable:
            too_long = "x" * (slot.leaf.max_length + 1)
            c.add(f"overlong-{stem}-{len(too_long)}", method="POST", path=path,
                  body=js(body(**slot.place(too_long))), expect=(400,))
    # A PUT carries the same checks as a POST: the identity attributes, once each.
    for label, name, value in (("userName-nul", "userName", "a\x00b"), ("userName-surrogate", "userName", "a\ud800b"),
                               ("userName-256", "userName", "x" * 256), ("displayName-int", "displayName", 42),
                               ("active-maybe", "active", "maybe")):
        c.add(f"put-victim-{label}", method="PUT", path=f"/Users/{c.t.victim_user}",
              body=js({"userName": c.unique("put"), name: value}), expect=(400,))
    # Keys that are not attribute names: controls, surrogates, dotted and URN tricks.
    for label, key in (("nul", "user\x00Name"), ("surrogate", "\ud800"), ("empty", ""), ("dots", "name..givenName"),
                       ("urn-colon", f"{constants.USER}:"), ("urn-unknown", "urn:x:y:z"), ("long", "k" * 10000),
                       ("proto", "__proto__"), ("dollar-ref", "$ref")):
        c.add(f"key-User-{label}", method="POST", path="/Users", body=js(c.user_body(**{key: "v"})))
    for label, extension in (("string", "abc"), ("list", [1]), ("int", 7), ("nested-urn", {constants.USER: {"x": 1}})):
        c.add(f"extension-object-{label}", method="POST", path="/Users",
              body=js(c.user_body(**{constants.ENTERPRISE_USER: extension})))
    for label, schemas in (("int", 42), ("list-of-ints", [1, 2]), ("object", {}), ("group-urn", [constants.GROUP]),
                           ("unknown", ["urn:x"]), ("nul", ["urn:\x00"]), ("surrogate", ["\ud800"])):
        c.add(f"schemas-User-{label}", method="POST", path="/Users", body=js({**c.user_body(), "schemas": schemas}))
    for label, members in (("unknown-id", [{"value": "no-such-member"}]), ("bulkId-string", "bulkId:x"),
                           ("sql-id", [{"value": "' OR 1=1 --"}]), ("nul-id", [{"value": "\x00"}]),
                           ("display-only", [{"display": "x"}]),
                           ("10k-members", [{"value": f"m{i}"} for i in range(10000)])):
        c.add(f"members-{label}", method="POST", path="/Groups", body=js(c.group_body(members=members)),
              solo=label == "10k-members")


# --- bodies: encodings, JSON, numbers, depth, size --------------------------------------------

def body_cases(c):
    t = c.t
    writes = (("POST", "/Users", "Users"), ("PUT", f"/Users/{t.victim_user}", "victim-user"),
              ("PATCH", f"/Users/{t.victim_user}", "victim-user"), ("POST", "/Groups", "Groups"),
              ("PATCH", f"/Groups/{t.victim_group}", "victim-group"), ("POST", "/Bulk", "Bulk"),
              ("POST", "/.search", "search-all"), ("POST", "/Users/.search", "search-Users"))

    def rotation(variants):
        """One parser (blueprints.scim.http.json_body) serves every endpoint: each variant goes to
        POST /Users and, in rotation, to a quarter of the others."""
        for i, (method, path, where) in enumerate(writes):
            for j, (label, raw) in enumerate(variants):
                if i == 0 or j % 4 == i % 4:
                    yield f"{method}-{where}-{label}", method, path, raw

    invalid_utf8 = (
        ("ff-fe", b'{"userName": "\xff\xfe"}'), ("lone-continuation", b'{"userName": "\x80abc"}'),
        ("truncated-sequence", b'{"userName": "\xc3"}'), ("overlong-slash", b'{"userName": "\xc0\xaf"}'),
        ("cesu-surrogate", b'{"userName": "\xed\xa0\x80"}'), ("beyond-u10ffff", b'{"userName": "\xf4\x90\x80\x80"}'),
        ("utf16-le", '{"userName": "x"}'.encode("utf-16-le")), ("utf16-bom", '{"userName": "x"}'.encode("utf-16")),
        ("utf8-bom", b'\xef\xbb\xbf{"userName": "x"}'))
    for stem, method, path, raw in rotation(invalid_utf8):
        c.add(f"utf8-{stem}", method=method, path=path, body=raw, expect=(400,))
    not_json = (
        ("empty", b""), ("whitespace", b" \r\n\t "), ("null", b"null"), ("int", b"42"), ("string", b'"str"'),
        ("true", b"true"), ("list", b"[]"), ("nan", b'{"userName": NaN}'), ("infinity", b'{"userName": Infinity}'),
        ("neg-infinity", b"-Infinity"), ("trailing-garbage", b'{"userName": "x"} garbage'),
        ("two-documents", b'{"userName": "x"}{"userName": "y"}'), ("trailing-nul", b'{"userName": "x"}\x00'),
        ("single-quotes", b"{'userName': 'x'}"), ("comment", b'{"userName": "x" /* c */}'),
        ("unterminated", b'{"userName": "x'), ("bare-nul", b"\x00"), ("bad-escape", b'{"userName": "\\x41"}'),
        ("raw-control-in-string", b'{"userName": "a\x01b"}'),
        ("5000-digit-int", b'{"userName": ' + HUGE_INT.encode() + b"}"))
    for stem, method, path, raw in rotation(not_json):
        c.add(f"notjson-{stem}", method=method, path=path, body=raw, expect=(400,))
    too_deep = ((f"arrays-{MAX_DEPTH + 1}", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)),
                (f"objects-{MAX_DEPTH + 1}", b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1)),
                ("arrays-100000", b"[" * 100000 + b"]" * 100000), ("unclosed-100000", b'{"a":[' * 50000))
    for stem, method, path, raw in rotation(too_deep):
        c.add(f"depth-{stem}", method=method, path=path, body=raw, expect=(400,))
    nested_cases(c)
    number_cases(c)
    # Size: one byte over MAX_CONTENT_LENGTH is 413 on every endpoint that takes a body.
    over = js({"userName": "x" * MAX_BODY})[:MAX_BODY + 1]
    for method, path, where in writes:
        c.add(f"size-{method}-{where}-max-plus-1", method=method, path=path, body=over, expect=(413,))
    c.add("size-POST-Users-8MiB", method="POST", path="/Users", body=b" " * (8 * MAX_BODY), expect=(413,))
    exactly = js({"userName": c.unique("max"), "title": "x" * (MAX_BODY - 100)}).ljust(MAX_BODY, b" ")
    c.add("size-POST-Users-exactly-max", method="POST", path="/Users", body=exactly, expect=(400,))
    c.add("size-POST-Users-max-plus-1-no-token", method="POST", path="/Users", token=None,
          body=b"x" * (MAX_BODY + 1), expect=(401, 413))
    c.add("size-GET-Users-with-2MiB-body", path="/Users?count=1", body=b"x" * (2 * MAX_BODY))
    # Duplicate keys: json keeps the last; neither may reach the store unchecked.
    name = c.unique("d").encode()
    c.add("dupkey-userName-then-nul", method="POST", path="/Users",
          body=b'{"userName": "' + name + b'", "userName": "a\\u0000b"}', expect=(400,))
    c.add("dupkey-active-then-garbage", method="POST", path="/Users",
          body=b'{"userName": "' + name + b'x", "active": true, "active": "garbage"}', expect=(400,))
    c.add("dupkey-Operations", method="PATCH", path=f"/Users/{t.victim_user}",
          body=b'{"Operations": [{"op": "add", "path": "title", "value": "t"}], "Operations": "x"}', expect=(400,))
    c.add("dupkey-case-variants", method="POST", path="/Users",
          body=b'{"userName": "' + name + b'y", "USERNAME": 42, "UserName": null}')


def nested_cases(c):
    """Containers one level past JSON_MAX_DEPTH inside otherwise valid bodies, and one at the limit."""
    def nested(at, deepest):
        """A value placed at depth `at` whose innermost container sits at depth `deepest`."""
        value = "x"
        for level in range(deepest - at + 1):
            value = [value] if level % 2 else {"a": value}
        return value

    c.add(f"depth-User-title-mixed-{MAX_DEPTH + 1}", method="POST", path="/Users",
          body=js(c.user_body(title=nested(2, MAX_DEPTH + 1))), expect=(400,))
    c.add(f"depth-User-title-mixed-{MAX_DEPTH}", method="POST", path="/Users",
          body=js(c.user_body(title=nested(2, MAX_DEPTH))), expect=(400,))  # deep enough, but not a string
    c.add(f"depth-patch-value-{MAX_DEPTH + 1}", method="PATCH", path=f"/Users/{c.t.victim_user}",
          body=js({"Operations": [{"op": "add", "path": "emails", "value": nested(4, MAX_DEPTH + 1)}]}),
          expect=(400,))
    data = {"userName": "d", "x": nested(5, MAX_DEPTH + 1)}
    c.add(f"depth-bulk-data-{MAX_DEPTH + 1}", method="POST", path="/Bulk",
          body=js({"Operations": [{"method": "POST", "bulkId": "d", "path": "/Users", "data": data}]}), expect=(400,))


def number_cases(c):
    """Numbers json reads as inf or as 4300-digit ints, where numbers do not belong or are counted."""
    for label, number in (("1e400", "1e400"), ("-1e400", "-1e400"), ("4300-digits", BIG_INT),
                          ("neg-4300-digits", "-" + BIG_INT), ("tiny", "1e-400"), ("neg-zero", "-0")):
        n = number.encode()
        c.add(f"number-User-userName-{label}", method="POST", path="/Users",
              body=b'{"userName": ' + n + b"}", expect=(400,))
        c.add(f"number-User-active-{label}", method="POST", path="/Users",
              body=b'{"userName": "' + c.unique("n").encode() + b'", "active": ' + n + b"}", expect=(400,))
        c.add(f"number-patch-value-{label}", method="PATCH", path=f"/Users/{c.t.victim_user}",
              body=b'{"Operations": [{"op": "replace", "path": "title", "value": ' + n + b"}]}", expect=(400,))
        for key in ("startIndex", "count"):
            c.add(f"number-search-{key}-{label}", method="POST", path="/Users/.search",
                  body=b'{"' + key.encode() + b'": ' + n + b"}")
        c.add(f"number-bulk-failOnErrors-{label}", method="POST", path="/Bulk",
              body=b'{"failOnErrors": ' + n + b', "Operations": []}')


def content_type_cases(c):
    patch = js({"Operations": [{"op": "replace", "path": "title", "value": "ct"}]})
    for label, value in (("text-plain", "text/plain"), ("xml", "application/xml"), ("star", "*/*"),
                         ("form", "application/x-www-form-urlencoded"),
                         ("multipart", "multipart/form-data; boundary=x"),
                         ("json-typo", "application/jsn"), ("scim-xml", "application/scim+xml"),
                         ("long", "a/" + "b" * 60000), ("garbage", ";;;=;")):
        expect = () if label == "garbage" else (415,)
        c.add(f"ctype-POST-Users-{label}", method="POST", path="/Users", body=js(c.user_body()),
              content_type=value, expect=expect)
        c.add(f"ctype-PATCH-victim-{label}", method="PATCH", path=f"/Users/{c.t.victim_user}", body=patch,
              content_type=value, expect=expect)
    c.add("ctype-missing", method="POST", path="/Users", body=js(c.user_body()), content_type=None)
    c.add("ctype-json-charset-latin1-latin1-bytes", method="POST", path="/Users",
          body=f'{{"userName": "{c.unique("l")}-caf\xe9"}}'.encode("latin-1"),
          content_type="application/json; charset=latin-1")
    c.add("ctype-scim-charset-utf16-utf16-bytes", method="POST", path="/Users",
          body=f'{{"userName": "{c.unique("w")}"}}'.encode("utf-16"),
          content_type="application/scim+json; charset=utf-16")
    c.add("ctype-charset-bogus", method="POST", path="/Users", body=js(c.user_body()),
          content_type="application/scim+json; charset=x-no-such-charset")
    c.add("ctype-form-with-form-body", method="POST", path="/Users", body=b"userName=x&active=true",
          content_type="application/x-www-form-urlencoded")
    c.add("ctype-multipart-with-multipart-body", method="POST", path="/Users",
          body=b'--xyz\r\nContent-Disposition: form-data; name="userName"\r\n\r\nx\r\n--xyz--\r\n',
          content_type="multipart/form-data; boundary=xyz")
    # Chunked bodies (framed by the client): one chunk, byte by byte, invalid JSON, over the size limit.
    c.add("chunked-POST-Users-one-chunk", method="POST", path="/Users", chunks=(js(c.user_body()),))
    body = js(c.user_body())
    c.add("chunked-POST-Users-byte-chunks", method="POST", path="/Users",
          chunks=tuple(body[i:i + 1] for i in range(len(body))))
    c.add("chunked-PATCH-victim", method="PATCH", path=f"/Users/{c.t.victim_user}",
          chunks=(b'{"Operations": [{"op": "replace", ', b'"path": "title", "value": "chunked"}]}'))
    c.add("chunked-POST-Bulk-invalid-json", method="POST", path="/Bulk", chunks=(b'{"Operations": [', b"garbage"),
          expect=(400,))
    c.add("chunked-POST-Users-over-max", method="POST", path="/Users",
          chunks=(b"x" * 65536,) * (MAX_BODY // 65536 + 1), expect=(413,))
    c.add("expect-100-continue", method="POST", path="/Users", body=js(c.user_body()),
          headers=(("Expect", "100-continue"),))


def framing_cases(c):
    """Bytes http.client will not send. waitress parses them before the app sees anything."""
    auth = b"Authorization: Bearer " + c.t.token.encode() + b"\r\n"

    def head(method, path, *lines):
        start = f"{method} {PREFIX}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        return start + auth + b"".join(line + b"\r\n" for line in lines) + b"\r\n"

    user = js({"userName": c.unique("raw")})
    chunked = (b"Content-Type: application/scim+json", b"Transfer-Encoding: chunked")
    c.add("raw-chunked-with-extension-and-trailer", method="POST", path="/Users",
          raw=head("POST", "/Users", *chunked) + b"%x;ext=1\r\n%s\r\n0\r\nX-Trailer: y\r\n\r\n" % (len(user), user))
    c.add("raw-chunked-invalid-size", method="POST", path="/Users",
          raw=head("POST", "/Users", *chunked) + b"zz\r\nabc\r\n0\r\n\r\n")
    c.add("raw-content-length-not-a-number", method="POST", path="/Users",
          raw=head("POST", "/Users", b"Content-Length: abc") + b"{}")
    c.add("raw-nul-in-authorization", path="/Users",
          raw=f"GET {PREFIX}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \x00\r\n\r\n".encode())
    c.add("raw-header-over-256KiB", path="/Users", raw=head("GET", "/Users", b"X-Junk: " + b"a" * 300000))
    c.add("raw-lowercase-method", method="get", path="/Users", raw=head("get", "/Users"))
    c.add("raw-nul-in-request-target", path="/Users", raw=head("GET", "/Users\x00"))
    c.add("raw-http-1.0-no-host", path="/Users", raw=f"GET {PREFIX}/Users HTTP/1.0\r\n".encode() + auth + b"\r\n")
    c.add("raw-absolute-form-target", path="/Users",
          raw=f"GET http://evil.example{PREFIX}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + auth + b"\r\n")
    c.add("raw-obs-fold-header", path="/Users", raw=head("GET", "/Users", b"X-Folded: a\r\n b"))


# --- ids, query parameters, filters ---------------------------------------------------------------

HOSTILE_IDS = [
    ("sql-or", "' OR 1=1 --"), ("sql-or-dquote", '" OR ""="'), ("sql-drop", '"; DROP TABLE user; --'),
    ("sql-drop-squote", "'; DROP TABLE user; --"), ("sql-semicolon", "1; DELETE FROM user"), ("sql-comment", "x'/*"),
    ("like-percent", "%"), ("like-underscore", "_"), ("glob-star", "*"), ("backslash", "\\"),
    ("traversal", "../../etc/passwd"), ("traversal-semicolon", "..;/..;/etc/passwd"),
    ("traversal-backslash", "..\\..\\windows\\win.ini"), ("dotdot", ".."), ("dot", "."), ("nul", "\x00"),
    ("nul-suffix", "x\x00"), ("c0", "\x01\x1b\x1f"), ("del", "\x7f"), ("crlf", "a\r\nSet-Cookie: x=y"), ("tab", "\t"),
    ("latin1-ff", "\xff"), ("homoglyph-cyrillic", "ѕеntіnеl"), ("fullwidth", "ｓｅｎｔｉｎｅｌ"),
    ("rtl-override", "\u202eabc"), ("zero-width", "\u200b"), ("emoji", "\U0001f4a9"), ("kelvin", "\u212a"),
    ("10000-chars", "i" * 10000), ("100000-chars", "i" * 100000), ("json-ish", '{"$ne": null}'),
    ("bulkid-ref", "bulkId:x"), ("urn", constants.USER), ("minus-one", "-1"), ("zero", "0"), ("big-int", "9" * 30),
    ("space", " "),
]
# Sent as they are, not quoted again: waitress decodes them into the path.
PRE_ENCODED_IDS = [
    ("traversal-raw-slashes", "../../etc/passwd"), ("traversal-percent", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    ("traversal-double-encoded", "%252e%252e%252f"), ("invalid-utf8-percent", "%ff%fe"),
    ("surrogate-percent", "%ed%a0%80"), ("overlong-percent", "%c0%af"),
]
# The ids most likely to reach SQL or the filesystem are written too, not only read and deleted.
KEY_IDS = {"sql-or", "sql-drop", "like-percent", "like-underscore", "glob-star", "traversal", "nul", "crlf",
           "10000-chars", "traversal-raw-slashes", "traversal-percent", "surrogate-percent"}


def id_cases(c):
    t = c.t
    # Ids that name a sentinel almost, but not exactly: none may reach it.
    for kind, sentinel in (("Users", t.user), ("Groups", t.group)):
        near = [("upper", sentinel.upper()), ("nul-suffix", quote(sentinel + "\x00")),
                ("space-suffix", quote(sentinel + " ")), ("space-prefix", quote(" " + sentinel)),
                ("fullwidth-digit", quote(_fullwidth_first_digit(sentinel))), ("truncated", sentinel[:-1]),
                ("prefix-8", sentinel[:8]), ("like-wildcard", quote(sentinel[:-1] + "_")),
                ("percent", quote(sentinel[:8]) + "%25"), ("sql-suffix", quote(sentinel + "' OR '1'='1")),
                ("dotdot-suffix", sentinel + "/.."), ("semicolon-param", sentinel + ";x"),
                ("question-encoded", sentinel + "%3F")]
        methods = ("GET", "PUT", "PATCH", "DELETE") if kind == "Users" else ("GET", "PATCH", "DELETE")
        for label, value in near:
            _id_requests(c, kind, f"near-sentinel-{label}", value, methods)
    encoded = [(label, quote(value, safe="")) for label, value in HOSTILE_IDS] + PRE_ENCODED_IDS
    for label, value in encoded:
        written = label in KEY_IDS
        _id_requests(c, "Users", label, value, ("GET", "PUT", "PATCH", "DELETE") if written else ("GET", "DELETE"))
        _id_requests(c, "Groups", label, value, ("GET", "PATCH") if written else ("GET",))
    for label, value in (("nul", "%00"), ("unknown", "urn:x:y"), ("traversal", "../../etc/passwd"),
                         ("10000-chars", "u" * 10000), ("surrogate-percent", "%ed%a0%80")):
        c.add(f"id-Schemas-{label}", path=f"/Schemas/{value}", expect=(404,))
        c.add(f"id-ResourceTypes-{label}", path=f"/ResourceTypes/{value}", expect=(404,))


def _fullwidth_first_digit(value):
    for index, char in enumerate(value):
        if char.isdigit():
            return value[:index] + chr(ord(char) + 0xFEE0) + value[index + 1:]
    return value + "\uff10"


def _id_requests(c, kind, label, value, methods):
    """Requests to one id, each 404 (no such resource, or no route); a write would change a sentinel it reached."""
    body = c.user_body(displayName="hijacked") if kind == "Users" else c.group_body()
    patch = {"schemas": [constants.PATCH_OP],
             "Operations": [{"op": "replace", "path": "displayName", "value": c.unique("hijacked")}]}
    bodies = {"GET": None, "PUT": js(body), "PATCH": js(patch), "DELETE": None}
    for method in methods:
        c.add(f"id-{kind}-{label}-{method}", method=method, path=f"/{kind}/{value}", body=bodies[method],
              expect=(404,))


def _query_variants():
    """(label, query string) pairs: paging, sorting and projection parameters gone wrong."""
    for param in ("startIndex", "count"):
        for label, value in (("text", "abc"), ("empty", ""), ("negative", "-5"), ("zero", "0"), ("fraction", "1.5"),
                             ("exponent", "1e3"), ("hex", "0x10"), ("1e30", "1" + "0" * 30), ("5000-digits", HUGE_INT),
                             ("nul", "%00"), ("arabic-digit", "%D9%A1"), ("space-padded", "%201%20"),
                             ("infinity", "inf"), ("nan", "nan"), ("repeated", f"1&{param}=abc")):
            yield f"{param}-{label}", f"{param}={value}"
    for label, value in (("garbage", "%21%40%23"), ("nul", "%00"), ("unknown", "noSuchAttribute"),
                         ("filter-expr", quote('emails[type eq "work"]')), ("urn-only", quote(constants.USER)),
                         ("schemas", "schemas"), ("paren", "("), ("10000-chars", "s" * 10000),
                         ("x509", "x509Certificates"), ("sub-of-simple", "userName.value"), ("members", "members"),
                         ("surrogate-percent", "%ed%a0%80")):
        yield f"sortBy-{label}", f"sortBy={value}"
    for label, value in (("sideways", "sideways"), ("nul", "%00"), ("number", "1")):
        yield f"sortOrder-{label}", f"sortBy=id&sortOrder={value}"
    many = ",".join(f"attr{i}" for i in range(1000))
    real = ",".join(["userName", "emails.value", "name.givenName", "groups", "members"] * 200)
    for label, value in (("1000-unknown", many), ("1000-real", real), ("garbage", quote("[,],\x00,urn:,.,..")),
                         ("urn-prefix-only", "urn:"), ("surrogate-percent", "%ed%a0%80")):
        yield f"attributes-{label}", f"attributes={value}"
        yield f"excludedAttributes-{label}", f"excludedAttributes={value}"
    yield "param-name-nul", "%00=1"
    yield "100KiB-query", "x=" + "q" * 100000
    yield "both-projections", "attributes=userName&excludedAttributes=userName"


def query_cases(c):
    """Every variant on /Users; /Groups, parsed by the same scim.listing, gets every third."""
    for index, (label, query) in enumerate(_query_variants()):
        c.add(f"query-Users-{label}", path=f"/Users?{query}")
        if index % 3 == 0:
            c.add(f"query-Groups-{label}", path=f"/Groups?{query}")
    c.add("query-item-attributes-garbage", path=f"/Users/{c.t.user}?attributes={quote('[,],urn:,' + 'a' * 5000)}")
    for label, body in (("not-object", []), ("schemas-wrong", {"schemas": ["urn:x"]}), ("filter-int", {"filter": 42}),
                        ("filter-object", {"filter": {}}), ("sortOrder-int", {"sortOrder": 1}),
                        ("attributes-object", {"attributes": {"a": 1}}),
                        ("attributes-5000", {"attributes": ["a"] * 5000}),
                        ("attributes-nested", {"attributes": [[["userName"]]]}), ("count-string", {"count": "many"}),
                        ("count-bool", {"count": True}), ("startIndex-float", {"startIndex": 1.5})):
        c.add(f"search-body-{label}", method="POST", path="/Users/.search", body=js(body))


ID_PR_TERMS = (MAX_FILTER + 4) // 9  # "id pr or " repeated to the length limit
NAME_PR_TERMS = (MAX_FILTER + 4) // 11  # "name pr": each term is six columns
FILTERS = [
    # (label, filter, must be refused)
    ("empty", "", True), ("blank", "   ", True), ("nul-only", "\x00", True),
    ("unbalanced-open", '(userName eq "a"', True), ("unbalanced-close", 'userName eq "a")', True),
    ("unbalanced-bracket", 'emails[type eq "work"', True), ("stray-bracket", 'emails]type eq "work"[', True),
    ("unknown-attribute", 'noSuchAttr eq "x"', True), ("unknown-urn", 'urn:x:y:z:attr eq "x"', True),
    ("unknown-sub", 'name.noSuch eq "x"', True), ("missing-value", "userName eq", True),
    ("missing-attribute", 'eq "x"', True), ("missing-operator", 'userName "x"', True),
    ("bad-operator", 'userName like "x"', True), ("dangling-and", 'userName eq "a" and', True),
    ("dangling-not", "not", True), ("single-quotes", "userName eq 'x'", True),
    ("unterminated-string", 'userName eq "x', True), ("bad-escape", 'userName eq "\\x"', False),
    ("gt-on-boolean", "active gt true", True), ("co-on-boolean", 'active co "t"', True),
    ("boolean-vs-string", 'active eq "maybe"', True), ("boolean-vs-number", "active eq 1", True),
    ("co-on-datetime", 'meta.created co "2011"', True), ("datetime-vs-number", "meta.created gt 5", True),
    ("datetime-garbage", 'meta.created gt "yesterday"', True),
    ("datetime-year-0", 'meta.created gt "0000-01-01T00:00:00Z"', True),
    ("datetime-max-plus-ms", 'meta.created ge "9999-12-31T23:59:59.9999Z"', False),
    ("datetime-min-with-offset", 'meta.lastModified lt "0001-01-01T00:00:00+14:00"', False),
    ("version-garbage", 'meta.version eq "abc"', True),
    ("version-30-digits", 'meta.version gt "W/\\"' + "9" * 30 + '\\""', True),
    ("string-vs-number", "userName gt 5", True), ("string-vs-1e400", "userName eq 1e400", True),
    ("string-vs-4000-digit-number", "userName eq " + HUGE_INT[:4000], True), ("gt-null", "userName gt null", True),
    ("binary-co", 'x509Certificates.value co "a"', True), ("value-path-on-simple", "userName[value pr]", True),
    ("nested-value-path", "emails[emails[value pr]]", True),
    ("value-path-unbalanced-inner", 'emails[type eq "work" or (value pr]', True),
    ("schemas-gt", 'schemas gt "x"', False), ("members-on-users", 'members.value eq "x"', True),
    ("nul-in-value", 'userName eq "a\x00b"', True), ("nul-in-attribute", 'user\x00Name eq "a"', True),
    ("c0-in-value", 'userName eq "\x01\x1b\x7f"', False), ("like-wildcards", 'userName co "%_\\\\"', False),
    ("glob-wildcards", 'id sw "*?["', False), ("sql-in-value", 'userName eq "x\' OR 1=1 --"', False),
    ("sql-in-attribute", "userName' OR 1=1 -- eq \"x\"", True),
    ("semicolon-drop", 'userName eq "x"; DROP TABLE user', True),
    ("not-depth-33", "not (" * 33 + "userName pr" + ")" * 33, True),
    ("parens-2000", "(" * 2000 + "id pr" + ")" * 2000, False),
    ("or-5000", " or ".join(['userName eq "x"'] * 5000), True), ("and-5000", " and ".join(["id pr"] * 5000), True),
    ("or-at-length-limit", " or ".join(["id pr"] * ID_PR_TERMS), False),
    ("name-pr-at-length-limit", " or ".join(["name pr"] * NAME_PR_TERMS), False),
    ("over-length-by-one", 'userName eq "' + "x" * (MAX_FILTER - 13) + '"', True),
    ("homoglyph-operator", 'userName еq "x"', True), ("fullwidth-attribute", 'ｕｓｅｒＮａｍｅ eq "x"', True),
    ("emoji-value", 'userName eq "\U0001f4a9"', False), ("rtl-override", 'userName eq "\u202e"', False),
    ("urn-core-qualified", f'{constants.USER}:userName eq "x"', False), ("pr-with-value", 'userName pr "x"', True),
    ("number-as-attribute", '42 eq "x"', True), ("bracket-without-filter", "emails[]", True),
    ("only-parens", "()", True), ("ne-null-multi", "emails ne null", False),
]


def filter_cases(c):
    """Every filter at GET /Users and POST /Users/.search; every third at /Groups and /.search too."""
    for index, (label, text, refused) in enumerate(FILTERS):
        expect = (400,) if refused else ()
        solo = "length-limit" in label or "parens" in label  # the costliest filters that are valid
        query = quote(text.encode("utf-8", "surrogatepass"), safe="")
        search = js({"schemas": [constants.SEARCH_REQUEST], "filter": text})
        c.add(f"filter-GET-Users-{label}", path=f"/Users?filter={query}", expect=expect, solo=solo)
        c.add(f"filter-POST-search-Users-{label}", method="POST", path="/Users/.search", body=search,
              expect=expect, solo=solo)
        if index % 3 == 0 or solo:
            c.add(f"filter-GET-Groups-{label}", path=f"/Groups?filter={query}", solo=solo)
            c.add(f"filter-POST-search-all-{label}", method="POST", path="/.search", body=search, solo=solo)
    for label, query in (("nul-percent", "%00"), ("filter-no-equals", "filter"),
                         ("filter-twice", "filter=id%20pr&filter=%28"),
                         ("invalid-utf8", "filter=userName%20eq%20%22%ff%fe%22"),
                         ("surrogate-bytes", "filter=userName%20eq%20%22%ed%a0%80%22"),
                         ("raw-quote-and-plus", 'filter=userName+eq+"x"'), ("plus-as-space", "filter=userName+pr")):
        c.add(f"filter-query-{label}", path=f"/Users?{query}")
    for label, body in (("value", {"filter": 'userName eq "\ud800"'}), ("attribute", {"filter": '\ud800 eq "x"'}),
                        ("sortBy", {"sortBy": "\ud800"})):
        c.add(f"filter-search-lone-surrogate-{label}", method="POST", path="/Users/.search", body=js(body),
              expect=(400,))


# --- PATCH and Bulk ---------------------------------------------------------------------------

PATCH_PATHS = [
    ("empty", ""), ("blank", "   "), ("open-bracket", "["), ("close-bracket", "]"), ("unclosed-filter", "emails["),
    ("filter-missing-value", "emails[type eq]"), ("trailing-dot", 'emails[type eq "work"].'),
    ("leading-dot", ".value"), ("double-dot", "name..givenName"), ("unknown", "noSuchAttribute"),
    ("unknown-urn", "urn:bogus:x"), ("core-urn-colon", f"{constants.USER}:"),
    ("enterprise-too-deep", f"{constants.ENTERPRISE_USER}:manager.value.x"), ("readonly-meta", "meta.created"),
    ("readonly-id", "id"), ("readonly-groups", "groups"), ("members-on-user", "members"), ("nul", "title\x00"),
    ("surrogate", "\ud800"), ("surrogate-in-filter", 'emails[value eq "\ud800"]'), ("10000-chars", "t" * 10000),
    ("two-filters", 'emails[type eq "work"][type eq "home"]'), ("filter-on-simple", "userName[value pr]"),
    ("filter-on-single-complex", "name[givenName pr]"), ("errata-bare-comparison", 'emails.type eq "work"'),
    ("not-in-filter", "emails[not(type pr)]"), ("unbalanced-inner", 'emails[type eq "work" or (value pr]'),
    ("sql", "title' OR 1=1 --"), ("filter-wrong-type", "emails[primary gt 5]"),
    ("filter-on-sub", 'emails.value[type eq "x"]'),
]
PATCH_VALUES = [
    ("int", 42), ("object", {"value": {"x": 1}}), ("empty-list", []), ("long-string", "v" * 300),
    ("list-of-lists", [[1], [2]]), ("nul-string", "a\x00b"), ("surrogate-string", "a\ud800"),
]
PATCH_OPS = ("add", "remove", "replace")
NULL = object()  # "value": null, as opposed to no "value" (None)


def _operation(op, path, value):
    operation = {"op": op}
    if path is not None:
        operation["path"] = path
    if value is not None:
        operation["value"] = None if value is NULL else value
    return operation


def patch_cases(c):
    """Every op x every bad path shape, with no value (or null) and with one bad value in rotation;
    every bad value at paths that exist; bad ops; bad PatchOp bodies; then the same for a Group."""
    t = c.t
    user = f"/Users/{t.victim_user}"
    for i, op in enumerate(PATCH_OPS):
        for j, (path_label, path) in enumerate(PATCH_PATHS):
            nothing = ("absent", None) if j % 2 else ("null", NULL)
            for label, value in (nothing, PATCH_VALUES[(i + j) % len(PATCH_VALUES)]):
                c.add(f"patch-User-{op}-path-{path_label}-value-{label}", method="PATCH", path=user,
                      body=js({"schemas": [constants.PATCH_OP], "Operations": [_operation(op, path, value)]}))
    for op in ("add", "replace"):
        for path_label, path in (("title", "title"), ("emails", "emails"),
                                 ("work-email", 'emails[type eq "work"].value'),
                                 ("manager", f"{constants.ENTERPRISE_USER}:manager")):
            for label, value in PATCH_VALUES:
                c.add(f"patch-User-{op}-valid-path-{path_label}-value-{label}", method="PATCH", path=user,
                      body=js({"Operations": [_operation(op, path, value)]}))
    for label, op in (("unknown", "upsert"), ("empty", ""), ("int", 1), ("null", None), ("list", ["add"]),
                      ("nul", "add\x00"), ("surrogate", "\ud800"), ("copy", "copy"), ("move", "move"),
                      ("test", "test")):
        for path_label, path in (("title", "title"), ("none", None)):
            c.add(f"patch-User-op-{label}-path-{path_label}", method="PATCH", path=user,
                  body=js({"Operations": [_operation(op, path, "x")]}), expect=(400,))
    two_primaries = [{"value": "a@x", "primary": True}, {"value": "b@x", "primary": True}]
    bodies = [
        ("list", []), ("string", "x"), ("no-operations", {"schemas": [constants.PATCH_OP]}),
        ("operations-object", {"Operations": {"op": "add"}}), ("operations-empty", {"Operations": []}),
        ("operations-null", {"Operations": None}), ("operation-string", {"Operations": ["add"]}),
        ("operation-null", {"Operations": [None]}),
        ("schemas-wrong", {"schemas": ["urn:x"], "Operations": [{"op": "add", "value": {}}]}),
        ("schemas-int", {"schemas": 4, "Operations": [{"op": "add", "value": {}}]}),
        ("path-int", {"Operations": [{"op": "add", "path": 42, "value": "x"}]}),
        ("path-object", {"Operations": [{"op": "add", "path": {}, "value": "x"}]}),
        ("pathless-string-value", {"Operations": [{"op": "add", "value": "x"}]}),
        ("pathless-list-value", {"Operations": [{"op": "replace", "value": [1]}]}),
        ("pathless-keys-controls", {"Operations": [{"op": "replace", "value": {"\x00": 1, "\ud800": 2, "": 3}}]}),
        ("pathless-urn-non-object", {"Operations": [{"op": "replace", "value": {constants.ENTERPRISE_USER: "x"}}]}),
        ("remove-without-path", {"Operations": [{"op": "remove"}]}),
        ("remove-userName", {"Operations": [{"op": "remove", "path": "userName"}]}),
        ("remove-core-schema", {"Operations": [{"op": "remove", "path": constants.USER}]}),
        ("two-primaries", {"Operations": [{"op": "add", "path": "emails", "value": two_primaries}]}),
        ("1000-operations", {"Operations": [{"op": "add", "path": "title", "value": f"t{i}"} for i in range(1000)]}),
    ]
    for label, body in bodies:
        c.add(f"patch-User-body-{label}", method="PATCH", path=user, body=js(body), solo=label.startswith("1000"))
    emails = [{"value": f"e{i}@x"} for i in range(1000)]
    c.add("patch-User-body-1000-emails", method="PATCH", path=f"/Users/{t.scratch_user}",
          body=js({"Operations": [{"op": "add", "path": "emails", "value": emails}]}), solo=True)
    group_paths = (("members", "members"), ("members-filter-unbalanced", "members[value eq"),
                   ("members-value-sub", "members.value"),
                   ("members-display-readonly", 'members[value eq "x"].display'),
                   ("displayName", "displayName"), ("userName-on-group", "userName"), ("surrogate", "\ud800"),
                   ("members-filter-sql", "members[value eq \"' OR 1=1 --\"]"), ("empty", ""))
    group_values = (("unknown-member", [{"value": "no-such-id"}]), ("int", 7), ("nul", "a\x00b"),
                    ("self", [{"value": t.victim_group}]), ("object-no-value", {"display": "d"}))
    for i, op in enumerate(PATCH_OPS):
        for j, (path_label, path) in enumerate(group_paths):
            for label, value in (("absent", None), group_values[(i + j) % len(group_values)]):
                c.add(f"patch-Group-{op}-path-{path_label}-value-{label}", method="PATCH",
                      path=f"/Groups/{t.victim_group}", body=js({"Operations": [_operation(op, path, value)]}))


def _bulk(operations, **extra):
    return js({"schemas": [constants.BULK_REQUEST], "Operations": operations, **extra})


def bulk_cases(c):
    c.add(f"bulk-{MAX_OPERATIONS + 1}-operations", method="POST", path="/Bulk",
          body=_bulk([{"method": "DELETE", "path": "/Users/x"}] * (MAX_OPERATIONS + 1)), expect=(413,))
    c.add(f"bulk-{MAX_OPERATIONS}-garbage-operations", method="POST", path="/Bulk", body=_bulk([42] * MAX_OPERATIONS),
          solo=True)
    missing = [{"method": "DELETE", "path": f"/Users/missing-{i}"} for i in range(MAX_OPERATIONS)]
    c.add(f"bulk-{MAX_OPERATIONS}-deletes-of-missing-ids", method="POST", path="/Bulk", body=_bulk(missing), solo=True)

    def group(bulk_id, *references):
        data = {"displayName": c.unique(bulk_id), "members": [{"value": f"bulkId:{each}"} for each in references]}
        return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}

    cycle = [group(f"c{i}", f"c{(i + 1) % MAX_OPERATIONS}") for i in range(MAX_OPERATIONS)]
    c.add(f"bulk-circular-{MAX_OPERATIONS}-long", method="POST", path="/Bulk", body=_bulk(cycle), solo=True)
    c.add("bulk-circular-two", method="POST", path="/Bulk", body=_bulk([group("a", "b"), group("b", "a")]))
    c.add("bulk-circular-self", method="POST", path="/Bulk", body=_bulk([group("s", "s")]))
    c.add("bulk-reference-undeclared", method="POST", path="/Bulk", body=_bulk([
        {"method": "PATCH", "path": "/Groups/bulkId:nowhere", "data": {"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "bulkId:also-nowhere"}]}]}}]))
    c.add("bulk-reference-in-deep-data", method="POST", path="/Bulk", body=_bulk([
        {"method": "POST", "path": "/Users", "bulkId": "deep",
         "data": {"userName": c.unique("deep"), "title": [[[["bulkId:deep"]]]]}}]))
    post_user = {"method": "POST", "path": "/Users", "bulkId": "u"}
    c.add("bulk-duplicate-bulkIds", method="POST", path="/Bulk", body=_bulk([
        {**post_user, "data": {"userName": c.unique("dup")}}, {**post_user, "data": {"userName": c.unique("dup")}}]))
    for label, operation in _garbage_operations(c):
        c.add(f"bulk-op-{label}", method="POST", path="/Bulk", body=_bulk([operation]))
    for label, body in (("not-object", js([post_user])),
                        ("operations-missing", js({"schemas": [constants.BULK_REQUEST]})),
                        ("operations-object", js({"Operations": post_user})),
                        ("operations-string", js({"Operations": "x"})),
                        ("schemas-wrong", js({"schemas": ["urn:x"], "Operations": []})),
                        ("schemas-int", js({"schemas": 1, "Operations": []})),
                        ("failOnErrors-zero", _bulk([], failOnErrors=0)),
                        ("failOnErrors-negative", _bulk([], failOnErrors=-1)),
                        ("failOnErrors-string", _bulk([], failOnErrors="1")),
                        ("failOnErrors-bool", _bulk([], failOnErrors=True)),
                        ("failOnErrors-float", _bulk([], failOnErrors=1.5))):
        c.add(f"bulk-body-{label}", method="POST", path="/Bulk", body=body, expect=(400,))


def _garbage_operations(c):
    """(label, operation): one thing wrong with each; the sentinels only behind an id or version that must fail."""
    t = c.t
    victim = f"/Users/{t.victim_user}"
    add_title = {"Operations": [{"op": "add", "path": "title", "value": "v"}]}
    return [
        ("null", None), ("string", "POST"), ("int", 1), ("list", []), ("empty-object", {}),
        ("method-missing", {"path": "/Users", "data": {}}), ("method-GET", {"method": "GET", "path": "/Users"}),
        ("method-int", {"method": 1, "path": "/Users"}), ("method-lowercase", {"method": "delete", "path": "/Users/x"}),
        ("method-nul", {"method": "POST\x00", "path": "/Users", "bulkId": "n", "data": {}}),
        ("method-surrogate", {"method": "\ud800", "path": "/Users", "data": {}}),
        ("path-missing", {"method": "DELETE"}), ("path-int", {"method": "DELETE", "path": 1}),
        ("path-no-slash", {"method": "DELETE", "path": "Users/x"}),
        ("path-too-deep", {"method": "DELETE", "path": "/Users/a/b"}),
        ("path-unknown-endpoint", {"method": "DELETE", "path": "/Foo/x"}),
        ("path-query", {"method": "DELETE", "path": "/Users/x?y=1"}),
        ("path-traversal", {"method": "DELETE", "path": "/Users/../../etc/passwd"}),
        ("path-absolute-url", {"method": "DELETE", "path": "http://evil/Users/x"}),
        ("path-sql", {"method": "DELETE", "path": "/Users/' OR 1=1 --"}),
        ("path-10000", {"method": "DELETE", "path": "/Users/" + "p" * 10000}),
        ("path-nul", {"method": "DELETE", "path": "/Users/\x00"}),
        ("path-surrogate", {"method": "DELETE", "path": "/Users/\ud800"}),
        ("path-bulk", {"method": "POST", "path": "/Bulk", "bulkId": "r", "data": {"Operations": []}}),
        ("post-to-item", {"method": "POST", "path": victim, "bulkId": "i", "data": {"userName": "x"}}),
        ("post-no-bulkId", {"method": "POST", "path": "/Users", "data": {"userName": "x"}}),
        ("bulkId-int", {"method": "POST", "path": "/Users", "bulkId": 5, "data": {"userName": "x"}}),
        ("bulkId-empty", {"method": "POST", "path": "/Users", "bulkId": "", "data": {"userName": "x"}}),
        ("bulkId-nul", {"method": "POST", "path": "/Users", "bulkId": "\x00", "data": {"userName": c.unique("bn")}}),
        ("bulkId-surrogate", {"method": "POST", "path": "/Users", "bulkId": "\ud800", "data": {"userName": "a\x00"}}),
        ("data-missing", {"method": "PUT", "path": victim}),
        ("data-string", {"method": "PATCH", "path": victim, "data": "x"}),
        ("data-list", {"method": "POST", "path": "/Users", "bulkId": "l", "data": [1]}),
        ("data-invalid-user", {"method": "PUT", "path": victim, "data": {"userName": "a\x00b"}}),
        ("version-int", {"method": "DELETE", "path": "/Users/missing", "version": 3}),
        ("version-garbage", {"method": "PATCH", "path": victim, "version": "garbage", "data": add_title}),
        ("version-5000-digits", {"method": "PATCH", "path": victim, "version": f'W/"{HUGE_INT}"', "data": add_title}),
        ("delete-sentinel-near-id", {"method": "DELETE", "path": f"/Users/{t.user.upper()}"}),
        ("put-sentinel-wrong-version", {"method": "PUT", "path": f"/Users/{t.user}", "version": 'W/"999999"',
                                        "data": {"userName": "hijacked"}}),
        ("patch-sentinel-group-wrong-version", {"method": "PATCH", "path": f"/Groups/{t.group}", "version": '"0"',
                                                "data": {"Operations": [{"op": "remove", "path": "members"}]}}),
    ]


# --- headers, methods, paths ------------------------------------------------------------------

def header_cases(c):
    t = c.t
    token = t.token
    first = next(index for index, char in enumerate(token) if char.isascii() and char.isalnum())
    homoglyph = token[:first] + chr(ord(token[first]) + 0xFEE0) + token[first + 1:]  # fullwidth look-alike
    refused = [
        ("missing", None), ("basic-token", "Basic " + base64.b64encode(f"admin:{token}".encode()).decode()),
        ("basic-garbage", "Basic !!!"), ("bearer-empty", "Bearer"), ("bearer-space-only", "Bearer "),
        ("bearer-trailing-word", f"Bearer {token} extra"), ("bearer-quoted", f'Bearer "{token}"'),
        ("bearer-tab", f"Bearer\t{token}"), ("token-scheme", f"Token {token}"), ("negotiate", "Negotiate YII="),
        ("digest", 'Digest username="a", response="b"'), ("bearer-truncated", f"Bearer {token[:-1]}"),
        ("bearer-extended", f"Bearer {token}x"), ("bearer-10000-chars", "Bearer " + "t" * 10000),
        ("bearer-60KiB", "Bearer " + "t" * 60000), ("bearer-fullwidth-homoglyph", f"Bearer {homoglyph}".encode()),
        ("bearer-utf8-unicode", "Bearer tökén✓".encode()), ("bearer-latin1-bytes", b"Bearer \xff\xfe\xfd"),
        ("bearer-sql", "Bearer ' OR 1=1 --"), ("bearer-percent-encoded", "Bearer " + quote(token + "=")),
        ("bearer-base64-of-token", "Bearer " + base64.b64encode(token.encode()).decode()),
        ("bearer-swapped-case", f"Bearer {token.swapcase()}"), ("bearer-twice", f"Bearer {token}, Bearer {token}"),
    ]
    for label, value in refused:
        c.add(f"auth-{label}-GET-Users", path="/Users?count=1", token=value, expect=(401,))
    for label, value in refused[:6]:
        c.add(f"auth-{label}-POST-Users-invalid-json", method="POST", path="/Users", body=b"{garbage", token=value,
              expect=(401,))
        c.add(f"auth-{label}-DELETE-sentinel", method="DELETE", path=f"/Users/{t.user}", token=value, expect=(401,))
    # Tolerated spellings of the right token: no expectation beyond the invariants.
    for label, value in (("lowercase-scheme", f"bearer {token}"), ("double-space", f"Bearer  {token}"),
                         ("trailing-spaces", f"Bearer {token}   ")):
        c.add(f"auth-tolerated-{label}", path="/Users?count=1", token=value)
    if_match_cases(c)
    for label, (name, value) in (
            ("x-junk-60KiB", ("X-Junk", "j" * 60000)), ("x-junk-latin1", ("X-Junk", b"\xff" * 100)),
            ("host-empty", ("Host", "")), ("host-spaces", ("Host", "a b")), ("host-10000", ("Host", "h" * 10000)),
            ("host-traversal", ("Host", "evil.example/../..")), ("host-latin1", ("Host", b"\xff\xfe")),
            ("host-bad-port", ("Host", "127.0.0.1:99999999999999999999")),
            ("x-forwarded-host", ("X-Forwarded-Host", "evil.example")),
            ("x-forwarded-proto", ("X-Forwarded-Proto", "gopher")),
            ("accept-xml", ("Accept", "application/xml")), ("accept-garbage", ("Accept", ";;q=x")),
            ("accept-charset-utf16", ("Accept-Charset", "utf-16")),
            ("content-encoding-gzip", ("Content-Encoding", "gzip")),
            ("te-gzip", ("TE", "gzip"))):
        c.add(f"header-{label}-POST-Users", method="POST", path="/Users", body=js(c.user_body()),
              headers=((name, value),))
        c.add(f"header-{label}-GET-ServiceProviderConfig", path="/ServiceProviderConfig", headers=((name, value),))
    c.add("header-1000-headers", path="/Users?count=1", headers=tuple((f"X-H{i}", "v") for i in range(1000)))


def if_match_cases(c):
    """If-Match garbage on the sentinels: a write whose version cannot match is 412, never applied."""
    t = c.t
    for label, value in (("word", "garbage"), ("weak-prefix-only", "W/"), ("empty-quotes", '""'),
                         ("quoted-star", '"*"'),
                         ("weak-word", 'W/"abc"'), ("negative", 'W/"-1"'), ("lowercase-w", 'w/"999999"'),
                         ("commas", ", , ,"), ("60KiB", 'W/"' + "1" * 60000), ("30-digits", 'W/"' + "9" * 30 + '"'),
                         ("5000-digits", f'W/"{HUGE_INT}"'), ("list-of-wrong", 'W/"999998", W/"999999"'),
                         ("unicode-digit", 'W/"١"'.encode()), ("zero", '"0"')):
        header = ("If-Match", value)
        c.add(f"ifmatch-{label}-PUT-sentinel-user", method="PUT", path=f"/Users/{t.user}", headers=(header,),
              body=js({"userName": c.unique("ifm"), "displayName": "hijacked"}), expect=(412,))
        c.add(f"ifmatch-{label}-PATCH-sentinel-group", method="PATCH", path=f"/Groups/{t.group}", headers=(header,),
              body=js({"Operations": [{"op": "remove", "path": "members"}]}), expect=(412,))
        c.add(f"ifmatch-{label}-DELETE-sentinel-user", method="DELETE", path=f"/Users/{t.user}", headers=(header,),
              expect=(412,))
        c.add(f"ifnonematch-{label}-GET-sentinel-user", path=f"/Users/{t.user}", headers=(("If-None-Match", value),))


ENDPOINTS = ("/Users", "/Users/{user}", "/Groups", "/Groups/{group}", "/Bulk", "/.search", "/Users/.search",
             "/Groups/.search", "/Schemas", f"/Schemas/{constants.USER}", "/ResourceTypes", "/ResourceTypes/User",
             "/ServiceProviderConfig", "/Me")


def method_cases(c):
    for endpoint in ENDPOINTS:
        path = endpoint.format(user=c.t.user, group=c.t.group)
        label = endpoint.replace(constants.USER, "UserSchema").strip("/").replace("/", "-").replace(".", "dot")
        label = label.replace("{", "").replace("}", "")
        others = ("MKCOL", "LOCK", "X-HOSTILE") if endpoint in ("/Users", "/Users/{user}") else ()
        for method in HOSTILE_METHODS + others:
            c.add(f"method-{method}-{label}", method=method, path=path, expect=(405,))
        if endpoint in ("/Users", "/Users/{user}", "/Bulk"):
            c.add(f"method-TRACE-{label}-no-token", method="TRACE", path=path, token=None, expect=(401, 405))
    for method, path in (("PATCH", "/Users"), ("DELETE", "/Users"), ("PUT", "/Groups"), ("GET", "/Bulk"),
                         ("DELETE", "/Bulk"), ("POST", "/ServiceProviderConfig"), ("DELETE", "/Schemas"),
                         ("PUT", "/.search")):
        label = path.strip("/").replace(".", "dot")
        c.add(f"method-{method}-{label}-not-allowed", method=method, path=path, expect=(405,))


def path_cases(c):
    """Paths around the SCIM prefix, and outside it (where only status and leaks are checked)."""
    for label, path in (("prefix-exact", ""), ("prefix-slash", "/"), ("prefix-suffix", "foo"),
                        ("unknown-endpoint", "/Nope"), ("homoglyph-endpoint", "/U%D1%95ers"),
                        ("fullwidth-endpoint", "/%EF%BC%B5sers"), ("kelvin-endpoint", "/Bul%E2%84%AA"),
                        ("traversal-out", "/../../../etc/passwd"),
                        ("encoded-traversal-out", "/%2e%2e/%2e%2e/etc/passwd"),
                        ("semicolon", "/Users;jsessionid=x"), ("many-slashes", "/" * 5000 + "Users"),
                        ("nul-endpoint", "/Users%00"), ("deep", "/Users/a/b/c/d/e"), ("v2-style", "/v2/Users"),
                        ("search-with-id", "/Users/.search/x")):
        c.add(f"path-{label}", path=PREFIX + path, absolute=True)
    admin, configure = "/plugins/servlet/usersync/admin", "/plugins/servlet/usersync/configure"
    for label, method, path in (("root", "GET", "/"), ("admin-nul", "GET", f"{admin}/users/%00"),
                                ("admin-traversal", "GET", f"{admin}/../../../etc/passwd"),
                                ("static-traversal", "GET", "/static/..%2f..%2fapp.py"),
                                ("static-nul", "GET", "/static/%00"), ("configure-trace", "TRACE", f"{configure}/"),
                                ("admin-login-trace", "TRACE", f"{admin}/login"),
                                ("admin-propfind", "PROPFIND", f"{admin}/")):
        c.add(f"outside-{label}", method=method, path=path, absolute=True, token=None)
    form = "application/x-www-form-urlencoded"
    c.add("outside-admin-login-invalid-utf8", method="POST", path=f"{admin}/login", absolute=True, token=None,
          body=b"username=\xff\xfe&password=\xc0\xaf", content_type=form)
    c.add("outside-admin-login-huge-field", method="POST", path=f"{admin}/login", absolute=True, token=None,
          body=b"username=" + b"a" * 500000 + b"&password=x", content_type=form)
    c.add("outside-configure-save-deep-json", method="POST", path=f"{configure}/save", absolute=True, token=None,
          body=b"[" * 100000)


BUILDERS = (attribute_cases, body_cases, content_type_cases, framing_cases, id_cases, query_cases, filter_cases,
            patch_cases, bulk_cases, header_cases, method_cases, path_cases)


def build(targets):
    """Every case, in a fixed order; ids are unique and independent of targets."""
    corpus = _Corpus(targets)
    for builder in BUILDERS:
        builder(corpus)
    duplicates = sorted(each for each, count in Counter(case.id for case in corpus.cases).items() if count > 1)
    assert not duplicates, f"duplicate case ids: {duplicates[:10]}"
    return corpus.cases


# --- the admin pages and the setup wizard, signed in (tests/e2e/test_hostile_admin.py) ---------------------------

FORM = "application/x-www-form-urlencoded"
# What every parameter a page reads gets, in the query string (and in the form, on a POST).
ADMIN_VALUES = {
    "huge": "9" * 25, "past-64-bits": str(2 ** 63), "largest-id": str(2 ** 63 - 1), "negative": "-1", "zero": "0",
    "too-many-digits": "9" * 5000, "exponent": "1e400", "fraction": "1.5", "superscript-digit": "²",
    "arabic-digits": "١٢٣", "control": "\x00\x1b]0;x\x07\x1b[31m\r\nx\x85", "bidi": "\u202egnp.exe\u2066\u200b",
    "empty": "", "blank": " \t ", "long": "x" * 3000, "json": '{"a": [1]}', "format": "%s%n{0}{{x}}",
    "traversal": "../../etc/passwd", "url": "//evil.example/%2e", "invalid-utf8": b"\xed\xa0\x80\xff",
}
# What a path segment gets instead of a real id: <id:…> numbers out of range or not numbers, text ids' worst.
PATH_VALUES = {
    "huge": "9" * 25, "past-64-bits": str(2 ** 63), "largest-id": str(2 ** 63 - 1), "zero": "0", "negative": "-1",
    "too-many-digits": "9" * 5000, "superscript-digit": "²", "exponent": "1e3", "nul": "\x00",
    "control": "\x1b[31m\r\n", "bidi": "\u202e", "dot-dot": "..", "invalid-utf8": b"\xff\xfe",
}
# Where a JSON body is read: every shape but the one due.
JSON_SHAPES = {"object": {"a": 1}, "empty-object": {}, "list": [1], "empty-list": [], "null": None, "text": "x",
               "huge-number": 10 ** 30, "fraction": 1.5, "true": True, "nested": [[{"a": [None]}]]}
# Valid values for the parameters that decide how far a page reads the rest (a wrong provider stops the wizard
# at its first step); None leaves the parameter out (remove_row present is a branch of its own). Each
# alternative is one more request, so that every branch they choose sees the hostile values.
GATES = {"provider": ("oracle", "okta"), "method": ("rest", "scim"), "auth": ("bearer", "oauth"),
         "action": ("save", "test", "add-row", "preview-username", "preview-group"), "schedule": ("off",),
         "remove_row": (None,), "confirm": ("yes",), "enabled": ("true",)}
JSON_GATES = {"preview": ("username", "group"), "sample": ("alice@example.com",), "options": ({},)}
# Form fields a view finds by a pattern over the form's names, not by name (the options page's mapping rows).
PATTERN_FIELDS = ("mapping-0-idp", "mapping-0-host", "mapping-9999-idp")


@dataclass(frozen=True)
class AdminRoute:
    """One admin or wizard route and method, and the names its view reads (test_hostile_admin finds them)."""

    endpoint: str
    rule: str  # e.g. /plugins/servlet/usersync/admin/apps/<id:app_id>/edit
    method: str
    arguments: tuple  # ((name, "id" or "text"), ...) in the rule
    args: frozenset = frozenset()  # query-string names
    form: frozenset = frozenset()  # form field names
    json: frozenset = frozenset()  # dotted paths into a JSON body

    @property
    def gates(self):
        return sorted((self.args | self.form) & set(GATES))


def _quoted(value):
    return quote(value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass"), safe="")


def _encoded(pairs):
    return "&".join(f"{_quoted(name)}={_quoted(value)}" for name, value in pairs if value is not None)


def admin_path(route, values):
    """The route's path with its arguments filled in from values (each quoted as a path segment)."""
    path = route.rule
    for name, _kind in route.arguments:
        path = re.sub(rf"<(?:\w+:)?{name}>", lambda _m, name=name: _quoted(values[name]), path)
    return path


def gated(route):
    """{name: value} for every gate the route reads, once per alternative: the first is no gate at all."""
    variants = [{}]
    width = max((len(GATES[gate]) for gate in route.gates), default=0)
    variants += [{gate: GATES[gate][i % len(GATES[gate])] for gate in route.gates} for i in range(width)]
    return variants


def json_leaves(route):
    """The JSON paths read that no other path read lies under."""
    return sorted(path for path in route.json if not any(other.startswith(path + ".") for other in route.json))


def nested(paths, value, gates=None):
    """A JSON object with value at each dotted path (a gate's own value at a gate's path)."""
    body = {}
    for path in paths:
        *outer, last = path.split(".")
        node = body
        for part in outer:
            node = node.setdefault(part, {})
        node[last] = (gates or {}).get(path, value)
    return body


def admin_cases(route, valid, arg_names, form_names):
    """Every hostile request for one route: each path argument out of range or not an id, each value in every
    parameter (gates open and shut), and on a POST every wrong JSON shape. valid: {argument: a real id}."""
    stem = f"admin-{route.method}-{route.endpoint}"
    cases = []

    def add(case_id, path, query=(), body=None, content_type=None):
        url = path + (f"?{_encoded(query)}" if query else "")
        cases.append(Case(case_id, route.method, url, body, token=None, absolute=True, content_type=content_type))

    for name, _kind in route.arguments:
        for label, value in PATH_VALUES.items():
            add(f"{stem}-path-{name}-{label}", admin_path(route, {**valid, name: value}))
    path = admin_path(route, valid)
    for label, value in ADMIN_VALUES.items():
        for number, gates in enumerate(gated(route)):
            if route.method == "GET":
                # A long value only in the names this route reads: in all of them, a redirect that keeps the
                # query (a bad filter on the CSV export) would outgrow any client's header line.
                names = arg_names if len(value) <= 1000 else route.args
                add(f"{stem}-{label}-{number}", path, [(name, gates.get(name, value)) for name in sorted(names)])
            else:
                form = _encoded([(name, gates.get(name, value)) for name in sorted(form_names)]).encode()
                add(f"{stem}-{label}-{number}", path, [(name, value) for name in sorted(route.args)], form, FORM)
    if route.method != "POST":
        return cases
    leaves = json_leaves(route)
    for label, shape in JSON_SHAPES.items():
        add(f"{stem}-json-{label}", path, body=js(shape), content_type="application/json")
        if leaves:
            add(f"{stem}-json-every-key-{label}", path, body=js(nested(leaves, shape)), content_type="application/json")
            for number in range(max(len(each) for each in JSON_GATES.values())):
                gates = {gate: options[number % len(options)] for gate, options in JSON_GATES.items()}
                add(f"{stem}-json-gated-{number}-{label}", path, body=js(nested(leaves, shape, gates)),
                    content_type="application/json")
    return cases
