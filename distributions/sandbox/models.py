"""The sandbox's tables: the simulated control plane, and the edge's certificates, invalidations and usage.

A nested app (label ``sandbox``) whose tables keep the names they had when they
belonged to the ``distributions`` app, so no data moved. Shared by the simulator
and the edge, which both depend on these models and never on each other's
private functions. Nothing here talks to the network.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..cloudfront.certificates import covers
from ..models import DistributionStatus


class SimulatedDistribution(models.Model):
    """The simulator's fake CloudFront control plane: one row per distribution."""

    id = models.CharField(primary_key=True, max_length=14)
    domain_name = models.CharField(max_length=64, unique=True)
    config = models.JSONField()
    etag = models.CharField(max_length=14)
    status = models.CharField(max_length=16, choices=DistributionStatus.choices)
    last_modified = models.DateTimeField()
    # What edge locations serve: the config as of the last completed deployment.
    deployed_config = models.JSONField(null=True)
    deploy_ready_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "distributions_simulateddistribution"
        ordering = ["id"]

    def __str__(self):
        return self.id

    @property
    def arn(self):
        return f"arn:aws:cloudfront::{settings.CONSOLE_SIMULATOR_ACCOUNT_ID}:distribution/{self.id}"

    def settle(self):
        """Complete a deployment whose delay has passed (edges then serve the config); returns self.

        Lazy, as the simulator has no clock of its own: whoever reads the row next (the API,
        the edge's index) completes it, once, with a conditional UPDATE.
        """
        if (
            self.status == DistributionStatus.IN_PROGRESS
            and self.deploy_ready_at
            and timezone.now() >= self.deploy_ready_at
        ):
            SimulatedDistribution.objects.filter(
                pk=self.pk, etag=self.etag, status=DistributionStatus.IN_PROGRESS
            ).update(status=DistributionStatus.DEPLOYED, deployed_config=self.config)
            self.status = DistributionStatus.DEPLOYED
            self.deployed_config = self.config
        return self


class SimulatedInvalidation(models.Model):
    """An invalidation in the simulator's control plane: InProgress, then Completed after the deploy delay."""

    id = models.CharField(primary_key=True, max_length=14)
    distribution_id = models.CharField(max_length=14, db_index=True)
    paths = models.JSONField()
    caller_reference = models.CharField(max_length=128)
    status = models.CharField(max_length=16)
    create_time = models.DateTimeField()
    ready_at = models.DateTimeField()

    class Meta:
        db_table = "distributions_simulatedinvalidation"
        ordering = ["-create_time", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["distribution_id", "caller_reference"], name="invalidation_reference_unique"
            ),
        ]

    def __str__(self):
        return self.id


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
    # The teams of whoever added it on the console: only they (and Admins) list and choose it, as another
    # AWS account's certificates are invisible. None: the sandbox's own, or an Admin's, for everyone.
    teams = models.ManyToManyField("distributions.Team", blank=True, related_name="+")

    class Meta:
        db_table = "distributions_simulatedcertificate"
        ordering = ["created", "id"]

    def __str__(self):
        return self.arn

    def covers(self, hostname):
        """True when a viewer asking for ``hostname`` would accept this certificate."""
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
        db_table = "distributions_edgeinvalidation"
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

    class Meta:
        db_table = "distributions_edgeusage"
        ordering = ["distribution_id", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["distribution_id", "hour"], name="edge_usage_per_hour"),
        ]

    def __str__(self):
        return f"{self.distribution_id} {self.hour:%Y-%m-%d %H}:00"


__all__ = ["CertificateSource", "SimulatedCertificate", "EdgeInvalidation", "EdgeUsage"]
