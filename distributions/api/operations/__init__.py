"""One handler per supported CloudFront operation: ``handler(caller, params) -> output dict``.

``params`` are the operation's input members as boto3 names them; the output
dict holds the output shape's members (``ETag``, ``Location`` and the payload).
"""

from . import distributions, invalidations, tags

HANDLERS = {
    "ListDistributions": distributions.list_distributions,
    "GetDistribution": distributions.get_distribution,
    "GetDistributionConfig": distributions.get_distribution_config,
    "CreateDistribution": distributions.create_distribution,
    "CreateDistributionWithTags": distributions.create_distribution_with_tags,
    "UpdateDistribution": distributions.update_distribution,
    "DeleteDistribution": distributions.delete_distribution,
    "CreateInvalidation": invalidations.create_invalidation,
    "GetInvalidation": invalidations.get_invalidation,
    "ListInvalidations": invalidations.list_invalidations,
    "TagResource": tags.tag_resource,
    "UntagResource": tags.untag_resource,
    "ListTagsForResource": tags.list_tags_for_resource,
}


def handle(operation, caller, params):
    """Run one operation for ``caller``; CloudFront errors are raised as BackendError."""
    return HANDLERS[operation](caller, params)
