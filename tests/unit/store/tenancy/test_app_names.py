"""store.tenancy.apps names: unique regardless of case, found as an admin types them, renamed with an audit record."""

import json

import pytest

from models import IdpApp
from models.audit import AuditEvent
from rules import errors
from store.tenancy import apps

pytestmark = pytest.mark.usefixtures("store_db")


def audited():
    events = AuditEvent.select().order_by(AuditEvent.id)
    return [(e.app_name, e.operation, e.reason, json.loads(e.changes)) for e in events]


def test_create_refuses_a_name_taken_in_another_case():
    apps.create("Oracle IDCS", "oracle")
    with pytest.raises(apps.AppNameTaken) as caught:
        apps.create("  oracle idcs ", "okta")
    assert str(caught.value) == "An app named 'Oracle IDCS' already exists; app names are unique regardless of case."
    assert caught.value.messages == {"name": str(caught.value)}
    assert isinstance(caught.value, errors.Conflict) and isinstance(caught.value, apps.AppError)
    assert [app.name for app in apps.listed()] == ["Oracle IDCS"]


def test_create_refuses_the_same_name_plainly():
    apps.create("Okta", "okta")
    with pytest.raises(apps.AppNameTaken, match=r"^An app named 'Okta' already exists\.$"):
        apps.create("Okta", "okta")


@pytest.mark.parametrize("name, message", [
    ("", "Enter a name for the app."),
    ("   ", "Enter a name for the app."),
    (None, "Enter a name for the app."),
    ("x" * 121, "The app name can have at most 120 characters; this one has 121."),
])
def test_create_refuses_an_empty_or_long_name(name, message):
    with pytest.raises(apps.AppError) as caught:
        apps.create(name, "oracle")
    assert str(caught.value) == message and caught.value.messages == {"name": message}
    assert apps.listed() == []


def test_a_name_of_120_characters_is_fine():
    assert apps.create("x" * 120, "oracle")[0].name == "x" * 120


@pytest.mark.parametrize("typed", ["Oracle IDCS", "oracle idcs", "ORACLE IDCS", " Oracle IDCS "])
def test_look_ups_by_name_ignore_case_and_surrounding_spaces(typed):
    created, _ = apps.create("Oracle IDCS", "oracle")
    assert apps.named(typed).id == created.id
    assert apps.by_name(typed).id == created.id
    assert apps.show(typed)["name"] == "Oracle IDCS"


def test_an_unknown_name_is_not_found():
    with pytest.raises(apps.AppNotFound, match="No app named 'ghost'."):
        apps.named("ghost")
    assert apps.by_name("ghost") is None


def test_rename_keeps_the_token_and_is_audited():
    _, token = apps.create("Okta", "okta")
    app, changed = apps.rename("okta", "  Okta Production ")
    assert changed == {"name": ["Okta", "Okta Production"]} and app.name == "Okta Production"
    stored = IdpApp.by_name("okta production")
    assert (stored.name, stored.name_lower) == ("Okta Production", "okta production")
    assert apps.by_name("Okta") is None
    assert apps.authenticate(token).name == "Okta Production"
    assert audited() == [("Okta Production", "app", "name changed from 'Okta' to 'Okta Production'",
                          {"name": ["Okta", "Okta Production"]})]


def test_rename_to_another_case_of_its_own_name():
    apps.create("okta", "okta")
    _, changed = apps.rename("okta", "Okta")
    assert changed == {"name": ["okta", "Okta"]} and IdpApp.by_name("OKTA").name == "Okta"


def test_rename_to_the_same_name_changes_nothing():
    apps.create("Okta", "okta")
    assert apps.rename("Okta", "Okta")[1] == {}
    assert audited() == []


@pytest.mark.parametrize("new_name, message", [
    ("ENTRA", "An app named 'Entra' already exists; app names are unique regardless of case."),
    ("Entra", "An app named 'Entra' already exists."),
    (" ", "Enter a name for the app."),
    ("y" * 121, "The app name can have at most 120 characters; this one has 121."),
])
def test_rename_refuses_a_taken_empty_or_long_name(new_name, message):
    apps.create("Okta", "okta")
    apps.create("Entra", "entra")
    with pytest.raises(apps.AppError) as caught:
        apps.rename("Okta", new_name)
    assert str(caught.value) == message and caught.value.messages == {"name": message}
    assert [app.name for app in apps.listed()] == ["Entra", "Okta"]
    assert audited() == []


def test_rename_of_an_unknown_app():
    with pytest.raises(apps.AppNotFound, match="No app named 'ghost'."):
        apps.rename("ghost", "Spirit")


def test_configure_renames_with_its_other_changes_or_not_at_all():
    apps.create("Okta", "okta")
    apps.create("Entra", "entra")
    with pytest.raises(apps.AppNameTaken):
        apps.configure("Okta", {"traffic_log": True}, enabled=False, new_name="entra")
    okta = apps.named("Okta")
    assert okta.enabled and not apps.options_of(okta).traffic_log and audited() == []
    app, changed, _ = apps.configure("Okta", {"traffic_log": True}, enabled=False, new_name="Okta EU")
    assert changed == {"name": ["Okta", "Okta EU"], "traffic_log": [False, True], "enabled": [True, False]}
    assert [(name, reason) for name, _, reason, _ in audited()] == [
        ("Okta EU", "name changed from 'Okta' to 'Okta EU'"), ("Okta EU", "traffic_log changed from false to true"),
        ("Okta EU", "enabled changed from true to false")]


def test_delete_by_a_name_in_another_case_returns_the_app():
    apps.create("Oracle IDCS", "oracle")
    assert apps.delete("oracle idcs").name == "Oracle IDCS"
    assert apps.listed() == []


def test_a_name_taken_between_the_look_up_and_the_write_is_still_refused_clearly(monkeypatch):
    """Another admin (or the CLI) creates the name in between: the unique index refuses it, with the same message."""
    apps.create("Okta", "okta")
    apps.create("Entra", "entra")
    looks, real = [], apps.by_name

    def first_look_misses(name):
        looks.append(name)
        return real(name) if len(looks) > 1 else None

    monkeypatch.setattr(apps, "by_name", first_look_misses)
    with pytest.raises(apps.AppNameTaken, match="An app named 'Okta' already exists; app names are unique"):
        apps.create("OKTA", "okta")
    looks.clear()
    with pytest.raises(apps.AppNameTaken, match="An app named 'Okta' already exists; app names are unique"):
        apps.rename("Entra", "okta")
    assert [app.name for app in apps.listed()] == ["Entra", "Okta"]
