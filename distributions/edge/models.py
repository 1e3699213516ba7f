"""Tables of the sandbox edge: certificates viewers are shown, invalidations, and usage.

Imported at the end of ``distributions/models.py``, so these are models of the
``distributions`` app. Nothing here talks to the network.
"""

from django.db import models


class CertificateSource(models.TextChoices):
    SELF_SIGNED = "self-signed", "Self-signed (created in the sandbox)"
    IMPORTED = "imported", "Imported"
    SANDBOX = "sandbox", "Sandbox (signed by the local certificate authority)"


class SimulatedCertificate(models.Model):
    """A certificate the sandbox edge can present for alternate domain names.

    A distribution's ``ViewerCertificate`` names it by ``ACMCertificateArn`` (the
    ``arn``) or by ``IAMCertificateId`` (the ``iam_certificate_id``), as it would
    name a certificate in ACM or in the IAM certificate store. The private key is
    kept in the database: this is a training sandbox, not a key store.
    """

    arn = models.CharField(max_length=200, unique=True)
    iam_certificate_id = models.CharField(max_length=32, unique=True)
    domain_names = models.JSONField(default=list, help_text="DNS names the certificate covers (SANs)")
    certificate_pem = models.TextField()
    private_key_pem = models.TextField()
    chain_pem = models.TextField(blank=True, default="")
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    source = models.CharField(max_length=16, choices=CertificateSource.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self):
        return self.arn

    def covers(self, hostname):
        """True when a viewer asking for ``hostname`` would accept this certificate."""
        from .certificates import covers

        return covers(self.domain_names, hostname)


class EdgeInvalidation(models.Model):
    """Paths to drop from the edge cache; every running edge applies each row once.

    The edge cache lives in the ``runedge`` process, so invalidations made from
    the console travel through this table.
    """

    distribution_id = models.CharField(max_length=32)
    paths = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class EdgeUsageQuerySet(models.QuerySet):
    def for_distribution(self, distribution_id):
        """The hourly rows of one distribution, oldest first."""
        return self.filter(distribution_id=distribution_id).order_by("hour")


class EdgeUsage(models.Model):
    """What viewers asked of one distribution during one UTC hour, as the edge counted it."""

    distribution_id = models.CharField(max_length=32)
    hour = models.DateTimeField(help_text="Start of the UTC hour")
    http_requests = models.BigIntegerField(default=0)
    https_requests = models.BigIntegerField(default=0)
    redirects = models.BigIntegerField(default=0, help_text="HTTP requests answered with a 301 to HTTPS")
    forbidden = models.BigIntegerField(default=0, help_text="Requests answered with a 403")
    cache_hits = models.BigIntegerField(default=0)
    cache_misses = models.BigIntegerField(default=0)
    bytes_out = models.BigIntegerField(default=0, help_text="Response headers and bodies sent to viewers")

    objects = EdgeUsageQuerySet.as_manager()

    COUNTERS = (
        "http_requests",
        "https_requests",
        "redirects",
        "forbidden",
        "cache_hits",
        "cache_misses",
        "bytes_out",
    )

    class Meta:
        ordering = ["distribution_id", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["distribution_id", "hour"], name="edge_usage_per_hour"),
        ]

    def __str__(self):
        return f"{self.distribution_id} {self.hour:%Y-%m-%d %H}:00"


__all__ = ["CertificateSource", "SimulatedCertificate", "EdgeInvalidation", "EdgeUsage"]
