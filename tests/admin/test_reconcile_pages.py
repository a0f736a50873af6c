"""What the options page says saving does to the users already provisioned, Save with "Also apply", and the
Re-apply options page: planned and applied by the reconcile engine, through the pages as a browser posts them."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from models import db
from store.tenancy import apps
from tests.api.provisioning import host_groups

from .pages import ADMIN, GROUP, found, provision, text

MAPPING = {"mapping-0-idp": "acme-group-01", "mapping-0-host": "jira-developers"}


@pytest.fixture
def people(scim):
    """The ids of three users the IdP pushed in acme-group-01 before any mapping."""
    ids = [provision(scim, f"acme.user{n:02}@example.com") for n in range(3)]
    response = scim.post("/Groups", json={"schemas": [GROUP], "displayName": "acme-group-01",
                                          "members": [{"value": person} for person in ids]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return ids


@pytest.fixture
def acme(people, idp_app):
    """The options page URL of the app that pushed people."""
    return f"{ADMIN}/apps/{idp_app[0].id}/options"


class FormReader(HTMLParser):
    """What a browser submits from #options-form: enabled fields only, ticked checkboxes, selected options."""

    def __init__(self):
        super().__init__()
        self.data, self.disabled, self._select, self._in_form, self._in_template = {}, set(), None, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "options-form":
            self._in_form = True
        self._in_template = self._in_template or tag == "template"
        if not self._in_form or self._in_template or "name" not in attrs and tag != "option":
            return
        if "disabled" in attrs:
            self.disabled.add(attrs["name"])
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
        self._select = None if tag == "select" else self._select
        self._in_template = self._in_template and tag != "template"
        self._in_form = self._in_form and tag != "form"


def read_form(response):
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    reader.data.pop("csrf_token", None)
    return reader


def post_form(admin, url, action="save", **changes):
    """The page's form as a browser submits it with this button, with changes (None: a checkbox unticked)."""
    data = {**read_form(admin.get(url)).data, **changes, "action": action}
    return admin.post(url, data={key: value for key, value in data.items() if value is not None})


def effect_line(response):
    return found(r'id="effect-line">(.*?)</p>', response)


def apply_box(response):
    """The "Also apply" checkbox: (shown ticked, disabled)."""
    box = re.search(r'<input type="checkbox" id="apply"[^>]*>', response.get_data(as_text=True), re.DOTALL).group(0)
    return "checked" in box, "disabled" in box


def listed(response, table):
    """[(subject, change, before, after, why)] of a details table."""
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody>(.*?)</tbody>', response.get_data(as_text=True), re.DOTALL)
    assert body, f"no table {table}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.DOTALL)
    return [tuple(" ".join(unescape(re.sub(r"<[^>]+>", "", cell)).split())
                  for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)) for row in rows]


def saved_mapping(idp_app):
    with db.connection_context():
        return apps.options_of(apps.found(idp_app[0].id)).group_mapping


def test_the_page_says_the_saved_options_leave_nothing_to_apply(admin, acme):
    response = admin.get(acme)
    assert effect_line(response) == "All 3 users already provisioned follow the saved options: nothing to apply."
    assert apply_box(response) == (False, True)  # unticked and disabled
    assert 'id="effect-details"' not in response.get_data(as_text=True)


def test_preview_effect_shows_what_saving_a_mapping_does_and_saves_nothing(admin, acme, idp_app):
    response = post_form(admin, acme, "preview-effect", **MAPPING)
    assert response.status_code == 200
    assert effect_line(response) == ("Saving changes 3 users already provisioned: 3 join jira-developers, "
                                     "3 leave acme-group-01, 1 host group created.")
    assert apply_box(response) == (True, False)  # ticked: there is something to apply
    assert "Details: 7 changes" in text(response) and "Not saved yet" in text(response)
    changes = listed(response, "effect-changes")
    assert ("jira-developers", "host group created", "—", "jira-developers", "a host group the options give") in changes
    assert ("acme.user00@example.com", "joins", "—", "jira-developers", "IdP group 'acme-group-01'") in changes
    assert ("acme.user02@example.com", "leaves", "acme-group-01", "—", "no longer given by the IdP") in changes
    assert saved_mapping(idp_app) == {}  # nothing saved
    assert read_form(response).data["mapping-0-idp"] == "acme-group-01"  # the form comes back as typed


def test_the_json_summary_follows_the_form_as_typed(admin, acme):
    page = admin.get(acme)
    url = re.search(r'data-effect-url="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert url == acme + "/effect"
    form = {**read_form(page).data, **MAPPING}
    response = admin.client.post(url, data=form, headers={"X-CSRF-Token": admin.token})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["apply"] is True and body["users"] == 3
    assert body["counts"]["joins"] == {"jira-developers": 3} and body["counts"]["groups_created"] == 1
    assert body["summary"].startswith("Saving changes 3 users already provisioned: 3 join jira-developers")
    assert 'id="effect-line"' in body["html"] and "acme.user01@example.com" in body["html"]
    assert {change["kind"] for change in body["changes"]} == {"create-group", "join", "leave"}

    unchanged = admin.client.post(url, data=read_form(page).data, headers={"X-CSRF-Token": admin.token})
    assert unchanged.get_json()["apply"] is False
    invalid = admin.client.post(url, data={**form, "group_include": "("}, headers={"X-CSRF-Token": admin.token})
    assert invalid.status_code == 200 and invalid.get_json()["apply"] is False
    assert invalid.get_json()["summary"].startswith("Saving would be refused (Import Only Groups Matching:")


def test_the_json_summary_refuses_what_is_not_the_form(admin, acme, app):
    url = acme + "/effect"
    as_json = admin.client.post(url, json={"group_mapping": {}}, headers={"X-CSRF-Token": admin.token})
    assert as_json.status_code == 400 and "form-encoded" in as_json.get_json()["message"]
    assert admin.client.post(url, data={"directory": "x"}).status_code in (400, 403)  # no CSRF token
    assert admin.client.post(f"{ADMIN}/apps/999/options/effect", data={"directory": "x"},
                             headers={"X-CSRF-Token": admin.token}).status_code == 404
    anonymous = app.test_client().post(url, data={"directory": "x"})
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_save_with_apply_ticked_applies_to_the_users_already_provisioned(admin, acme, idp_app, people):
    preview = post_form(admin, acme, "preview-effect", **MAPPING)
    data = {**read_form(preview).data, "action": "save"}
    assert data["apply"] == "on" and data["apply_offered"] == "on"
    response = admin.post(acme, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.get(acme)
    shown = text(page)
    assert "Saved. Changed: group_mapping." in shown
    assert ("Applied to 3 users already provisioned: 3 join jira-developers, 3 leave acme-group-01, "
            "1 host group created.") in shown
    link = unescape(re.search(r'<a href="([^"]+)" id="reconcile-activity">', page.get_data(as_text=True)).group(1))
    assert "operation=reconcile" in link and f"app={idp_app[0].name.replace(' ', '+')}" in link
    assert saved_mapping(idp_app) == {"acme-group-01": ["jira-developers"]}
    assert all(host_groups(person) == ["jira-developers"] for person in people)
    assert effect_line(page) == "All 3 users already provisioned follow the saved options: nothing to apply."
    assert "reconciled 3 user(s) in 1 batch(es)" in text(admin.get(link))


def test_save_without_apply_leaves_the_users_and_says_they_do_not_follow_yet(admin, acme, idp_app, people):
    preview = post_form(admin, acme, "preview-effect", **MAPPING)
    data = {**read_form(preview).data, "action": "save"}
    data.pop("apply")
    response = admin.post(acme, data=data)
    assert response.status_code == 302
    page = admin.get(acme)
    assert "Applied to" not in text(page) and saved_mapping(idp_app) == {"acme-group-01": ["jira-developers"]}
    assert all(host_groups(person) == ["acme-group-01"] for person in people)
    assert effect_line(page) == ("3 users already provisioned do not follow the saved options yet: "
                                 "3 join jira-developers, 3 leave acme-group-01, 1 host group created.")
    assert apply_box(page) == (True, False)


def test_the_admins_choice_of_also_apply_survives_the_page_coming_back(admin, acme):
    preview = post_form(admin, acme, "preview-effect", **MAPPING)
    data = {**read_form(preview).data, "action": "add-row"}
    data.pop("apply")  # unticked by the admin, then Add row
    again = admin.post(acme, data=data)
    assert apply_box(again) == (False, False)


def test_re_apply_shows_the_plan_then_applies_it(admin, acme, idp_app, people):
    with db.connection_context():
        apps.map_group(idp_app[0].name, "acme-group-01", ["jira-developers"])
    url = f"{ADMIN}/apps/{idp_app[0].id}/reapply"
    listing = admin.get(f"{ADMIN}/")
    assert f'href="{url}"' in listing.get_data(as_text=True) and "Re-apply options" in text(listing)

    plan = admin.get(url)
    assert plan.status_code == 200
    assert effect_line(plan) == ("3 users already provisioned do not follow the saved options yet: "
                                 "3 join jira-developers, 3 leave acme-group-01, 1 host group created.")
    assert "Apply the 7 changes" in text(plan) and "group_mapping" in found(r'id="reapply-cause">(.*?)</p>', plan)
    assert len(listed(plan, "effect-changes")) == 7
    assert all(host_groups(person) == ["acme-group-01"] for person in people)  # the plan writes nothing

    done = admin.post(url)
    assert done.status_code == 200
    shown = text(done)
    assert "Options re-applied" in shown
    assert effect_line(done) == ("Applied to 3 users already provisioned: 3 join jira-developers, "
                                 "3 leave acme-group-01, 1 host group created.")
    assert "operation=reconcile" in re.search(r'href="([^"]+)" id="reconcile-activity"',
                                              done.get_data(as_text=True)).group(1)
    assert all(host_groups(person) == ["jira-developers"] for person in people)

    after = admin.get(url)
    assert effect_line(after) == "All 3 users already provisioned follow the saved options: nothing to apply."
    assert 'id="reapply-confirm"' not in after.get_data(as_text=True)
    assert "Nothing to apply" in effect_line(admin.post(url))


def test_re_apply_needs_an_app_a_session_and_csrf(admin, app, acme):
    assert admin.get(f"{ADMIN}/apps/999/reapply").status_code == 404
    anonymous = app.test_client().get(acme.replace("/options", "/reapply"))
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    assert admin.client.post(acme.replace("/options", "/reapply")).status_code in (400, 403)


def test_conflicts_are_counted_and_named_with_both_users(admin, app, idp_app, scim):
    for name in ("jdoe@one.example", "jdoe@two.example"):
        provision(scim, name)
    url = f"{ADMIN}/apps/{idp_app[0].id}/options"
    preview = post_form(admin, url, "preview-effect", username_regex="(.*)@.*", username_replacement="$1")
    assert effect_line(preview) == "Saving changes 1 user already provisioned: 1 renamed, 1 conflict."
    (renamed,) = listed(preview, "effect-changes")  # the first user of the run gets the name
    first = renamed[0]
    second = ({"jdoe@one.example", "jdoe@two.example"} - {first}).pop()
    assert renamed == (first, "renamed", first, "jdoe", f"username rule on the IdP's userName '{first}'")
    (conflict,) = listed(preview, "effect-conflicts")
    assert conflict == (second, "rename", second, "jdoe",
                        f"another user of this app, '{first}', is renamed to 'jdoe' first")

    saved = admin.post(url, data={**read_form(preview).data, "action": "save"})
    assert saved.status_code == 302
    shown = text(admin.get(url))
    assert (f"Applied to 1 user already provisioned: 1 renamed. 1 conflict left alone: {second} (another user "
            f"of this app, '{first}', is renamed to 'jdoe' first).") in shown

    left = admin.get(url)
    assert effect_line(left) == "Nothing can be applied to the 2 users already provisioned: 1 conflict, left alone."
    assert apply_box(left) == (False, True)


def test_an_app_with_no_users_has_nothing_to_apply(admin, idp_app):
    url = f"{ADMIN}/apps/{idp_app[0].id}/options"
    preview = post_form(admin, url, "preview-effect", **MAPPING)
    assert effect_line(preview) == "This app has provisioned no users yet: the options apply to its new requests."
    assert apply_box(preview) == (False, True)
    plan = admin.get(f"{ADMIN}/apps/{idp_app[0].id}/reapply")
    assert 'id="reapply-confirm"' not in plan.get_data(as_text=True)
    assert "This app has provisioned no users yet" in effect_line(plan)


def test_a_refused_form_previews_nothing_and_says_why(admin, acme):
    preview = post_form(admin, acme, "preview-effect", **{"mapping-0-idp": "acme-group-01", "mapping-0-host": ""})
    assert effect_line(preview) == ("Saving would be refused (Group mapping, row 1, host groups: Name at least one "
                                    "host group for 'acme-group-01'.), so it changes no user already provisioned.")
    assert apply_box(preview) == (False, True)


def test_a_new_directory_is_planned_once_it_exists(admin, acme):
    preview = post_form(admin, acme, "preview-effect", new_directory="Acme staff")
    assert "move into 'Acme staff' once it exists" in found(r'id="effect-note">(.*?)</p>', preview)
    saved = admin.post(acme, data={**read_form(preview).data, "new_directory": "Acme staff", "apply": "on",
                                   "action": "save"})
    assert saved.status_code == 302
    shown = text(admin.get(acme))
    assert "Created the directory 'Acme staff'" in shown
    assert "Applied to 3 users already provisioned: 3 join acme-group-01, " in shown
    assert "1 host group created, 3 moved to the app's directory, 1 SCIM group moved." in shown


def test_an_apply_that_stops_says_so_and_leaves_its_batch_untouched(admin, acme, idp_app, people, monkeypatch,
                                                                     caplog):
    from provisioning.reconcile import users as reconcile_users

    with db.connection_context():
        apps.map_group(idp_app[0].name, "acme-group-01", ["jira-developers"])

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(reconcile_users.host_groups, "apply", broken)
    stopped = admin.post(acme.replace("/options", "/reapply"))
    assert stopped.status_code == 500
    assert found(r'id="reapply-stopped">(.*?)</div>', stopped) == (
        "Applying to the users already provisioned stopped: an unexpected error, written to the server's log. The "
        "batches before the one that failed are applied, that one is not; Re-apply options to finish.")
    assert "the database went away" not in stopped.get_data(as_text=True)  # driver text stays in the log
    assert "the database went away" in caplog.text and "stopped" in caplog.text
    assert all(host_groups(person) == ["acme-group-01"] for person in people)  # the batch rolled back whole
    assert 'id="effect-line"' not in stopped.get_data(as_text=True)


NOT_PLANNED = ("Not planned for the form as typed: Preview effect on existing users shows what saving it changes "
               "for them.")


@pytest.fixture
def plans(monkeypatch):
    """The reconcile dry runs the pages ask for, counted."""
    from provisioning import reconcile

    runs, run = [], reconcile.run
    monkeypatch.setattr(reconcile, "run", lambda *args, **kwargs: runs.append(kwargs) or run(*args, **kwargs))
    return runs


@pytest.mark.parametrize("button", [{"action": "add-row"}, {"remove_row": "1"},
                                    {"action": "preview-username", "username_sample": "jdoe@example.com"},
                                    {"action": "preview-group", "group_sample": "acme-group-01"}])
def test_add_row_remove_and_the_samples_leave_the_effect_to_preview_effect(admin, acme, plans, button):
    preview = post_form(admin, acme, "preview-effect", **MAPPING)
    assert len(plans) == 2 and apply_box(preview) == (True, False)  # the page, then Preview effect
    again = admin.post(acme, data={**read_form(preview).data, **button})
    assert again.status_code == 200 and len(plans) == 2
    assert effect_line(again) == NOT_PLANNED
    assert apply_box(again) == (True, False)  # "Also apply" as the page that posted offered it
    assert "Saving changes 3 users" in effect_line(admin.post(acme, data={**read_form(again).data,
                                                                          "action": "preview-effect"}))
    assert len(plans) == 3


def test_also_apply_stays_greyed_out_when_the_page_that_posted_had_nothing_to_apply(admin, acme, plans):
    page = admin.get(acme)
    assert apply_box(page) == (False, True) and len(plans) == 1
    again = admin.post(acme, data={**read_form(page).data, "action": "add-row"})
    assert effect_line(again) == NOT_PLANNED and apply_box(again) == (False, True) and len(plans) == 1


def test_a_refused_save_says_what_saving_would_do_again(admin, acme, plans):
    refused = post_form(admin, acme, **{**MAPPING, "mapping-1-idp": "acme-group-01", "mapping-1-host": "x"})
    assert refused.status_code == 400
    assert effect_line(refused).startswith("Saving would be refused (Group mapping, row 2, IdP group:")
