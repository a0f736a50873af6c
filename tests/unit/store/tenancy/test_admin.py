"""store.tenancy.admin: sign-in attempts counted before the check, and setting the password ends the admin's
sign-in lockout, from every address."""

import pytest

from store.tenancy import admin

pytestmark = pytest.mark.usefixtures("store_db")

LIMIT, WINDOW = 3, 900


def lock_out(key):
    assert all(admin.attempt(key, LIMIT, WINDOW) for _ in range(LIMIT))
    assert locked_out(key)


def locked_out(key):
    """Whether key's next attempt is refused (one more attempt counted when it is not)."""
    return not admin.attempt(key, LIMIT, WINDOW)


def test_attempts_are_counted_before_the_check_and_a_success_clears_them():
    key = admin.failure_key("127.0.0.1", "admin")
    assert [admin.attempt(key, LIMIT, WINDOW) for _ in range(LIMIT + 2)] == [True] * LIMIT + [False] * 2
    admin.clear_attempts(key)
    assert admin.attempt(key, LIMIT, WINDOW)
    assert admin.attempt(admin.failure_key("10.0.0.7", "admin"), LIMIT, WINDOW)  # another address, its own count


def test_the_key_is_the_address_and_the_username_in_any_case():
    assert admin.failure_key("10.0.0.7", " Admin ") == admin.failure_key("10.0.0.7", "admin") == "10.0.0.7|admin"
    assert admin.failure_key("10.0.0.7", None) == "10.0.0.7|"


def test_set_password_lifts_the_admins_lockout_from_every_address():
    admin.ensure_account("the first password")
    here, there = admin.failure_key("127.0.0.1", "admin"), admin.failure_key("10.0.0.7", "ADMIN")
    other = admin.failure_key("127.0.0.1", "root")
    for key in (here, there, other):
        lock_out(key)
    admin.set_password("a new password, long enough")
    assert not locked_out(here) and not locked_out(there)
    assert locked_out(other)  # only the admin's own lockout ends
    assert admin.verify("admin", "a new password, long enough")


def test_a_refused_password_leaves_the_lockout():
    admin.ensure_account("the first password")
    key = admin.failure_key("127.0.0.1", "admin")
    lock_out(key)
    with pytest.raises(admin.AdminError):
        admin.set_password("short")
    assert locked_out(key)


def test_a_username_with_like_wildcards_lifts_only_its_own():
    admin.ensure_account("the first password")
    own, lookalike = admin.failure_key("127.0.0.1", "a_b"), admin.failure_key("127.0.0.1", "axb")
    lock_out(own)
    lock_out(lookalike)
    admin.set_password("a new password, long enough", username="a_b")
    assert not locked_out(own) and locked_out(lookalike)
