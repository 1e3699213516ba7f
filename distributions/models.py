"""The console's tables.

- ``Distribution``, ``Origin``, ``CacheBehavior``: the mirror of what the backend
  holds, for listing and fleet-wide questions. Refreshed from the backend, never
  edited on their own (see ``publish.py``).
- ``EditSnapshot``: the config and ETag seen when an edit began; a push sends
  that ETag as IfMatch, and a conflict is shown against it.
- ``SimulatedDistribution``: the simulator's own control plane (a fake
  CloudFront, not part of the mirror).
"""

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from .cloudfront import patterns, rules


class ViewerProtocolPolicy(models.TextChoices):
    ALLOW_ALL = "allow-all", "HTTP and HTTPS"
    REDIRECT_TO_HTTPS = "redirect-to-https", "Redirect HTTP to HTTPS"
    HTTPS_ONLY = "https-only", "HTTPS Only"


class DistributionStatus(models.TextChoices):
    IN_PROGRESS = "InProgress", "In Progress"
    DEPLOYED = "Deployed", "Deployed"


class DistributionQuerySet(models.QuerySet):
    def requiring_https(self, required=True) -> Self:
        """Distributions whose every behavior requires HTTPS (or, with ``required=False``, those that allow HTTP).

        Reads the flag the mirror stored when it wrote the row: an index, not a scan of every behavior.
        """
        return self.filter(https_required=required)

    def search(self, text) -> Self:
        """Distributions whose ID, description, domain name or aliases contain ``text``."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(id__icontains=text)
            | Q(comment__icontains=text)
            | Q(domain_name__icontains=text)
            | Q(aliases_text__icontains=text)
        )

    def in_progress(self) -> Self:
        return self.filter(status=DistributionStatus.IN_PROGRESS)


class Distribution(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    arn = models.CharField(max_length=256, blank=True)
    domain_name = models.CharField(max_length=253, db_index=True)
    # Columns holding config values are as wide as CloudFront allows (cloudfront/rules.py), so that any
    # config CloudFront accepts fits; tests/test_import_validation.py holds them to it.
    comment = models.CharField(max_length=rules.MAX_COMMENT, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    # The aliases joined by spaces, so that a plain LIKE finds them on every database.
    aliases_text = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=DistributionStatus.choices)
    enabled = models.BooleanField(default=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    price_class = models.CharField(max_length=32, blank=True)
    http_version = models.CharField(max_length=16, blank=True)
    default_root_object = models.CharField(max_length=rules.MAX_DEFAULT_ROOT_OBJECT, blank=True)
    certificate = models.JSONField(default=dict, blank=True)
    etag = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True, default="")
    synced_at = models.DateTimeField(auto_now=True)
    # What the list shows, computed when the mirror writes the row (``mirror.list_fields``), so that
    # the list page reads one row per distribution and never joins or scans the behaviors.
    https_required = models.BooleanField(default=False, help_text="Every behavior redirects HTTP or is HTTPS only")
    behavior_count = models.PositiveIntegerField(default=0, help_text="Cache behaviors, the default included")
    http_behavior_count = models.PositiveIntegerField(default=0, help_text="Behaviors that allow HTTP (allow-all)")
    origin_count = models.PositiveIntegerField(default=0)
    origin_domains = models.JSONField(default=list, blank=True, help_text="The first few origins' domain names")
    # The start of the last full sync that saw this distribution listed: a sync deletes rows with an
    # older stamp at its end, without holding every listed ID in memory.
    listed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = DistributionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        # One index per filter and sort the list offers, each ending with the ID: the list's
        # keyset paging orders by (column, id), so a page is an index range, whatever N.
        indexes = [
            models.Index(fields=["last_modified", "id"], name="dist_modified_idx"),
            models.Index(fields=["https_required", "last_modified", "id"], name="dist_https_modified_idx"),
            models.Index(fields=["https_required", "id"], name="dist_https_idx"),
            models.Index(fields=["status", "id"], name="dist_status_idx"),
            models.Index(fields=["enabled", "id"], name="dist_enabled_idx"),
            models.Index(fields=["comment", "id"], name="dist_comment_idx"),
            models.Index(fields=["domain_name", "id"], name="dist_domain_idx"),
            models.Index(fields=["aliases_text", "id"], name="dist_aliases_idx"),
        ]

    def __str__(self):
        return self.id

    @property
    def is_deployed(self):
        return self.status == DistributionStatus.DEPLOYED

    @property
    def allows_http_on_some_behaviors(self):
        """HTTP and HTTPS on some behaviors only: a state to explain, not a failure (some objects may allow both)."""
        return 0 < self.http_behavior_count < self.behavior_count

    @property
    def certificate_label(self):
        cert = self.certificate or {}
        if cert.get("ACMCertificateArn"):
            return f"Custom SSL certificate (ACM): {cert['ACMCertificateArn']}"
        if cert.get("IAMCertificateId"):
            return f"Custom SSL certificate (IAM): {cert['IAMCertificateId']}"
        return "Default CloudFront certificate (*.cloudfront.net)"


class Origin(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="origins")
    position = models.PositiveIntegerField()
    origin_id = models.CharField(max_length=rules.MAX_ORIGIN_ID)
    domain_name = models.CharField(max_length=rules.MAX_DOMAIN_NAME)
    origin_type = models.CharField(max_length=16)  # "S3" or "Custom"
    protocol_policy = models.CharField(max_length=16, blank=True)
    ssl_protocols = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["distribution", "position"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "position"], name="origin_position_unique"),
            models.UniqueConstraint(fields=["distribution", "origin_id"], name="origin_id_unique"),
        ]

    def __str__(self):
        return f"{self.distribution_id}/{self.origin_id}"


class CacheBehavior(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="behaviors")
    precedence = models.PositiveIntegerField(help_text="0 is evaluated first; the default behavior is last")
    is_default = models.BooleanField(default=False)
    path_pattern = models.CharField(
        max_length=patterns.MAX_LENGTH, help_text='As written in the config; "*" for the default'
    )
    target_origin_id = models.CharField(max_length=rules.MAX_ORIGIN_ID)
    viewer_protocol_policy = models.CharField(max_length=24, choices=ViewerProtocolPolicy.choices)
    allowed_methods = models.JSONField(default=list)

    class Meta:
        ordering = ["distribution", "precedence"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "precedence"], name="behavior_precedence_unique"),
            models.UniqueConstraint(fields=["distribution"], condition=Q(is_default=True), name="one_default_behavior"),
        ]

    def __str__(self):
        return f"{self.distribution_id} {self.path_pattern}"

    @property
    def allows_http(self):
        return self.viewer_protocol_policy == ViewerProtocolPolicy.ALLOW_ALL


class EditSnapshot(models.Model):
    """A config exactly as fetched with its ETag, kept while an edit is reviewed."""

    distribution_id = models.CharField(max_length=32)
    etag = models.CharField(max_length=64)
    config = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["distribution_id", "etag"], name="snapshot_per_etag"),
        ]


# Staff self-service: teams own distributions; every push attempt is recorded.


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="console_teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamDistribution(models.Model):
    """A team owns a distribution (by ID, so that ownership survives mirror refreshes)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="distributions")
    distribution_id = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "distribution_id"], name="team_distribution_unique"),
        ]

    def __str__(self):
        return f"{self.team} owns {self.distribution_id}"


class ApprovalRule(models.Model):
    """Whether Operators' pushes need a second person: one fleet-wide row ("") and per-distribution rows."""

    FLEET = ""
    distribution_id = models.CharField(max_length=32, unique=True, blank=True)
    required = models.BooleanField(default=False)

    def __str__(self):
        scope = self.distribution_id or "fleet"
        return f"{scope}: approval {'required' if self.required else 'not required'}"


class ChangeRequestState(models.TextChoices):
    DRAFT = "draft", "Draft (returned to its author)"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    APPLYING = "applying", "Being pushed"
    REJECTED = "rejected", "Rejected"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


class ChangeRequest(models.Model):
    """An Operator's Yes, Edit waiting for an Approver when approval is required."""

    distribution_id = models.CharField(max_length=32, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_requests")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=ChangeRequestState.choices, default=ChangeRequestState.SUBMITTED)
    summary = models.CharField(max_length=500)
    etag = models.CharField(max_length=64, help_text="The version the change was reviewed against")
    config_before = models.JSONField()
    config_after = models.JSONField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="decided_requests"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.distribution_id} ({self.state})"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def complete(self, pk, outcome, **fields):
        """Complete a pending entry with CloudFront's answer, once; how many entries were completed (0 or 1).

        The only change the audit trail accepts: a push is recorded as pending before anything is sent,
        and completed by one conditional UPDATE that matches pending entries only, so a completed entry
        never changes again and two completions of one entry cannot both land.
        """
        if outcome == AuditOutcome.PENDING or not set(fields) <= COMPLETION_FIELDS:
            raise PermissionError("A pending entry is completed with an outcome and CloudFront's answer only.")
        pending = self.filter(pk=pk, outcome=AuditOutcome.PENDING)
        return models.QuerySet.update(pending, outcome=outcome, **fields)

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditOutcome(models.TextChoices):
    PUSHED = "pushed", "Pushed"
    CONFLICT = "conflict", "Conflict"
    ERROR = "error", "Error"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned to its author"
    COMPLETED = "completed", "Completed"
    PENDING = "pending", "Pending (sent, CloudFront's answer not yet recorded)"
    UNCONFIRMED = "unconfirmed", "Unconfirmed (CloudFront's answer was lost)"


# What completing a pending entry may set (``AuditQuerySet.complete``); who, what and both configs never change.
COMPLETION_FIELDS = frozenset({"etag_after", "error_code", "error_message", "request_id", "note"})


class AuditEntry(models.Model):
    """One push attempt or approval decision: who, when, what, and what CloudFront answered. Append-only:
    a push's entry is written pending before anything is sent and completed once (``AuditQuerySet.complete``)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, help_text="Kept even if the user is deleted")
    distribution_id = models.CharField(max_length=32, db_index=True)
    action = models.CharField(max_length=64)
    summary = models.CharField(max_length=500)
    changes = models.JSONField(default=list, help_text="[path, before, after] triples")
    config_before = models.JSONField(null=True, blank=True)
    config_after = models.JSONField(null=True, blank=True)
    etag_before = models.CharField(max_length=64, blank=True)
    etag_after = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=AuditOutcome.choices)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    change_request = models.ForeignKey(ChangeRequest, null=True, blank=True, on_delete=models.PROTECT)
    note = models.TextField(blank=True, help_text="How the entry was completed, when not by the push itself")

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.distribution_id} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


# The sandbox edge's tables (certificates, usage) live with the edge.
