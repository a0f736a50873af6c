"""A service account's token for an admin it acts as: RFC 7523 §2.1 JWT-bearer grant, as Google's "Using OAuth 2.0
for Server to Server Applications" (Preparing to make an authorized API call → "HTTP/REST") describes it."""

import base64
import json
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ..errors import TokenError, scrub
from ..oauth import ClientCredentials
from .source import private_key

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LIFETIME = 3600  # Google: "a maximum of 1 hour after the issued time"


class DelegatedToken(ClientCredentials):
    """A token for ``subject`` from a signed assertion; cached and renewed as client-credentials tokens are."""

    def __init__(self, source, *, clock=time.monotonic, wall=time.time):
        key = source.key
        super().__init__(source.token_url, key.get("client_id") or key["client_email"], None,
                         " ".join(source.scopes), advice=source.advice, clock=clock)
        self.client_email, self.key_id, self.subject = key["client_email"], key["private_key_id"], source.admin_email
        self._key = private_key(key)
        self._pem_lines = [line for line in key["private_key"].splitlines() if len(line) > 16]
        self._wall = wall
        self._assertion = None

    def assertion(self):
        """The signed JWT: header {alg, typ, kid}; claims iss, sub, scope, aud (the URL it is posted to), iat, exp."""
        now = int(self._wall())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.key_id}
        claims = {"iss": self.client_email, "sub": self.subject, "scope": self.scope, "aud": self.token_url,
                  "iat": now, "exp": now + LIFETIME}
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(signature)

    def secrets(self):
        return (self._assertion, self._token, *self._pem_lines)

    def _request(self, http):
        """RFC 7523 §2.1: grant_type and assertion in a form; no client authentication."""
        self._assertion = self.assertion()
        return http.send("POST", self.token_url, stage="token", data={"grant_type": GRANT, "assertion": self._assertion},
                         headers={"Accept": "application/json"})

    def _refusal(self, response, body):
        """Google's token errors (RFC 6749 §5.2 bodies), each with what the admin can do about it."""
        if not isinstance(body, dict) or response.status_code == 200:
            return super()._refusal(response, body)
        error = str(body.get("error") or "")
        said = scrub(body.get("error_description") or error, self.secrets())
        quoted = f"({response.status_code} {error}: {said})"
        known = self._known(error, said)
        if known is None:
            return super()._refusal(response, body)
        code, words = known
        return TokenError(f"{words} {quoted}.", code=code, status=response.status_code,
                          detail=self.advice[code].format(client_id=self.client_id))

    def _known(self, error, said):
        """(advice code, message) for the refusals Google is known to give, or None."""
        text = said.lower()
        if error == "unauthorized_client":
            return "unauthorized_client", (f"Google refused to let {self.client_email} act as {self.subject}: "
                                          "domain-wide delegation is missing or does not cover the scopes")
        if error == "invalid_grant" and "invalid email or user id" in text:
            return "no_such_admin", f"Google does not know the admin {self.subject} the service account acts as"
        if error == "invalid_grant" and "signature" in text:
            return "invalid_signature", (f"Google refused the signature of key {self.key_id} of "
                                        f"{self.client_email}: the key was deleted or rotated")
        if error == "invalid_grant" and ("iat" in text or "timeframe" in text or "expired" in text):
            return "clock", "Google refused the assertion's time"
        if error == "invalid_client" or (error == "invalid_grant" and "account not found" in text):
            return "invalid_client", f"Google does not know the service account {self.client_email}"
        return None

    def __repr__(self):
        return f"DelegatedToken(token_url={self.token_url!r}, iss={self.client_email!r}, sub={self.subject!r})"


def _b64(data):
    """RFC 7515 §2 base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
