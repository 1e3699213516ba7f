"""Pure CloudFront semantics: plain functions over the DistributionConfig dict.

Nothing in this package imports Django; the simulator, the edge, the console's
checklist and the AWS backend all reuse it.
"""
