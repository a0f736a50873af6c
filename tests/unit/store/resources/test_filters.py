"""store.resources.filters: SCIM filters (RFC 7644 §3.4.2.2) and sortBy (§3.4.2.3) run as SQL against real rows."""

import json
import operator
import os
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Directory, Group, Membership, User, UserValue, db, init_db, migrate
from models.migrations import TABLES, SchemaVersion
from scim import errors
from store.resources.filters import order_by, where

BJENSEN, OMALLEY, WEIRD, ALICE, CAROL, DAVE = (
    "2819c223-7f76-453a-919d-413861904646", "U2-OMALLEY", "u3-weird", "ALICE-ID", "u5-carol", "u6-dave")
TOUR, EMPLOYEES, EMPTY = "g1-tour", "G2-EMPLOYEES", "g3-empty"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


def _at(text):
    return datetime.fromisoformat(text)


# Each user: User columns, then its UserValue entries as (attribute, value, type, primary, extra).
USERS = {
    BJENSEN: dict(
        user_name="bjensen", external_id="bjensen", display_name="Babs Jensen", title="Tour Guide",
        user_type="Employee", active=True, name_family="Jensen", name_given="Barbara",
        name_formatted="Ms. Barbara J Jensen, III", employee_number="701984", department="Tour Operations",
        manager_id=OMALLEY, last_modified=_at("2011-05-13 04:42:34"), version=3,
        values=[("emails", "bjensen@example.com", "work", True), ("emails", "babs@jensen.org", "home", False),
                ("phoneNumbers", "555-555-5555", "work", False)]),
    OMALLEY: dict(
        user_name="Jsmith", external_id="JSMITH", display_name="John O'Malley", user_type="Intern",
        active=False, name_family="O'Malley", name_given="John",
        last_modified=_at("2011-05-13 04:42:34.000400"), version=2,  # shown as ...34.000Z
        values=[("emails", "john@example.org", "work", False), ("ims", "jsmith@foo.com", "xmpp", False)]),
    WEIRD: dict(
        user_name="100%_done\\path", external_id="A%B_C\\D*E?F[G]H", display_name='Quote "Q" O\'Neil',
        title="", user_type="Contractor", active=True, last_modified=_at("2012-01-01 00:00:00"),
        values=[("emails", "x@example.net", "other", False)]),
    ALICE: dict(
        user_name="ALICE", external_id="alice", title="Manager", user_type="Employee", active=True,
        organization="Universal Studios", last_modified=_at("2009-06-01 12:00:00"),
        values=[("emails", "alice@example.com", "home", False), ("emails", "alice@corp.test", "work", True)]),
    CAROL: dict(
        user_name="carol", display_name="Carol", user_type="Employee", active=True, manager_id=ALICE,
        last_modified=_at("2011-05-13 04:42:35.500"),
        values=[("addresses", None, "work", True, {"locality": "Hollywood", "country": "US"}),
                ("roles", "Admin", None, False)]),
    DAVE: dict(
        user_name="dave", display_name="dave", title="Developer", active=False,
        last_modified=_at("2013-02-03 00:00:00"),
        values=[("emails", "dave@example.com", "work", False), ("emails", "DAVE@Foo.com", "work", False),
                ("ims", "dave@foo.com", "gtalk", False)]),
}
GROUPS = {
    TOUR: dict(display_name="Tour Guides", external_id="TG-1", members=[(BJENSEN, "User"), (OMALLEY, "User")]),
    EMPLOYEES: dict(display_name="Employees", members=[(ALICE, "User"), (CAROL, "User"), (TOUR, "Group")]),
    EMPTY: dict(display_name="Empty 100%", members=[]),
}
ALL = set(USERS)


def _drop_tables():
    with db.connection_context():
        db.drop_tables(list(TABLES) + [SchemaVersion], cascade=True)


@pytest.fixture(scope="module", autouse=True)
def database(tmp_path_factory):
    """The fixture rows on a temp SQLite file, or on USERSYNC_TEST_DATABASE_URL (PostgreSQL)."""
    url = os.environ.get("USERSYNC_TEST_DATABASE_URL")
    postgres = bool(url)
    database = init_db(url or f"sqlite:///{tmp_path_factory.mktemp('filters')}/t.db")
    if postgres:
        _drop_tables()
    migrate()
    _insert()
    yield database
    if postgres:
        _drop_tables()
    database.close()


def _insert():
    directory = Directory.default()
    with db.atomic():
        for user_id, spec in USERS.items():
            columns = {key: value for key, value in spec.items() if key != "values"}
            User.create(id=user_id, directory=directory, user_name_lower=spec["user_name"].lower(),
                        host_username=spec["user_name"], host_username_lower=spec["user_name"].lower(), **columns)
        for user_id, spec in USERS.items():
            for position, (attribute, value, kind, primary, *extra) in enumerate(spec["values"]):
                UserValue.create(user=user_id, attribute=attribute, position=position, value=value,
                                 value_lower=value and value.lower()[:255], type=kind, primary=primary,
                                 **(extra[0] if extra else {}))
        for group_id, spec in GROUPS.items():
            Group.create(id=group_id, directory=directory, display_name=spec["display_name"],
                         display_name_lower=spec["display_name"].lower(), external_id=spec.get("external_id"))
            for member_id, member_type in spec["members"]:
                Membership.create(group=group_id, member_id=member_id, member_type=member_type,
                                  display=_sent_display(member_id))


def _sent_display(member_id):
    """The display an IdP would send for a member: its displayName, else its userName."""
    spec = USERS.get(member_id) or GROUPS[member_id]
    return spec.get("display_name") or spec["user_name"]


def ids(resource_type, filter_string):
    """The ids the filter selects, checking that no row comes back twice."""
    model = User if resource_type == "User" else Group
    found = [row.id for row in model.select(model.id).where(where(resource_type, filter_string))]
    assert len(found) == len(set(found))
    return set(found)


def sorted_ids(resource_type, sort_by, descending=False):
    model = User if resource_type == "User" else Group
    return [row.id for row in model.select(model.id).order_by(*order_by(resource_type, sort_by, descending))]


class TestRFCExamples:
    """Every example filter of RFC 7644 §3.4.2.2 (Figure 2)."""

    @pytest.mark.parametrize("filter_string, expected", [
        ('userName eq "bjensen"', {BJENSEN}),
        ('name.familyName co "O\'Malley"', {OMALLEY}),
        ('userName sw "J"', {OMALLEY}),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', {OMALLEY}),
        ('title pr', {BJENSEN, ALICE, DAVE}),  # WEIRD's title is "", which is not present
        ('meta.lastModified gt "2011-05-13T04:42:34Z"', {WEIRD, CAROL, DAVE}),
        ('meta.lastModified ge "2011-05-13T04:42:34Z"', {BJENSEN, OMALLEY, WEIRD, CAROL, DAVE}),
        ('meta.lastModified lt "2011-05-13T04:42:34Z"', {ALICE}),
        ('meta.lastModified le "2011-05-13T04:42:34Z"', {ALICE, BJENSEN, OMALLEY}),
        ('title pr and userType eq "Employee"', {BJENSEN, ALICE}),
        ('title pr or userType eq "Intern"', {BJENSEN, ALICE, DAVE, OMALLEY}),
        # Decision: the enterprise URN is in `schemas` exactly when an enterprise attribute is set.
        (f'schemas eq "{ENTERPRISE}"', {BJENSEN, ALICE, CAROL}),
        ('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
         {BJENSEN, ALICE}),
        ('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
         {WEIRD}),
        ('userType eq "Employee" and (emails.type eq "work")', {BJENSEN, ALICE}),
        ('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', {BJENSEN}),
        ('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
         {BJENSEN, DAVE, OMALLEY}),
    ])
    def test_example(self, filter_string, expected):
        assert ids("User", filter_string) == expected


class TestLogic:
    @pytest.mark.parametrize("filter_string, expected", [
        ('title pr or userType eq "Intern" and active eq true', {BJENSEN, ALICE, DAVE}),
        ('(title pr or userType eq "Intern") and active eq true', {BJENSEN, ALICE}),
        ('not (title pr) and userType eq "Employee"', {CAROL}),
        ('not (title pr and userType eq "Employee")', ALL - {BJENSEN, ALICE}),
        ('not(userType eq "Employee")', {OMALLEY, WEIRD, DAVE}),  # DAVE has no userType: three-valued logic
        ('not (title co "guide")', ALL - {BJENSEN}),
        ('not (not (title co "guide"))', {BJENSEN}),
        ('userName eq "bjensen" or userName eq "carol" or userName eq "dave"', {BJENSEN, CAROL, DAVE}),
        ('((userName eq "bjensen"))', {BJENSEN}),
    ])
    def test_precedence_and_negation(self, filter_string, expected):
        assert ids("User", filter_string) == expected

    @pytest.mark.parametrize("filter_string", [
        'USERNAME EQ "bjensen"', 'username Eq "bjensen"', 'userName eq "BJENSEN"',  # Ping sends `Eq`
        'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME eq "bjensen"',
        'urn:scim:schemas:core:2.0:User:userName eq "bjensen"',  # OneLogin's draft URN
    ])
    def test_names_and_operators_ignore_case(self, filter_string):
        assert ids("User", filter_string) == {BJENSEN}

    def test_a_long_disjunction_stays_flat(self):
        many = " or ".join(f'userName eq "nobody{n}"' for n in range(150))
        assert ids("User", many + ' or userName eq "carol"') == {CAROL}


class TestStrings:
    @pytest.mark.parametrize("filter_string, expected", [
        ('externalId eq "bjensen"', {BJENSEN}),
        ('externalId eq "BJENSEN"', set()),  # caseExact
        ('externalId eq "JSMITH"', {OMALLEY}),
        ('externalId sw "js"', set()),
        ('externalId sw "JS"', {OMALLEY}),
        ('externalId co "LIC"', set()),
        ('id eq "ALICE-ID"', {ALICE}),
        ('id eq "alice-id"', set()),
        ('displayName co "babs"', {BJENSEN}),
        ('displayName ew "JENSEN"', {BJENSEN}),
        ('userName ne "bjensen"', ALL - {BJENSEN}),
        ('userName gt "carol"', {OMALLEY, DAVE}),
        ('userName ge "carol"', {OMALLEY, DAVE, CAROL}),
        ('userName lt "alice"', {WEIRD}),
        ('userName le "alice"', {WEIRD, ALICE}),
        ('title lt "n"', {WEIRD, ALICE, DAVE}),  # "" is a value for ordering, just not present
        ('title eq ""', {WEIRD}),
        ('title sw ""', {BJENSEN, WEIRD, ALICE, DAVE}),
        ('emails co "FOO.COM"', {DAVE}),
        ('emails.value eq "dave@foo.com"', {DAVE}),
        ('phoneNumbers eq "555-555-5555"', {BJENSEN}),
        ('roles.value eq "admin"', {CAROL}),
    ])
    def test_operators(self, filter_string, expected):
        assert ids("User", filter_string) == expected

    @pytest.mark.parametrize("filter_string, expected", [
        ('userName co "%"', {WEIRD}),
        ('userName co "_"', {WEIRD}),
        ('userName co "\\\\"', {WEIRD}),
        ('userName ew "\\\\path"', {WEIRD}),
        ('userName sw "100%_"', {WEIRD}),
        ('userName sw "1%"', set()),
        ('userName sw "1_0"', set()),
        ('userName co "x%"', set()),
        ('displayName co "\\"q\\""', {WEIRD}),
        ('displayName co "O\'"', {OMALLEY, WEIRD}),
        ('externalId co "*"', {WEIRD}),
        ('externalId co "?F"', {WEIRD}),
        ('externalId co "[G]"', {WEIRD}),
        ('externalId co "A*"', set()),
        ('externalId co "E?F[G]H"', {WEIRD}),
        ('externalId ew "[G]H"', {WEIRD}),
        ('externalId sw "A%B_C\\\\D"', {WEIRD}),
        ('externalId co "B_c"', set()),
    ])
    def test_like_and_glob_metacharacters_are_literal(self, filter_string, expected):
        assert ids("User", filter_string) == expected

    def test_a_value_longer_than_the_index_is_compared_in_full(self):
        long_value = "q" * 300
        UserValue.create(user=CAROL, attribute="entitlements", position=9, value=long_value.upper(),
                         value_lower=long_value[:255], primary=False)
        try:
            assert ids("User", f'entitlements eq "{long_value}"') == {CAROL}
            assert ids("User", f'entitlements eq "{long_value[:299]}"') == set()
            assert ids("User", f'entitlements eq "{long_value[:255]}"') == set()
        finally:
            UserValue.delete().where(UserValue.attribute == "entitlements").execute()


class TestOtherTypes:
    @pytest.mark.parametrize("filter_string, expected", [
        ('active eq true', {BJENSEN, WEIRD, ALICE, CAROL}),
        ('active eq false', {OMALLEY, DAVE}),
        ('active eq "False"', {OMALLEY, DAVE}),  # Entra ID sends booleans as strings
        ('active ne true', {OMALLEY, DAVE}),
        ('active pr', ALL),
        ('emails.primary eq true', {BJENSEN, ALICE}),
        ('meta.lastModified eq "2011-05-13T04:42:34Z"', {BJENSEN, OMALLEY}),
        ('meta.lastModified eq "2011-05-13T06:42:34+02:00"', {BJENSEN, OMALLEY}),
        ('meta.lastModified eq "2011-05-13T04:42:34.000Z"', {BJENSEN, OMALLEY}),
        ('meta.lastModified eq "2011-05-13T04:42:34.0004Z"', set()),  # never shown with microseconds
        ('meta.lastModified gt "2011-05-13T04:42:34.0004Z"', {WEIRD, CAROL, DAVE}),
        ('meta.lastModified ge "2011-05-13T04:42:35.5Z"', {WEIRD, CAROL, DAVE}),
        ('meta.lastModified lt "2011-05-13T04:42:35.5Z"', {ALICE, BJENSEN, OMALLEY}),
        ('meta.lastModified ne "2011-05-13T04:42:34Z"', ALL - {BJENSEN, OMALLEY}),
        ('meta.created pr', ALL),
        ('meta.version eq "W/\\"3\\""', {BJENSEN}),
        ('meta.version eq "2"', {OMALLEY}),
        ('meta.version gt "W/\\"1\\""', {BJENSEN, OMALLEY}),
        ('meta.version co "3"', {BJENSEN}),
        ('meta.version sw "w/"', set()),  # caseExact
        ('meta.resourceType eq "User"', ALL),
        ('meta.resourceType eq "user"', set()),
        ('meta pr', ALL),
    ])
    def test_booleans_dates_versions(self, filter_string, expected):
        assert ids("User", filter_string) == expected

    @pytest.mark.parametrize("filter_string, expected", [
        ('title eq null', {OMALLEY, WEIRD, CAROL}),
        ('title ne null', {BJENSEN, ALICE, DAVE}),
        ('displayName eq null', {ALICE}),
        ('emails eq null', {CAROL}),
        ('emails ne null', ALL - {CAROL}),
        ('emails pr', ALL - {CAROL}),
        ('ims.type pr', {OMALLEY, DAVE}),
        ('not (emails pr)', {CAROL}),
        ('name pr', {BJENSEN, OMALLEY}),
        ('name.givenName pr', {BJENSEN, OMALLEY}),
        ('addresses pr', {CAROL}),
        ('addresses.locality pr', {CAROL}),
        ('schemas pr', ALL),
        (f'schemas eq "{CORE}"', ALL),
        (f'schemas ne "{ENTERPRISE}"', {OMALLEY, WEIRD, DAVE}),
    ])
    def test_null_and_presence(self, filter_string, expected):
        assert ids("User", filter_string) == expected


class TestMultiValued:
    @pytest.mark.parametrize("filter_string, expected", [
        ('emails[type eq "work"].value eq "bjensen@example.com"', {BJENSEN}),  # Entra ID
        ('emails[type eq "home"].value eq "bjensen@example.com"', set()),  # one entry must match both
        ('emails[type eq "work"].value pr', {BJENSEN, OMALLEY, ALICE, DAVE}),
        ('emails[not (type eq "work")]', {BJENSEN, WEIRD, ALICE}),
        ('emails[type eq "home" or value ew "foo.com"]', {BJENSEN, ALICE, DAVE}),
        ('emails[type eq "work" and primary eq true]', {BJENSEN, ALICE}),
        ('emails.type ne "work"', {WEIRD, CAROL}),  # as scim2-models: no entry is equal
        ('not (emails.type eq "work")', {WEIRD, CAROL}),
        ('addresses[locality eq "hollywood" and primary eq true]', {CAROL}),
        ('urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "other"]', {WEIRD}),
        ('groups eq "g1-tour"', {BJENSEN, OMALLEY}),
        ('groups.display eq "TOUR GUIDES"', {BJENSEN, OMALLEY}),
        ('groups[display sw "emp"]', {ALICE, CAROL}),
        ('groups.type eq "direct"', {BJENSEN, OMALLEY, ALICE, CAROL}),
        ('not (groups pr)', {WEIRD, DAVE}),
    ])
    def test_entries(self, filter_string, expected):
        assert ids("User", filter_string) == expected

    def test_a_value_path_is_one_correlated_exists(self):
        sql, _ = User.select(User.id).where(where("User", 'emails[type eq "work" and value co "@"]')).sql()
        assert sql.count("EXISTS") == 1 and "JOIN" not in sql


class TestEnterprise:
    @pytest.mark.parametrize("filter_string, expected", [
        ('employeeNumber eq "701984"', {BJENSEN}),
        (f'{ENTERPRISE}:employeeNumber eq "701984"', {BJENSEN}),
        (f'{ENTERPRISE}:manager.value eq "ALICE-ID"', {CAROL}),
        (f'{ENTERPRISE}:manager.value eq "alice-id"', set()),  # ids are case-exact
        ('manager.value pr', {BJENSEN, CAROL}),
        ('manager pr', {BJENSEN, CAROL}),
        ('manager.displayName co "o\'malley"', set()),  # the server derives no manager name
        ('manager.displayName pr', set()),
        ('organization eq "universal studios"', {ALICE}),
    ])
    def test_enterprise(self, filter_string, expected):
        assert ids("User", filter_string) == expected


class TestGroups:
    @pytest.mark.parametrize("filter_string, expected", [
        ('displayName eq "employees"', {EMPLOYEES}),
        ('displayName co "100%"', {EMPTY}),
        ('displayName sw "1_0"', set()),
        ('externalId eq "TG-1"', {TOUR}),
        ('externalId eq "tg-1"', set()),
        (f'members[value eq "{BJENSEN}"]', {TOUR}),
        (f'members eq "{ALICE}"', {EMPLOYEES}),
        ('members.value eq "ALICE-ID"', {EMPLOYEES}),
        ('members.value eq "alice-id"', set()),  # ids are case-exact
        ('members.type eq "group"', {EMPLOYEES}),
        ('members.display eq "alice"', {EMPLOYEES}),
        ('members.display eq "tour guides"', {EMPLOYEES}),
        ('members.display co "jensen"', {TOUR}),
        ('members pr', {TOUR, EMPLOYEES}),
        ('not (members pr)', {EMPTY}),
        ('meta.resourceType eq "Group"', {TOUR, EMPLOYEES, EMPTY}),
        ('schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', {TOUR, EMPLOYEES, EMPTY}),
    ])
    def test_groups(self, filter_string, expected):
        assert ids("Group", filter_string) == expected


INVALID = [
    'nickname2 eq "x"', 'name.nickname eq "x"', 'title.value eq "x"', 'password eq "x"', 'password pr',
    'active gt true', 'active co "t"', 'active eq "yes"', 'active eq 1', 'userName eq 1', 'userName eq true',
    'userName gt null', 'userName co null', 'meta.lastModified gt "yesterday"', 'meta.lastModified co "2011"',
    'meta.lastModified eq 2011', 'meta.location eq "x"', 'meta.version eq "three"', 'meta.version eq 3',
    'name eq "x"', 'manager eq "x"', 'addresses eq "x"', 'title[value eq "x"]', 'name[givenName eq "x"]',
    'schemas[value eq "x"]', 'emails[unknown eq "x"]', 'emails[value.x eq "y"]', 'emails[emails.value eq "y"]',
    'groups.$ref eq "x"', 'x509Certificates.value gt "a"', 'x509Certificates co "a"',
    'urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber eq "1"',
    'urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"', 'urn:example:foo:userName eq "x"',
    'userName eq "a\\u0000b"', 'userName eq "\\ud800"',
    '', '   ', 'userName eq', 'userName bogus "x"', '(userName eq "x"', 'userName eq "x")', 'and',
    'userName eq "unterminated', 'emails[type eq "work"', 'not userName eq "x"', 'userName eq "x" or',
    'userName eq x', 'userName pr pr',
]


class TestInvalid:
    @pytest.mark.parametrize("filter_string", INVALID)
    def test_rejected(self, filter_string):
        with pytest.raises(errors.InvalidFilter) as caught:
            where("User", filter_string)
        assert caught.value.scim_type == "invalidFilter" and caught.value.detail

    @pytest.mark.parametrize("filter_string", [
        'userName eq "x"', 'members.$ref eq "x"', 'displayName gt 5', 'emails pr', 'members[display.x eq "a"]',
        'members.display gt 1', 'groups pr'])
    def test_rejected_for_groups(self, filter_string):
        with pytest.raises(errors.InvalidFilter):
            where("Group", filter_string)

    def test_too_long(self):
        text = 'userName eq "' + "x" * 100 + '"'
        assert where("User", text, max_length=len(text)) is not None
        with pytest.raises(errors.InvalidFilter, match="longer"):
            where("User", text, max_length=len(text) - 1)

    def test_details_name_the_attribute(self):
        with pytest.raises(errors.InvalidFilter, match="nickname2"):
            where("User", 'nickname2 eq "x"')


class TestOrderBy:
    def test_case_insensitive_with_missing_values_last(self):
        assert sorted_ids("User", "displayName") == [BJENSEN, CAROL, DAVE, OMALLEY, WEIRD, ALICE]
        assert sorted_ids("User", "displayName", True) == [ALICE, WEIRD, OMALLEY, DAVE, CAROL, BJENSEN]

    def test_user_name_and_dates(self):
        assert sorted_ids("User", "userName") == [WEIRD, ALICE, BJENSEN, CAROL, DAVE, OMALLEY]
        assert sorted_ids("User", "meta.lastModified") == [ALICE, BJENSEN, OMALLEY, CAROL, WEIRD, DAVE]

    def test_missing_values_tie_on_the_primary_key(self):
        ordered = sorted_ids("User", "title")
        assert ordered[:4] == [WEIRD, DAVE, ALICE, BJENSEN]
        assert ordered[4:] == sorted([OMALLEY, CAROL])

    def test_multi_valued_sorts_by_primary_else_first(self):
        expected = [ALICE, BJENSEN, DAVE, OMALLEY, WEIRD, CAROL]
        assert sorted_ids("User", "emails") == expected
        assert sorted_ids("User", "urn:ietf:params:scim:schemas:core:2.0:User:emails.value") == expected

    def test_groups(self):
        assert sorted_ids("Group", "displayName") == [EMPLOYEES, EMPTY, TOUR]
        assert sorted_ids("Group", "displayName", True) == [TOUR, EMPTY, EMPLOYEES]

    def test_filter_sort_and_count_compose(self):
        query = User.select().where(where("User", 'emails co "example"'))
        assert query.count() == 5
        assert [row.id for row in query.order_by(*order_by("User", "userName", False))] == [
            WEIRD, ALICE, BJENSEN, DAVE, OMALLEY]

    @pytest.mark.parametrize("sort_by", [
        "unknown", "password", "name", "addresses", "schemas", "meta.location", 'emails[type eq "work"]',
        "", "userName eq", 'userName eq "x"'])
    def test_unknown_sort_by(self, sort_by):
        with pytest.raises(errors.InvalidValue, match="sort"):
            order_by("User", sort_by, False)


# A reference evaluator: the filters the property test generates, evaluated in Python on USERS.

class Invalid(Exception):
    """The reference evaluator's verdict that the compiler must refuse the filter."""


KINDS = {"userName": "ci", "displayName": "ci", "title": "ci", "userType": "ci", "externalId": "ce",
         "active": "bool", "name.familyName": "ci", "meta.lastModified": "date", "employeeNumber": "ci",
         "manager.displayName": "ci", "value": "ci", "type": "ci", "primary": "bool", "display": "ci"}
MULTI = {"emails": ("emails", "value"), "emails.value": ("emails", "value"), "emails.type": ("emails", "type"),
         "emails.primary": ("emails", "primary"), "ims": ("ims", "value"), "ims.type": ("ims", "type"),
         "groups.display": ("groups", "display")}
VALUES = ["bjensen", "BJENSEN", "J", "j", "example.com", "@example.com", "Employee", "employee", "Intern",
          "", "%", "_", "\\", "O'Malley", "*", "?", "[G]", "A%B", "work", "WORK", "xmpp", "z", "a", "m",
          "Tour", "100%", "Babs Jensen", "tour guides", "alice", "foo.com", True, False, None, 1,
          "true", "False", "2011-05-13T04:42:34Z", "2011-05-13T06:42:34.0004+02:00", "2011-05-13", "soon"]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"]
OPERATIONS = {"eq": operator.eq, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le,
              "co": lambda actual, value: value in actual, "sw": str.startswith, "ew": str.endswith}


def reference_document(user_id):
    """The user as a client sees it, flattened to the paths the property test uses."""
    spec = USERS[user_id]
    shown = spec["last_modified"].replace(microsecond=spec["last_modified"].microsecond // 1000 * 1000)
    doc = {"userName": spec["user_name"], "displayName": spec.get("display_name"), "title": spec.get("title"),
           "userType": spec.get("user_type"), "externalId": spec.get("external_id"), "active": spec["active"],
           "name.familyName": spec.get("name_family"), "meta.lastModified": shown,
           "employeeNumber": spec.get("employee_number"),
           "manager.displayName": None}
    for attribute in ("emails", "ims"):
        doc[attribute] = [{"value": value, "type": kind, "primary": primary}
                          for name, value, kind, primary, *_ in spec["values"] if name == attribute]
    doc["groups"] = [{"display": group["display_name"]} for group in GROUPS.values()
                     if (user_id, "User") in group["members"]]
    return doc


def check(kind, op, value):
    """Raise Invalid where the compiler must answer invalidFilter."""
    if op == "pr":
        return
    if value is None:
        if op not in ("eq", "ne"):
            raise Invalid
    elif kind == "bool":
        text = isinstance(value, str) and value.lower() in ("true", "false")
        if op not in ("eq", "ne") or not (isinstance(value, bool) or text):
            raise Invalid
    elif kind == "date":
        if op in ("co", "sw", "ew") or not isinstance(value, str):
            raise Invalid
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise Invalid from None
    elif not isinstance(value, str):
        raise Invalid


def present(actual):
    return actual is not None and actual != ""


def compare(kind, actual, op, value):
    """One comparison on a singular value, as RFC 7644 §3.4.2.2 and our decisions define it."""
    if op == "pr":
        return present(actual)
    if value is None:
        return present(actual) == (op == "ne")
    if op == "ne":
        return not compare(kind, actual, "eq", value)
    if actual is None:
        return False
    if kind == "bool":
        return actual == (value if isinstance(value, bool) else value.lower() == "true")
    if kind == "date":
        value = datetime.fromisoformat(value)
        if value.tzinfo:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
    elif kind == "ci":
        actual, value = actual.lower(), value.lower()
    return OPERATIONS[op](actual, value)


def evaluate(node, doc):
    """The reference meaning of a generated filter tree on one flattened document."""
    tag = node[0]
    if tag == "and":
        return evaluate(node[1], doc) and evaluate(node[2], doc)
    if tag == "or":
        return evaluate(node[1], doc) or evaluate(node[2], doc)
    if tag == "not":
        return not evaluate(node[1], doc)
    if tag == "path":
        return any(evaluate(node[2], entry) for entry in doc[node[1]])
    _, path, op, value = node
    if path not in MULTI:
        return compare(KINDS[path], doc[path], op, value)
    attribute, sub = MULTI[path]
    actuals = [entry.get(sub) for entry in doc[attribute]]
    if op == "pr" and "." not in path:
        return bool(actuals)
    if op == "pr" or value is None:
        return any(present(actual) for actual in actuals) == (op != "eq")
    if op == "ne":
        return not any(compare(KINDS[sub], actual, "eq", value) for actual in actuals)
    return any(compare(KINDS[sub], actual, op, value) for actual in actuals)


def validate(node):
    if node[0] in ("and", "or"):
        validate(node[1]), validate(node[2])
    elif node[0] == "not":
        validate(node[1])
    elif node[0] == "path":
        validate(node[2])
    else:
        _, path, op, value = node
        check(KINDS[MULTI[path][1]] if path in MULTI else KINDS[path], op, value)


def render(node, casing):
    """Filter text for a tree; casing varies the case of names and operators."""
    tag = node[0]
    if tag in ("and", "or"):
        return f"({render(node[1], casing)}) {casing(tag)} ({render(node[2], casing)})"
    if tag == "not":
        return f"{casing('not')} ({render(node[1], casing)})"
    if tag == "path":
        return f"{node[1]}[{render(node[2], casing)}]"
    _, path, op, value = node
    if op == "pr":
        return f"{casing(path)} {casing(op)}"
    return f"{casing(path)} {casing(op)} {json.dumps(value)}"


def _leaves(paths):
    return st.tuples(st.just("leaf"), st.sampled_from(paths), st.sampled_from(OPERATORS),
                     st.sampled_from(VALUES))


def _tree(leaves):
    return st.recursive(leaves, lambda children: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), children, children),
        st.tuples(st.just("not"), children)), max_leaves=4)


def _filters():
    entry = _tree(_leaves(["value", "type", "primary"]))
    top = st.one_of(_leaves(sorted(set(KINDS) - {"value", "type", "primary", "display"}) + sorted(MULTI)),
                    st.tuples(st.just("path"), st.sampled_from(["emails", "ims"]), entry))
    return _tree(top)


CASINGS = [str, str.upper, str.lower]


class TestAgainstReference:
    @settings(max_examples=200, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(tree=_filters(), casing=st.sampled_from(CASINGS))
    def test_sql_matches_the_reference_evaluator(self, tree, casing):
        text = render(tree, casing)
        try:
            validate(tree)
        except Invalid:
            with pytest.raises(errors.InvalidFilter):
                where("User", text)
            return
        docs = {user_id: reference_document(user_id) for user_id in USERS}
        expected = {user_id for user_id, doc in docs.items() if evaluate(tree, doc)}
        assert ids("User", text) == expected, text

    @settings(max_examples=200, database=None, deadline=None)
    @given(text=st.text(max_size=120))
    def test_any_text_is_compiled_or_refused(self, text):
        _compiled_or_refused(text)

    @settings(max_examples=200, database=None, deadline=None)
    @given(words=st.lists(st.sampled_from([
        "userName", "emails", "emails.value", "name", "meta.version", "members", "active", "groups.display",
        "urn:ietf:params:scim:schemas:core:2.0:User:title", "eq", "ne", "co", "gt", "pr", "and", "or",
        "not", "(", ")", "[", "]", ".value", '"x"', '"%_\\\\"', "true", "null", "1", '"2011-05-13"']),
        max_size=10))
    def test_token_soup_is_compiled_or_refused(self, words):
        _compiled_or_refused(" ".join(words))


def _compiled_or_refused(text):
    """where() refuses with a ScimError, or its expression runs."""
    for resource_type, model in (("User", User), ("Group", Group)):
        try:
            expression = where(resource_type, text)
        except errors.ScimError:
            continue
        model.select(model.id).where(expression).count()
