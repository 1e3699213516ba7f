"""The fleet's HTTPS posture and the bulk "Require HTTPS" change (issue 17).

- ``posture``: which behaviors of the visible fleet still let viewers use HTTP, and
  the fleet's other HTTPS findings, read from the mirror in constant queries.
- ``plan``: the bulk plan (one reviewed change per distribution, exclusions and
  write-accepting behaviors flagged) and applying it through the one pipeline.
- ``models``: ``BulkChange``, the plan and the per-distribution results.

Depends downward only: on the mirror models, ``access``, ``pipeline``, ``publish``
and the pure ``cloudfront/`` package; nothing outside imports this app but urls.
"""
