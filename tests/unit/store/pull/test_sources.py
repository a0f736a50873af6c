"""store.pull.sources: an app's pull source, validated, its secret encrypted and never shown or audited."""

import json
from datetime import timedelta

import pytest

from models import AuditEvent, SyncLink, SyncRun, SyncSource, utcnow
from store.pull import runs, sources
from store.tenancy import apps, secrets
from sync.sources import OracleSource, ScimSource, SourceConfigError

KEY = secrets.key_from({"SECRET_KEY": "unit-test-secret-key"})
DOMAIN = "https://idcs-0123456789abcdef.identity.oraclecloud.com"
SECRET = "oracle-client-secret-value"


@pytest.fixture
def app(store_db):
    record, _ = apps.create("IDCS", "oracle", method="rest")
    return record


def configure(app, key=KEY, secret=SECRET, **settings):
    return sources.configure(app, "oracle", {"domain_url": DOMAIN, "client_id": "cid", **settings},
                                  {"client_secret": secret} if secret is not None else {}, key)


def audit_trail():
    return [(e.operation, e.reason, e.changes) for e in AuditEvent.select().order_by(AuditEvent.id)]


def test_configure_keeps_the_settings_and_only_the_encrypted_secret(app):
    configure(app)
    row = SyncSource.get()
    assert (row.kind, json.loads(row.settings)) == ("oracle", {"kind": "oracle", "domain_url": DOMAIN,
                                                               "client_id": "cid"})
    assert SECRET not in row.secret and secrets.decrypt(KEY, row.secret) == {"client_secret": SECRET}
    assert sources.source_for(app, KEY) == OracleSource(DOMAIN, "cid", SECRET)
    assert sources.settings_of(app) == {"kind": "oracle", "settings": {"domain_url": DOMAIN, "client_id": "cid"},
                                             "has_secret": True, "schedule": "off", "next_run": None,
                                             "watermark": None}
    assert audit_trail() == [("sync-source", f"pull source set to Oracle identity domain {DOMAIN} (client ID cid); "
                                             "client secret stored encrypted", None)]


def test_nothing_configured_is_none(app):
    assert sources.settings_of(app) is None and sources.source_for(app, KEY) is None


def test_an_empty_secret_keeps_the_stored_one_and_the_change_is_audited_without_it(app):
    configure(app)
    configure(app, secret="", client_id="other-client")
    assert sources.source_for(app, KEY).client_secret == SECRET
    assert audit_trail()[-1] == ("sync-source", f"pull source changed to Oracle identity domain {DOMAIN} "
                                                "(client ID other-client); client secret kept",
                                 json.dumps({"client_id": ["cid", "other-client"]}))
    configure(app, secret="", client_id="other-client")  # no change: nothing recorded
    assert len(audit_trail()) == 2
    configure(app, secret="replaced-secret", client_id="other-client")
    assert audit_trail()[-1][1].endswith("client secret replaced")
    assert not any(SECRET in str(event) or "replaced-secret" in str(event) for event in audit_trail())


def test_invalid_settings_name_the_setting_and_save_nothing(app):
    with pytest.raises(SourceConfigError) as refused:
        configure(app, domain_url="http://idcs.example.com")
    assert refused.value.name == "domain_url"
    with pytest.raises(SourceConfigError) as missing:
        configure(app, secret=None)
    assert missing.value.name == "client_secret"
    assert SyncSource.select().count() == 0 and audit_trail() == []


def test_an_app_the_idp_pushes_to_has_no_source(store_db):
    pushing, _ = apps.create("Okta", "okta")
    with pytest.raises(SourceConfigError) as refused:
        configure(pushing)
    assert refused.value.name == "app" and "uses SCIM" in str(refused.value)


def test_a_bearer_token_is_no_secret_for_oauth_settings(app):
    sources.configure(app, "scim", {"base_url": "https://scim.example.com/v2", "auth": "bearer"},
                           {"bearer_token": "tok-123"}, KEY)
    assert sources.source_for(app, KEY) == ScimSource("https://scim.example.com/v2", bearer_token="tok-123")
    with pytest.raises(SourceConfigError) as refused:
        sources.configure(app, "scim", {"base_url": "https://scim.example.com/v2", "auth": "oauth",
                                             "token_url": "https://scim.example.com/token", "client_id": "c"}, {}, KEY)
    assert refused.value.name == "client_secret"


def test_a_changed_key_asks_for_the_secret_again(app):
    configure(app)
    other = secrets.key_from({"SECRET_KEY": "a-new-instance-secret"})
    with pytest.raises(sources.StoredSecretUnreadable) as unreadable:
        sources.source_for(app, other)
    assert isinstance(unreadable.value, SourceConfigError) and unreadable.value.name == "client_secret"
    assert str(unreadable.value) == "client_secret: the sync secret key changed; enter the client secret again"
    with pytest.raises(sources.StoredSecretUnreadable):
        configure(app, key=other, secret="")
    configure(app, key=other, secret="typed-again")
    assert sources.source_for(app, other).client_secret == "typed-again"


def test_schedules_have_labels_and_set_schedule_sets_the_next_run(app):
    assert list(sources.SCHEDULES) == ["off", "hourly", "twice-daily", "daily", "weekly"]
    assert dict(sources.SCHEDULES)["twice-daily"] == "Twice a day"
    with pytest.raises(SourceConfigError, match="save the source's connection settings first"):
        sources.set_schedule(app, "daily")
    configure(app)
    with pytest.raises(SourceConfigError) as refused:
        sources.set_schedule(app, "fortnightly")
    assert refused.value.name == "schedule"
    sources.set_schedule(app, "twice-daily")
    row = SyncSource.get()
    assert row.schedule == "twice-daily"
    assert utcnow() + timedelta(hours=11, minutes=59) < row.next_run <= utcnow() + timedelta(hours=12)
    assert audit_trail()[-1][0:2] == ("sync-schedule", "pull schedule changed from 'off' to 'twice-daily'; "
                                                       f"next run at {sources.settings_of(app)['next_run']}")
    sources.set_schedule(app, "off")
    assert SyncSource.get().next_run is None and sources.settings_of(app)["next_run"] is None


def test_advance_skips_missed_slots(app):
    configure(app)
    sources.set_schedule(app, "hourly")
    SyncSource.update(next_run=utcnow() - timedelta(hours=5, minutes=30)).execute()
    sources.advance(SyncSource.get())
    assert utcnow() < SyncSource.get().next_run <= utcnow() + timedelta(minutes=30)


def test_deleting_the_app_deletes_its_source_runs_and_links(app):
    configure(app)
    runs.request(app)
    SyncLink.create(app=app.id, kind="User", source_id="s1", local_id="l1")
    apps.delete("IDCS")
    assert (SyncSource.select().count(), SyncRun.select().count(), SyncLink.select().count()) == (0, 0, 0)


def test_the_watermarks_are_what_a_complete_run_last_saw(app):
    with pytest.raises(SyncSource.DoesNotExist):
        sources.watermarks(app.id)
    configure(app)
    assert sources.watermarks(app.id) == (None, None)
    link = "https://graph.example/v1.0/users/delta?$deltatoken=" + "x" * 600  # longer than any timestamp
    sources.set_watermarks(app.id, "2024-05-01T10:00:00Z", link)
    assert sources.watermarks(app.id) == ("2024-05-01T10:00:00Z", link)


def test_the_watermarks_go_when_the_source_changes_and_stay_when_only_its_secret_does(app):
    configure(app)
    sources.set_watermarks(app.id, "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z")
    configure(app, secret="a-new-secret")
    assert sources.watermarks(app.id) == ("2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z")
    configure(app, client_id="another-client")  # another client may see another part of the directory
    assert sources.watermarks(app.id) == (None, None)


def test_a_stored_secret_is_not_kept_for_another_destination(app):
    configure(app)
    with pytest.raises(SourceConfigError, match="client_secret: must be given again: the client secret would now be "
                                                "sent to https://idcs-other.identity.oraclecloud.com/oauth2/v1/token"):
        configure(app, secret=None, domain_url="https://idcs-other.identity.oraclecloud.com")
    assert json.loads(SyncSource.get().settings)["domain_url"] == DOMAIN  # nothing changed
    configure(app, secret=None, client_id="another-client")  # the same token endpoint: kept
    assert sources.source_for(app, KEY).client_secret == SECRET
