"""The bulk "Require HTTPS" plan: one reviewed change per distribution, then applying it.

Building a plan fetches each distribution's config and ETag (``publish.begin_edit``,
one GetDistributionConfig each) and reviews the change exactly as a single edit
would. Applying sends one UpdateDistribution per distribution through
``pipeline.submit_reviewed`` with the ETag the plan was reviewed on: a
distribution changed since is a CONFLICT, listed and left alone, and the rest go
on. Every audit entry's summary starts with the bulk change's reference.
"""

from django.db.models import Exists, OuterRef

from distributions import access, pipeline, publish
from distributions.backends.base import BackendError
from distributions.cloudfront import config as cfg
from distributions.cloudfront import patterns, viewer
from distributions.cloudfront.checklist import check
from distributions.models import CacheBehavior, ViewerProtocolPolicy
from distributions.review import finding_id

from .posture import WRITE_METHODS, accepts_writes, excluded_by, visible_distributions

ACTION = "bulk-require-https"
SKIPPED = "skipped"
DONE_STATUSES = (pipeline.PUSHED, pipeline.SUBMITTED)
CHECKLIST = pipeline.Confirmation(
    "confirm",
    "Confirm the step-7 checklist once for the whole plan: the path patterns, their order and their origins.",
)


def candidate_ids(user=None, team=None):
    """Visible distributions whose mirror shows a behavior allowing HTTP (one query)."""
    allows_http = CacheBehavior.objects.filter(
        distribution=OuterRef("pk"), viewer_protocol_policy=ViewerProtocolPolicy.ALLOW_ALL
    )
    rows = visible_distributions(user, team).filter(Exists(allows_http)).order_by("id")
    return list(rows.values_list("id", flat=True))


def answers(policy, allowed_methods):
    """What HTTP viewers get after the change, per method group (the reference page's table, 2024 revision)."""
    reads = [m for m in ("GET", "HEAD") if m in allowed_methods]
    others = [m for m in allowed_methods if m not in ("GET", "HEAD")]
    if policy == "https-only":
        return [f"{', '.join(allowed_methods)}: 403 over HTTP"]
    result = [f"{', '.join(reads)}: 301 to HTTPS"] if reads else []
    if others:
        result.append(f"{', '.join(sorted(others))}: 307 to HTTPS (HTTP/1.1 and later), 403 below HTTP/1.1")
    return result


def _review_dict(change_review):
    def finding(f):
        return {**f.as_dict(), "id": finding_id(f)}

    return {
        "changes": [list(change) for change in change_review.changes],
        "added": [finding(f) for f in change_review.added],
        "removed": [finding(f) for f in change_review.removed],
        "moved": [list(m) for m in change_review.moved],
        "acknowledgeable": [finding_id(f) for f in change_review.acknowledgeable],
        "refused": [f.message for f in change_review.refused],
    }


def _exclusion_notes(config, changed, exclusions):
    """Exclusions whose paths a changed behavior serves: they will need HTTPS too (e.g. ACME through ``*``)."""
    notes = []
    for exclusion in exclusions:
        if not patterns.is_valid(exclusion):
            continue
        path = patterns.example_path(exclusion)
        behavior, _ = viewer.match(config, path)
        if behavior.path_pattern in changed:
            notes.append(
                f"HTTP requests for {path} are served by {behavior.path_pattern!r}, which this plan changes: "
                f"if this distribution must answer {exclusion} over HTTP (ACME HTTP-01, health checks), "
                "add a behavior for it first."
            )
    return notes


def _choose(config, policy, exclusions, chosen, entry):
    """Fill ``entry`` with the behaviors to change, the excluded ones and the write-accepting ones."""
    unused = {f.path_pattern for f in check(config) if f.code in ("shadowed-behavior", "duplicate-path-pattern")}
    for behavior in cfg.behaviors(config):
        pattern = behavior.path_pattern
        if behavior.viewer_protocol_policy != "allow-all" or (chosen is not None and pattern not in chosen):
            continue
        exclusion = excluded_by(pattern, exclusions)
        if exclusion:
            entry["excluded"].append({"path_pattern": pattern, "exclusion": exclusion})
            continue
        entry["patterns"].append(pattern)
        methods = behavior.allowed_methods
        entry["answers"].append({"path_pattern": pattern, "answers": answers(policy, methods)})
        if pattern in unused:
            entry["shadowed"].append(pattern)
        if accepts_writes(methods) and policy == "redirect-to-https":
            writes = ", ".join(m for m in WRITE_METHODS if m in methods)
            entry["writes"].append(
                {
                    "path_pattern": pattern,
                    "message": f"{pattern!r} accepts {writes}: under Redirect HTTP to HTTPS an HTTP/1.1 client gets "
                    "307 after its request body already crossed the network in clear. HTTPS Only is recommended.",
                }
            )


def plan_distribution(user, distribution_id, policy, exclusions, chosen=None, backend=None):
    """One distribution's entry of the plan (a JSON-ready dict); ``chosen`` limits it to these patterns."""
    entry = {
        "id": distribution_id, "etag": "", "patterns": [], "excluded": [], "writes": [], "shadowed": [],
        "answers": [], "notes": [], "review": None, "error": "",
    }  # fmt: skip
    if user is not None and not access.can_view(user, distribution_id):
        entry["error"] = f"NoSuchDistribution: The distribution {distribution_id} does not exist."
        return entry
    if user is not None and not access.can_edit(user, distribution_id):
        entry["error"] = f"AccessDenied: {user.get_username()} ({access.role_label(user)}) cannot change it."
        return entry
    try:
        snapshot = publish.begin_edit(distribution_id, backend)
    except BackendError as exc:
        entry["error"] = f"{exc.code}: {exc.message}"
        return entry
    entry["etag"] = snapshot.etag
    _choose(snapshot.config, policy, exclusions, chosen, entry)
    if entry["patterns"]:
        after = cfg.set_viewer_protocol_policy(snapshot.config, entry["patterns"], policy)
        entry["review"] = _review_dict(pipeline.review_change(snapshot.config, after, backend))
        entry["notes"] = _exclusion_notes(snapshot.config, entry["patterns"], exclusions)
    return entry


def build_plan(user, distribution_ids, policy, exclusions, chosen=None, backend=None):
    """The plan for these distributions: a list of entries, one per distribution, in the order given.

    ``chosen`` maps a distribution ID to the path patterns picked one by one;
    without it every behavior allowing HTTP is planned, exclusions aside.
    """
    if policy not in ("redirect-to-https", "https-only"):
        raise ValueError(f"Require HTTPS means redirect-to-https or https-only, not {policy!r}.")
    chosen = chosen or {}
    return [
        plan_distribution(user, d, policy, exclusions, chosen.get(d), backend) for d in dict.fromkeys(distribution_ids)
    ]
