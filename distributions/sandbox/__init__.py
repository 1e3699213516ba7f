"""The training sandbox: a fake CloudFront with no AWS account.

- ``models``: the simulated control plane's tables and the edge's (shared by both).
- ``simulator``: the control plane, a ``Backend`` like ``backends.aws``.
- ``edge/``: what viewers get from the *deployed* configs, and ``runedge``'s server.
- ``certificates`` and ``ca``: certificates viewers are shown, signed by a local CA.
- ``fixtures``: the sandbox's demo distributions; ``views``: Test a request, Usage, Reset.

Everything here depends downward: on the pure ``cloudfront/`` package, on the
console's mirror models and services, never the other way round (enforced by
tests/test_architecture.py).
"""
