"""The distribution operations: List, Get, GetConfig, Create (with tags), Update, Delete."""

from ... import access
from ...backends.base import get_backend
from .. import changes
from ..protocol import api_error
from . import tags

DEFAULT_MAX_ITEMS = 100
LIMIT_MAX_ITEMS = 1000


def max_items(value, default=DEFAULT_MAX_ITEMS):
    """MaxItems as CloudFront takes it (a string in the model): a positive number, at most 1,000."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise api_error("InvalidArgument", f"MaxItems must be a positive integer, not {value!r}.")
    return min(number, LIMIT_MAX_ITEMS)


def list_distributions(caller, params):
    """ListDistributions: the distributions the key's owner may see, a page at a time."""
    marker, limit = params.get("Marker", ""), max_items(params.get("MaxItems"))
    summaries, next_marker = get_backend().list_distributions_page(marker, limit, access.visible_filter(caller.user))
    page = {"Marker": marker, "MaxItems": limit, "IsTruncated": next_marker is not None, "Quantity": len(summaries)}
    if summaries:
        page["Items"] = summaries
    if next_marker:
        page["NextMarker"] = next_marker
    return {"DistributionList": page}


def get_distribution(caller, params):
    caller.require_view(params["Id"])
    return get_backend().get_distribution(params["Id"])


def get_distribution_config(caller, params):
    caller.require_view(params["Id"])
    config, etag = get_backend().get_distribution_config(params["Id"])
    return {"DistributionConfig": config, "ETag": etag}


def _created(caller, distribution, etag):
    location = caller.url(f"/2020-05-31/distribution/{distribution['Id']}")
    return {"Distribution": distribution, "ETag": etag, "Location": location}


def create_distribution(caller, params):
    return _created(caller, *changes.create_distribution(caller, params["DistributionConfig"]))


def create_distribution_with_tags(caller, params):
    """CreateDistributionWithTags: the tags are checked first, so that a bad tag creates nothing."""
    document = params["DistributionConfigWithTags"]
    if "DistributionConfig" not in document or "Tags" not in document:
        raise api_error("MalformedInput", "DistributionConfigWithTags needs a DistributionConfig and Tags.")
    tag_items = tags.checked_tags(document["Tags"])
    distribution, etag = changes.create_distribution(caller, document["DistributionConfig"])
    tags.save_tags(caller, distribution["Id"], tag_items, "CreateDistributionWithTags")
    return _created(caller, distribution, etag)


def update_distribution(caller, params):
    distribution, etag = changes.update_distribution(
        caller, params["Id"], params["DistributionConfig"], params.get("IfMatch")
    )
    return {"Distribution": distribution, "ETag": etag}


def delete_distribution(caller, params):
    changes.delete_distribution(caller, params["Id"], params.get("IfMatch"))
    return {}
