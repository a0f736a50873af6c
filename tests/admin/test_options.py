"""The Setup Provisioning Options page: every option, the group mapping editor, validation and live previews."""

import re
import time
from html import unescape
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from blueprints.admin.options import PAGE_HELP
from models import Directory, db
from rules.options import HELP
from store.tenancy import apps
from store.trail import audit

ADMIN = "/plugins/servlet/usersync/admin"


@pytest.fixture
def oracle(app):
    """An Oracle app mapping Engineering to two host groups; its options page URL."""
    with db.connection_context():
        record, _ = apps.create("Oracle IDCS", "oracle")
        apps.map_group("Oracle IDCS", "Engineering", ["jira-developers", "confluence-users"])
    return f"{ADMIN}/apps/{record.id}/options"


def saved(name="Oracle IDCS"):
    """The app's stored options (a fresh read) and its directory name."""
    with db.connection_context():
        shown = apps.show(name)
    return shown["options"], shown["directory"]


class FormReader(HTMLParser):
    """What a browser would submit from #options-form (without a submit button), and the mapping row count."""

    def __init__(self):
        super().__init__()
        self.data, self.rows, self._select, self._in_form, self._in_template = {}, 0, None, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "options-form":
            self._in_form = True
        elif tag == "template":
            self._in_template = True
        if not self._in_form or self._in_template:
            return
        if tag == "tr" and attrs.get("class") == "mapping-row":
            self.rows += 1
        elif tag == "input" and attrs.get("type") == "checkbox":
            if "checked" in attrs:
                self.data[attrs["name"]] = attrs["value"]
        elif tag == "input":
            self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and (self._select not in self.data or "selected" in attrs):
            self.data[self._select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "template":
            self._in_template = False
        elif tag == "form":
            self._in_form = False


def read_form(response):
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    reader.data.pop("csrf_token", None)
    return reader


def submit(admin, url, **changes):
    """The page's form as a browser submits it, with changes (None: a checkbox left unticked)."""
    data = read_form(admin.get(url)).data
    data.update(changes)
    return admin.post(url, data={key: value for key, value in data.items() if value is not None})


def field_error(html, field):
    """The message beside a field, checking the control points at it and says it is invalid."""
    control = re.search(rf'<(?:input|select)[^>]*id="{re.escape(field)}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in control and f"{field}-error" in control, control
    return unescape(re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', html).group(1))


def page_text(response):
    return unescape(response.get_data(as_text=True))


def test_page_shows_every_option_with_its_help(admin, oracle):
    response = admin.get(oracle)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert set(PAGE_HELP) == set(HELP)
    for key, text in PAGE_HELP.items():
        assert f'id="{key}"' in html, key
        assert str(escape(text)) in html, key
    for legend in ("Directory", "Users", "Groups", "Manual Group Mapping", "Traffic log"):
        assert f"<legend>{legend}</legend>" in html
    form = read_form(response)
    assert form.data["mapping-0-idp"] == "Engineering"
    assert form.data["mapping-0-host"] == "jira-developers, confluence-users"
    assert form.rows == 3  # the saved mapping and two blank rows
    assert "<script>" not in html and "style=" not in html and "js/options.js" in html
    script = admin.get("/static/js/options.js")
    assert script.status_code == 200 and "X-CSRF-Token" in script.get_data(as_text=True)
    script.close()


def test_page_needs_sign_in_and_an_app(app, admin, oracle):
    response = app.test_client().get(oracle)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert admin.get(f"{ADMIN}/apps/999/options").status_code == 404


def test_saving_the_page_unchanged_changes_nothing(admin, oracle):
    before = saved()
    response = submit(admin, oracle)
    assert response.status_code == 302 and response.headers["Location"].endswith(oracle)
    assert "Saved. Nothing changed." in admin.get(oracle).get_data(as_text=True)
    assert saved() == before


def test_saving_each_kind_of_option(admin, oracle):
    response = submit(admin, oracle, import_users=None, traffic_log="on", on_delete="delete",
                      unmapped_groups="ignore", default_groups_for="all", username_regex="(.*)@.*",
                      username_replacement="$1", group_include="^jira-",
                      default_groups=" confluence-users, jira-users,,confluence-users ",
                      **{"mapping-1-idp": "Sales", "mapping-1-host": "jira-sales"})
    assert response.status_code == 302 and response.headers["Location"].endswith(oracle)
    options, _ = saved()
    assert options["import_users"] is False and options["traffic_log"] is True
    assert options["on_delete"] == "delete" and options["unmapped_groups"] == "ignore"
    assert options["default_groups_for"] == "all"
    assert options["username_regex"] == "(.*)@.*" and options["username_replacement"] == "$1"
    assert options["group_include"] == "^jira-"
    assert options["default_groups"] == ["confluence-users", "jira-users"]
    assert options["group_mapping"] == {"Engineering": ["jira-developers", "confluence-users"], "Sales": ["jira-sales"]}
    page = admin.get(oracle)
    flashed = page_text(page)
    assert "Saved. Changed: import_users (on → off)" in flashed and "on_delete ('deactivate' → 'delete')" in flashed
    assert "group_mapping" in flashed and "default_groups" in flashed
    form = read_form(page).data  # the page shows what is saved
    assert "import_users" not in form and form["traffic_log"] == "on" and form["default_groups_for"] == "all"
    assert form["default_groups"] == "confluence-users, jira-users" and form["mapping-1-idp"] == "Sales"
    with db.connection_context():
        reasons = [event.reason for event in audit.query(app="Oracle IDCS", operation="settings")]
    assert "on_delete changed from 'deactivate' to 'delete'" in reasons
    assert len(reasons) == 1 + 10  # the fixture's mapping, then one event per changed option


INVALID_FIELDS = [
    ({"username_regex": "(.*@"}, "username_regex", "Invalid regular expression"),
    ({"username_regex": "(.*)@.*", "username_replacement": "$2"}, "username_replacement",
     "uses $2 but the pattern has 1 group(s)"),
    ({"group_exclude": "[abc"}, "group_exclude", "Invalid regular expression"),
    ({"directory": "No Such Directory"}, "directory", "No directory named 'No Such Directory'"),
    ({"new_directory": "D" * 256}, "new_directory", "1 to 255 characters"),
    ({"on_delete": "shred"}, "on_delete", "Must be one of"),
    ({"default_groups": "a, " + "x" * 256}, "default_groups", "item 2"),
]


def test_an_invalid_field_is_refused_beside_it_and_nothing_is_saved(admin, oracle):
    before = saved()
    for changes, field, message in INVALID_FIELDS:
        typed = {"on_delete": "delete", "traffic_log": "on", "mapping-1-idp": "Sales", "mapping-1-host": "jira-sales",
                 **changes}
        response = submit(admin, oracle, **typed)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, changes
        assert message in field_error(html, field), changes
        assert "Nothing was saved" in html and f'href="#{field}"' in html, changes
        kept = read_form(response).data
        assert {key: kept.get(key) for key in typed} == typed, changes  # every typed value is shown again
        assert saved() == before, changes


def test_creating_a_directory(admin, oracle):
    response = submit(admin, oracle, new_directory="Jira Internal Directory", on_delete="delete")
    assert response.status_code == 302
    options, directory = saved()
    assert directory == "Jira Internal Directory" and options["on_delete"] == "delete"
    assert "Created the directory 'Jira Internal Directory'" in page_text(admin.get(oracle))
    assert read_form(admin.get(oracle)).data["directory"] == "Jira Internal Directory"


def test_choosing_another_directory(admin, oracle):
    with db.connection_context():
        Directory.create(name="JIRA Users", position=5)
    assert submit(admin, oracle, directory="JIRA Users").status_code == 302
    assert saved()[1] == "JIRA Users"


def test_a_new_directory_with_an_invalid_option_creates_nothing(admin, oracle):
    response = submit(admin, oracle, new_directory="Jira Internal Directory", group_include="(")
    assert response.status_code == 400 and "Invalid regular expression" in field_error(
        response.get_data(as_text=True), "group_include")
    assert read_form(response).data["new_directory"] == "Jira Internal Directory"
    with db.connection_context():
        assert Directory.get_or_none(Directory.name == "Jira Internal Directory") is None


def test_add_row_without_javascript_keeps_what_was_typed_and_saves_nothing(admin, oracle):
    before = saved()
    response = submit(admin, oracle, action="add-row", on_delete="delete",
                      **{"mapping-1-idp": "Sales", "mapping-1-host": "jira-sales"})
    assert response.status_code == 200 and "Not saved yet" in response.get_data(as_text=True)
    form = read_form(response)
    assert form.rows == 4 and form.data["mapping-3-idp"] == "" and form.data["on_delete"] == "delete"
    assert form.data["mapping-1-idp"] == "Sales"
    assert 'id="mapping-3-idp"' in response.get_data(as_text=True).split("autofocus")[0][-600:]
    assert saved() == before


def test_remove_button_without_javascript_drops_the_row_unsaved(admin, oracle):
    response = submit(admin, oracle, remove_row="0")
    form = read_form(response)
    assert form.rows == 2 and form.data["mapping-0-idp"] == ""
    assert saved()[0]["group_mapping"] == {"Engineering": ["jira-developers", "confluence-users"]}
    assert admin.post(oracle, data=form.data).status_code == 302
    assert saved()[0]["group_mapping"] == {}


def test_a_cleared_row_is_removed_on_save(admin, oracle):
    submit(admin, oracle, **{"mapping-0-idp": "", "mapping-0-host": "", "mapping-2-idp": "Sales",
                             "mapping-2-host": "jira-sales, jira-sales , confluence-users"})
    assert saved()[0]["group_mapping"] == {"Sales": ["jira-sales", "confluence-users"]}


def test_rows_added_by_javascript_are_read_whatever_their_numbers(admin, oracle):
    form = read_form(admin.get(oracle)).data
    form.update({"mapping-7-idp": "Marketing", "mapping-7-host": "confluence-marketing", "mapping-12-idp": "Ops",
                 "mapping-12-host": "jira-ops"})
    del form["mapping-1-idp"], form["mapping-1-host"]  # a row removed in the page
    assert admin.post(oracle, data=form).status_code == 302
    assert saved()[0]["group_mapping"] == {"Engineering": ["jira-developers", "confluence-users"],
                                          "Marketing": ["confluence-marketing"], "Ops": ["jira-ops"]}


INVALID_ROWS = [
    ({"mapping-1-idp": "Sales"}, "mapping-1-host", "Name at least one host group for 'Sales'"),
    ({"mapping-1-host": "jira-sales"}, "mapping-1-idp", "Name the IdP group"),
    ({"mapping-1-idp": "ENGINEERING", "mapping-1-host": "x"}, "mapping-1-idp", "in row 1 already"),
    ({"mapping-1-idp": "Sales", "mapping-1-host": "ok, " + "y" * 256}, "mapping-1-host", "item 2"),
    ({"mapping-1-idp": "S" * 256, "mapping-1-host": "ok"}, "mapping-1-idp", "Length must be between 1 and 255"),
]


def test_an_invalid_mapping_row_is_refused_beside_it(admin, oracle):
    before = saved()
    for row, field, message in INVALID_ROWS:
        response = submit(admin, oracle, on_delete="delete", **row)
        assert response.status_code == 400, row
        assert message in field_error(response.get_data(as_text=True), field), row
        kept = read_form(response)
        assert kept.rows == 3 and all(kept.data[key] == value for key, value in row.items()), row
        assert saved() == before, row


def test_preview_button_without_javascript(admin, oracle):
    before = saved()
    response = submit(admin, oracle, action="preview-username", username_regex="(.*)@.*", username_replacement="$1",
                      username_sample="demouser@gmail.com")
    assert response.status_code == 200 and "Host username: 'demouser'." in page_text(response)
    assert read_form(response).data["username_regex"] == "(.*)@.*"
    response = submit(admin, oracle, action="preview-group", group_sample="engineering")
    assert "Imported as host group(s) jira-developers, confluence-users (mapped)." in response.get_data(as_text=True)
    assert saved() == before


def preview(admin, url, kind, sample, **options):
    admin.get(url)  # the page's CSRF token, as options.js reads it
    response = admin.client.post(url + "/preview", json={"preview": kind, "sample": sample, "options": options},
                                 headers={"X-CSRF-Token": admin.token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


USERNAME_CASES = [
    ({"username_regex": "(.*)@.*", "username_replacement": "$1"}, "demouser@gmail.com", "rewritten",
     "Host username: 'demouser'."),
    ({"username_regex": "(.*)0(.*)", "username_replacement": "$1$2"}, "demo0user", "rewritten", "'demouser'"),
    ({"username_regex": "(.*)@.*", "username_replacement": "$1"}, "bjensen", "unchanged", "No change"),
    ({"username_regex": "", "username_replacement": ""}, "bjensen", "unchanged", "no username pattern is set"),
    ({"username_regex": "(.*", "username_replacement": ""}, "bjensen", "invalid", "Invalid regular expression"),
    ({"username_regex": "(.*)", "username_replacement": "$2"}, "bjensen", "invalid", "uses $2"),
    ({"username_regex": ".*", "username_replacement": ""}, "bjensen", "unusable", "not a usable username"),
    ({}, "", "empty", "Type an IdP userName"),
]


def test_username_preview(admin, oracle):
    before = saved()
    for options, sample, outcome, message in USERNAME_CASES:
        result = preview(admin, oracle, "username", sample, **options)
        assert result["outcome"] == outcome and message in result["message"], (options, sample, result)
    started = time.monotonic()
    result = preview(admin, oracle, "username", "a" * 39 + "!", username_regex="(a|aa)+$", username_replacement="x")
    assert time.monotonic() - started < 2
    assert result["outcome"] == "timeout" and "Timed out" in result["message"]
    assert saved() == before


GROUP_CASES = [
    ({}, "engineering", "imported", "Imported as host group(s) jira-developers, confluence-users (mapped)."),
    ({}, "Sales", "imported", "Imported as host group(s) Sales (not in the mapping"),
    ({"group_mapping": {"Sales": ["jira-sales"]}}, "Sales", "imported", "host group(s) jira-sales (mapped)"),
    ({"group_include": "^jira-"}, "Sales", "filtered", "Filtered out: it does not match group_include '^jira-'"),
    ({"group_exclude": "-admins$"}, "jira-admins", "filtered", "Filtered out: it matches group_exclude"),
    ({"unmapped_groups": "ignore"}, "Sales", "ignored", "Ignored: not mapped"),
    ({"import_groups": False}, "Engineering", "ignored", "Ignored: group import is off"),
    ({"group_include": "(a|aa)+$"}, "a" * 39 + "!", "timeout", "Timed out: group_include"),
    ({"group_exclude": "["}, "Sales", "invalid", "group_exclude: Invalid regular expression"),
    ({}, "x" * 1025, "invalid", "at most 1024 characters"),
    ({}, "", "empty", "Type an IdP group name"),
]


def test_group_preview(admin, oracle):
    before = saved()
    for options, sample, outcome, message in GROUP_CASES:
        result = preview(admin, oracle, "group", sample, **options)
        assert result["outcome"] == outcome and message in result["message"], (options, sample, result)
    assert saved() == before


def test_preview_refuses_a_malformed_body(admin, oracle):
    admin.get(oracle)
    for body in ({"preview": "password", "sample": "x"}, {"preview": "group", "sample": 3}, ["group"]):
        response = admin.client.post(oracle + "/preview", json=body, headers={"X-CSRF-Token": admin.token})
        assert response.status_code == 400 and response.get_json()["outcome"] == "invalid"


def test_preview_needs_the_csrf_header_and_a_session(app, admin, oracle):
    body = {"preview": "username", "sample": "a@b", "options": {}}
    admin.get(oracle)
    assert admin.client.post(oracle + "/preview", json=body).status_code == 400
    assert admin.client.post(oracle + "/preview", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 400
    response = app.test_client().post(oracle + "/preview", json=body, headers={"X-CSRF-Token": admin.token})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
