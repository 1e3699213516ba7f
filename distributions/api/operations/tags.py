"""The tag operations: TagResource, UntagResource, ListTagsForResource (and the tags of
CreateDistributionWithTags). Tags are kept in the API's own table, keyed by distribution ID."""

import re

from django.conf import settings
from django.db import transaction

from ... import access
from ...backends.base import NoSuchDistribution, get_backend
from ...models import AuditOutcome
from .. import changes
from ..models import DistributionTag
from ..protocol import api_error

ARN = re.compile(r"arn:aws:cloudfront::(?P<account>\d{12}):distribution/(?P<id>[A-Za-z0-9]+)")
TAG_TEXT = re.compile(r"[\w\s.:/=+\-@]*")  # CloudFront's ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$
MAX_TAGS = 50


def _resource(caller, resource, operation, edit=False):
    """The distribution ID an ARN names; NoSuchResource for what the key's owner cannot see."""
    match = ARN.fullmatch(resource or "")
    if match is None:
        raise api_error("InvalidArgument", f"{resource!r} is not the ARN of a CloudFront distribution.")
    distribution_id = match["id"]
    missing = api_error("NoSuchResource", f"The resource {resource} does not exist.")
    if match["account"] != settings.CONSOLE_SIMULATOR_ACCOUNT_ID or not access.can_view(caller.user, distribution_id):
        raise missing
    try:
        get_backend().get_distribution(distribution_id)
    except NoSuchDistribution:
        raise missing from None
    if edit and not access.can_edit(caller.user, distribution_id):
        raise caller.denied(operation, resource, "the role can read this distribution but not change it.")
    return distribution_id


def _check_text(what, text, longest, shortest=0):
    if not isinstance(text, str) or not shortest <= len(text) <= longest or not TAG_TEXT.fullmatch(text):
        raise api_error(
            "InvalidTagging",
            f"Tag {what} {text!r} must have {shortest} to {longest} letters, digits, spaces or _ . : / = + - @.",
        )


def checked_tags(document):
    """``{key: value}`` from a Tags document, or InvalidTagging."""
    tags = {}
    for item in document.get("Items") or []:
        key, value = item.get("Key"), item.get("Value", "")
        _check_text("key", key, 128, 1)
        _check_text("value", value, 256)
        if key.lower().startswith("aws:"):
            raise api_error("InvalidTagging", f"Tag keys cannot start with aws: ({key!r}).")
        if key in tags:
            raise api_error("InvalidTagging", f"The tag key {key!r} appears more than once.")
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise api_error("InvalidTagging", f"A distribution can have at most {MAX_TAGS} tags.")
    return tags


def save_tags(caller, distribution_id, tags, operation):
    """Add or overwrite tags on a distribution (at most 50 in all) and record it in the audit trail."""
    with transaction.atomic():
        existing = set(DistributionTag.objects.filter(distribution_id=distribution_id).values_list("key", flat=True))
        if len(existing | set(tags)) > MAX_TAGS:
            raise api_error("InvalidTagging", f"A distribution can have at most {MAX_TAGS} tags.")
        for key, value in tags.items():
            DistributionTag.objects.update_or_create(
                distribution_id=distribution_id, key=key, defaults={"value": value}
            )
        if tags:
            listed = ", ".join(f"{key}={value}" for key, value in tags.items())
            changes.audit(caller, distribution_id, "api-tag", f"{operation}: {listed}", AuditOutcome.PUSHED)


def tag_resource(caller, params):
    distribution_id = _resource(caller, params.get("Resource"), "TagResource", edit=True)
    save_tags(caller, distribution_id, checked_tags(params["Tags"]), "TagResource")
    return {}


def untag_resource(caller, params):
    distribution_id = _resource(caller, params.get("Resource"), "UntagResource", edit=True)
    keys = params["TagKeys"].get("Items") or []
    removed, _ = DistributionTag.objects.filter(distribution_id=distribution_id, key__in=keys).delete()
    if removed:
        changes.audit(caller, distribution_id, "api-tag", f"UntagResource: {', '.join(keys)}", AuditOutcome.PUSHED)
    return {}


def list_tags_for_resource(caller, params):
    distribution_id = _resource(caller, params.get("Resource"), "ListTagsForResource")
    rows = DistributionTag.objects.filter(distribution_id=distribution_id)
    return {"Tags": {"Items": [{"Key": row.key, "Value": row.value} for row in rows]}}
