"""The sandbox API's tables: users' access keys and distributions' tags.

Tags live here, keyed by distribution ID, because the simulator's control
plane (``SimulatedDistribution``) has no place for them.
"""

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import crypto


class AccessKeyQuerySet(models.QuerySet):
    def active(self) -> Self:
        """Keys that have not been revoked."""
        return self.filter(revoked_at__isnull=True)


class AccessKey(models.Model):
    """An access key pair for the sandbox's CloudFront API, owned by one console user."""

    access_key_id = models.CharField(primary_key=True, max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_api_keys")
    secret_encrypted = models.TextField(help_text="The secret access key, Fernet-encrypted (see crypto.py)")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "access_key_id"]

    def __str__(self):
        return self.access_key_id

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def secret(self):
        """The secret access key, or None when it can no longer be decrypted."""
        return crypto.decrypt(self.secret_encrypted)

    def revoke(self):
        """Revoke the key (once); requests signed with it are refused from now on."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            AccessKey.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=self.revoked_at)


class DistributionTag(models.Model):
    """One tag (key, value) of a simulated distribution."""

    distribution_id = models.CharField(max_length=32, db_index=True)
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        ordering = ["distribution_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["distribution_id", "key"], name="sandbox_api_tag_unique"),
        ]

    def __str__(self):
        return f"{self.distribution_id} {self.key}={self.value}"
