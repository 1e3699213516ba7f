"""A bulk "Require HTTPS" change: the plan as reviewed, and what became of each distribution."""

from django.conf import settings
from django.db import models

from distributions.models import AuditEntry

# A distribution's result when the run stopped on it: tried again on resume.
INTERRUPTED = "interrupted"


class BulkChangeState(models.TextChoices):
    PLANNED = "planned", "Planned"
    APPLYING = "applying", "Being applied"
    STOPPED = "stopped", "Stopped: resume to go on"
    DONE = "done", "Done"


class BulkChange(models.Model):
    """One plan: per distribution, the ETag it was reviewed on and the behaviors it changes.

    ``plan`` is the JSON the plan page and ``require_https --dry-run`` show;
    ``results`` maps a distribution ID to ``{"status", "message"}`` as each
    update is attempted, so an interrupted run resumes where it stopped. An
    ``interrupted`` result (CloudFront throttling or failing after botocore's
    retries) is not final: that distribution is tried again on resume.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    policy = models.CharField(max_length=24)
    exclusions = models.JSONField(default=list)
    plan = models.JSONField(default=list)
    results = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=BulkChangeState.choices, default=BulkChangeState.PLANNED)
    confirmed = models.BooleanField(default=False)
    acknowledged = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        """How the audit trail names this bulk change (every entry's summary starts with it)."""
        return f"Bulk change {self.pk}"

    def audit_entries(self):
        """The audit trail's entries of this bulk change (every summary starts with its reference), oldest first."""
        return AuditEntry.objects.filter(summary__startswith=f"{self.reference}: ").order_by("at", "id")

    @property
    def pending(self):
        """Plan entries with something to change and no final result yet (none, or ``interrupted``)."""
        return [
            e
            for e in self.plan
            if e["patterns"]
            and not e.get("error")
            and self.results.get(e["id"], {}).get("status") in (None, INTERRUPTED)
        ]
