"""Access key secrets encrypted at rest.

SigV4 verification recomputes the signature with the secret itself, so a hash
of the secret cannot work: the secret is encrypted with Fernet (AES-128-CBC +
HMAC-SHA256, from ``cryptography``) under a key derived from
``settings.SECRET_KEY``. Keys made under an old ``SECRET_KEY`` still decrypt
while it is listed in ``SECRET_KEY_FALLBACKS``; rotating the secret key without
a fallback invalidates every access key (they are then refused as unknown).
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "distributions.api.crypto.access-key-secret"


def _fernet(secret_key):
    digest = salted_hmac(_SALT, "fernet-key", secret=secret_key, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box():
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def encrypt(secret):
    """The secret access key as stored: a Fernet token (text)."""
    return _box().encrypt(secret.encode()).decode()


def decrypt(token):
    """The secret access key, or None when no current or fallback SECRET_KEY can decrypt it."""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
