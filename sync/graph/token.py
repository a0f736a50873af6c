"""Tokens from the Microsoft identity platform (v2.0 endpoint), and its AADSTS errors told apart in admin words."""

import re

from ..errors import TokenError, scrub
from ..oauth import ClientCredentials

# AADSTS codes (Microsoft identity platform, "Microsoft Entra authentication and authorization error codes").
WRONG_SECRET = (7000215, 7000222)  # invalid client secret; the client secret keys are expired
UNKNOWN_TENANT = (90002, 900023)  # tenant not found; not a valid tenant identifier
UNKNOWN_CLIENT = (700016,)  # application not found in the directory
_CODE = re.compile(r"AADSTS(\d+)")


class EntraCredentials(ClientCredentials):
    """RFC 6749 §4.4 at {login}/{tenant}/oauth2/v2.0/token, the secret in the form body."""

    def _request(self, http):
        """Microsoft identity platform, "OAuth 2.0 client credentials flow — First case: Access token request
        with a shared secret": client_id and client_secret are form parameters, as Microsoft documents."""
        form = {"client_id": self.client_id, "client_secret": self._secret, "scope": self.scope,
                "grant_type": "client_credentials"}
        return http.send("POST", self.token_url, stage="token", data=form, headers={"Accept": "application/json"})

    def _refusal(self, response, body):
        """The AADSTS error in the body (error_codes, or the code the description starts with), in admin words."""
        code = _aadsts(body)
        said = _said(body, self.secrets())
        if code in WRONG_SECRET:
            return TokenError(f"Microsoft Entra ID refused the client secret ({said}).", code="wrong_secret",
                              status=response.status_code, detail=self.advice.get("wrong_secret"))
        if code in UNKNOWN_TENANT:
            return TokenError(f"Microsoft Entra ID does not know this tenant ({said}).", code="unknown_tenant",
                              status=response.status_code, detail=self.advice.get("unknown_tenant"))
        if code in UNKNOWN_CLIENT:
            return TokenError(f"Microsoft Entra ID does not know this client ID in the tenant ({said}).",
                              code="unknown_client", status=response.status_code,
                              detail=self.advice.get("unknown_client"))
        return super()._refusal(response, body)


def _aadsts(body):
    """The first AADSTS code of an error response, or None."""
    if not isinstance(body, dict):
        return None
    codes = body.get("error_codes")
    if isinstance(codes, list) and codes and isinstance(codes[0], int):
        return codes[0]
    found = _CODE.search(str(body.get("error_description") or ""))
    return int(found.group(1)) if found else None


def _said(body, secrets):
    """The description's first line ('AADSTS…: …'), without the trace and correlation ids that follow it."""
    text = str(body.get("error_description") or body.get("error") or "")
    return scrub(text.splitlines()[0] if text else "", secrets)
