"""A fake Google Workspace: the OAuth 2.0 token endpoint for service accounts and the Admin SDK Directory API.

Keys: ``ServiceAccount`` is a throwaway RSA key pair and the JSON key file Google Cloud would give for it.
"""

import functools
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = "usersync-test"


@functools.cache
def _rsa_key(n):
    """The n-th throwaway 2048-bit RSA key of this test process (generating one takes ~50 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ServiceAccount:
    """A service account's key pair and its JSON key file (Google Cloud console → IAM & Admin → Service
    accounts → Keys → Add key → JSON): type, project_id, private_key_id, private_key, client_email,
    client_id, auth_uri, token_uri, …"""

    def __init__(self, name="usersync-reader", n=0, key_id=None, client_id="113944441234567890123"):
        self.private_key = _rsa_key(n)
        self.key_id = key_id or f"{n:02d}" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"[2:]
        self.client_email = f"{name}@{PROJECT}.iam.gserviceaccount.com"
        self.client_id = client_id

    @property
    def public_key(self):
        return self.private_key.public_key()

    @property
    def pem(self):
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()

    def file(self, token_uri="https://oauth2.googleapis.com/token", **overrides):
        """The key file's JSON text."""
        key = {"type": "service_account", "project_id": PROJECT, "private_key_id": self.key_id,
               "private_key": self.pem, "client_email": self.client_email, "client_id": self.client_id,
               "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
               "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
               "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                       + self.client_email.replace("@", "%40"),
               "universe_domain": "googleapis.com", **overrides}
        return json.dumps({k: v for k, v in key.items() if v is not None}, indent=2)
