"""Sessions and CSRF tokens for the admin pages; security headers for every response."""

import hmac
import secrets

from flask import abort, g, request, session

from store.tenancy import admin

CSRF_FIELD = "csrf_token"

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
API_POLICY = "default-src 'none'; frame-ancestors 'none'"  # a JSON answer loads nothing and is framed nowhere
JSON_TYPES = frozenset(("application/json", "application/scim+json"))
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # a page may show a token once; static files keep their own caching
}


def csrf_token():
    """The session's CSRF token, made on first use."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf():
    """Abort with 400 unless a state-changing request carries the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="The form expired or did not come from this site. Reload the page and try again.")


def add_headers(response):
    """Security headers on every response of the app (its after_request hook); what a response set stays."""
    headers = response.headers
    # No inline script or style on a page: every script and stylesheet is a file under /static.
    headers.setdefault("Content-Security-Policy", API_POLICY if response.mimetype in JSON_TYPES else PAGE_POLICY)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    return response


def signed_in():
    """Whether this session is a live one of the admin (not ended by a sign-out or a new password)."""
    if "signed_in" not in g:
        username = session.get("admin")
        g.signed_in = bool(username) and admin.session_epoch(username) == session.get("epoch")
    return g.signed_in


def sign_in(username):
    """Start a fresh session for the admin (a new CSRF token too)."""
    session.clear()
    session["admin"] = username
    session["epoch"] = admin.session_epoch(username)
    session.permanent = True
    csrf_token()


def sign_out():
    """End this admin's sessions everywhere: a copied session cookie stops working too."""
    if session.get("admin"):
        admin.end_sessions(session["admin"])
    session.clear()
