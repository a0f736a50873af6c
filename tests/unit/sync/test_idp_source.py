"""The test IdP itself: its helpers do what they say, and its front answers like IDCS."""

from datetime import UTC, datetime

import httpx

from tests.idp_source import IDCS_LIST


def test_helpers_change_what_the_api_serves(idp_source):
    alice, bob, carol = idp_source.add_users(3)
    group = idp_source.add_group("Sales", [alice, bob["id"]])
    assert idp_source.rename_group(group["id"], "Sales EMEA")["displayName"] == "Sales EMEA"
    assert [m["value"] for m in idp_source.remove_member(group["id"], alice["id"])["members"]] == [bob["id"]]
    assert len(idp_source.add_members(group["id"], [carol])["members"]) == 2
    assert idp_source.deactivate(alice["id"])["active"] is False
    assert idp_source.update_user(bob["id"], displayName="Bob B.")["displayName"] == "Bob B."
    idp_source.delete_user(carol["id"])
    assert idp_source.get(f"/Users/{carol['id']}") is None
    idp_source.delete_group(group["id"])
    assert idp_source.get(f"/Groups/{group['id']}") is None


def test_the_clock_stamps_last_modified(idp_source):
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    idp_source.set_time(moment)
    user = idp_source.add_user("timed@example.com")
    idp_source.advance(minutes=5)
    idp_source.deactivate(user["id"])
    assert idp_source.last_modified(f"/Users/{user['id']}") == datetime(2030, 1, 2, 3, 9, 5, tzinfo=UTC)
    idp_source.real_time()
    created = idp_source.last_modified(f"/Users/{idp_source.add_user('now@example.com')['id']}")
    assert abs((created - datetime.now(UTC)).total_seconds()) < 60


def test_the_front_looks_like_idcs(idp_source):
    user = idp_source.add_user("a@example.com")
    group = idp_source.add_group("G", [user])
    with httpx.Client(base_url=idp_source.url) as http:
        token = http.post("/oauth2/v1/token", auth=(idp_source.client_id, idp_source.client_secret),
                          data={"grant_type": "client_credentials", "scope": "urn:opc:idm:__myscopes__"}).json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        listed = http.get("/admin/v1/Groups", params={"count": 7}, headers=headers).json()
        assert listed["schemas"] == [IDCS_LIST] and listed["itemsPerPage"] == 7
        assert "members" not in listed["Resources"][0]  # returned=request
        one = http.get(f"/admin/v1/Groups/{group['id']}", params={"attributes": "members"}, headers=headers).json()
        assert one["displayName"] == "G" and one["members"][0]["value"] == user["id"]
        fetched = http.get(f"/admin/v1/Users/{user['id']}", headers=headers).json()
        assert fetched["meta"]["location"] == f"{idp_source.scim_base}/Users/{user['id']}"
        assert http.get("/admin/v1/Users").status_code == 401
        assert http.get("/admin/v1/Users", headers={"Authorization": "Bearer nope"}).status_code == 401
        wrong = http.get("/scim/v2/Users", headers=headers)
        assert wrong.status_code == 404 and wrong.headers["Content-Type"].startswith("text/html")


def test_the_token_endpoint_checks_client_scope_and_grant(idp_source):
    with httpx.Client(base_url=idp_source.url) as http:
        wrong = http.post("/oauth2/v1/token", auth=(idp_source.client_id, "wrong"),
                          data={"grant_type": "client_credentials"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        scope = http.post("/oauth2/v1/token", auth=(idp_source.client_id, idp_source.client_secret),
                          data={"grant_type": "client_credentials", "scope": "other"})
        assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"
        grant = http.post("/oauth2/v1/token", auth=(idp_source.client_id, idp_source.client_secret),
                          data={"grant_type": "password"})
        assert grant.json()["error"] == "unsupported_grant_type"
    assert idp_source.token_requests == 3 and not idp_source.tokens


def test_faults_are_served_then_cleared(idp_source):
    idp_source.fail_api(500, times=2, path="/Users")
    idp_source.fail_token(503, times=None)
    with httpx.Client(base_url=idp_source.url) as http:
        headers = {"Authorization": f"Bearer {idp_source.static_token}"}
        assert [http.get("/admin/v1/Users", headers=headers).status_code for _ in range(3)] == [500, 500, 200]
        assert http.get("/admin/v1/Groups", headers=headers).status_code == 200
        assert http.post("/oauth2/v1/token").status_code == 503
        idp_source.clear_faults()
        assert http.post("/oauth2/v1/token").status_code == 401
