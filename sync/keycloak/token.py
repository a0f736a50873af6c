"""The service account's token: RFC 6749 §4.4 client credentials at the realm's token endpoint, found at
/realms/R (Keycloak 17+) or, when that is 404, at the legacy /auth/realms/R (Keycloak 16 and older)."""

from ..errors import TokenError, scrub
from ..oauth import ClientCredentials
from .source import LEGACY_PREFIX

# Keycloak's answer on a path of a realm it does not have (RealmsResource: NotFoundException).
REALM_MISSING = "Realm does not exist"


class KeycloakCredentials(ClientCredentials):
    """Client credentials that find the token endpoint's prefix once and remember it for the Admin REST API."""

    def __init__(self, source):
        super().__init__(source.token_url, source.client_id, source.client_secret, advice=source.advice)
        self.source = source
        self.prefix = None  # "" or "/auth" once a token was issued there

    def _fetch(self, http):
        """Try the modern path, then the legacy one when the first is not there (404) at all."""
        prefixes = (self.prefix,) if self.prefix is not None else ("", LEGACY_PREFIX)
        for prefix in prefixes:
            self.token_url = self.source.token_url_at(prefix)
            try:
                super()._fetch(http)
            except TokenError as error:
                if error.code != "token_not_found":
                    raise
                missing = error
                continue
            self.prefix = prefix
            return
        raise self._nowhere(missing, prefixes)

    def _nowhere(self, error, prefixes):
        """Neither path has a token endpoint: the base URL is not a Keycloak server's root."""
        urls = " nor at ".join(self.source.token_url_at(prefix) for prefix in prefixes)
        return TokenError(f"There is no Keycloak token endpoint at {urls} ({error.status}). Check the base URL.",
                          code="token_not_found", status=error.status, detail=self.advice.get("token_url"))

    def _refusal(self, response, body):
        """Keycloak's token errors: an unknown realm, a missing path, and 401 unauthorized_client for a
        wrong secret (older releases; newer ones say invalid_client)."""
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        if status == 404 and error == REALM_MISSING:
            return TokenError(f"Keycloak has no realm {self.source.realm!r} ({self.token_url} answered 404 "
                              f"{REALM_MISSING!r}).", code="realm_not_found", status=404,
                              detail=self.advice.get("realm"))
        if status in (404, 405):
            return TokenError(f"There is no token endpoint at {self.token_url} ({status}).", code="token_not_found",
                              status=status, detail=self.advice.get("token_url"))
        if status == 401 and error == "unauthorized_client":
            described = scrub(body.get("error_description") or error, self.secrets())
            return TokenError(f"The token endpoint refused the client ID or secret (401 unauthorized_client: "
                              f"{described}).", code="token_refused", status=401,
                              detail=self.advice.get("invalid_client"))
        return super()._refusal(response, body)
