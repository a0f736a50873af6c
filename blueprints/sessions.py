"""The admin pages' signed-cookie sessions, never opened for the SCIM servlet."""

from flask.sessions import SecureCookieSessionInterface

from scim.constants import BASE_PATH


class AdminOnlySessions(SecureCookieSessionInterface):
    """A bearer-token API has no session: opening one built a signing serializer on every SCIM request."""

    def open_session(self, app, request):
        """None (Flask then uses a null session) under the SCIM prefix, the cookie session elsewhere."""
        if request.path.startswith(BASE_PATH):
            return None
        return super().open_session(app, request)
