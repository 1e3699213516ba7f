"""The invalidation operations: CreateInvalidation, GetInvalidation, ListInvalidations."""

from ...backends.base import get_backend
from .. import changes
from .distributions import max_items


def create_invalidation(caller, params):
    distribution_id = params["DistributionId"]
    created = changes.create_invalidation(caller, distribution_id, params["InvalidationBatch"])
    location = caller.url(f"/2020-05-31/distribution/{distribution_id}/invalidation/{created['Id']}")
    return {"Invalidation": created, "Location": location}


def get_invalidation(caller, params):
    caller.require_view(params["DistributionId"])
    return {"Invalidation": get_backend().get_invalidation(params["DistributionId"], params["Id"])}


def list_invalidations(caller, params):
    """ListInvalidations, newest first, paged by the last invalidation ID of the previous page."""
    caller.require_view(params["DistributionId"])
    invalidations = get_backend().list_invalidations(params["DistributionId"])
    marker, limit = params.get("Marker", ""), max_items(params.get("MaxItems"))
    ids = [item["Id"] for item in invalidations]
    start = ids.index(marker) + 1 if marker in ids else 0
    page = invalidations[start : start + limit]
    truncated = start + limit < len(invalidations)
    result = {"Marker": marker, "MaxItems": limit, "IsTruncated": truncated, "Quantity": len(page)}
    if page:
        result["Items"] = [{key: item[key] for key in ("Id", "CreateTime", "Status")} for item in page]
    if truncated:
        result["NextMarker"] = page[-1]["Id"]
    return {"InvalidationList": result}
