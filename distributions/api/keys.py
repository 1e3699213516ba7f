"""Access keys for the sandbox API: made for a console user, shown once, revocable.

The key ID has AWS's shape (``AKIA`` + 16 uppercase letters and digits); the
secret has 40 characters like AWS's and is stored encrypted (see ``crypto.py``).
"""

import secrets
import string
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import crypto
from .models import AccessKey

KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
# Record "last used" at most this often: a paging loop should not write once per page.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_access_key_id():
    return "AKIA" + "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(16))


def new_secret():
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(40))


def create_access_key(user):
    """A new key pair for ``user``: returns ``(AccessKey, secret)``; the secret is not kept in clear."""
    secret = new_secret()
    for _ in range(5):
        try:
            with transaction.atomic():
                key = AccessKey.objects.create(
                    access_key_id=new_access_key_id(), user=user, secret_encrypted=crypto.encrypt(secret)
                )
            return key, secret
        except IntegrityError:  # an ID collision: draw again
            continue
    raise RuntimeError("Could not allocate an access key ID.")  # pragma: no cover


def active_key(access_key_id):
    """The active key with this ID whose owner is an active user, or None."""
    return (
        AccessKey.objects.active()
        .select_related("user")
        .filter(access_key_id=access_key_id, user__is_active=True)
        .first()
    )


def record_use(key):
    """Remember when the key was last used (to the minute)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        AccessKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
