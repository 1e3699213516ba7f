"""The sandbox's CloudFront REST API (2020-05-31) at ``<console URL>/sandbox-api``.

Only in sandbox mode (``CONSOLE_BACKEND=simulator``). Requests are signed with
AWS Signature Version 4 by per-user access keys (``keys.py``, ``sigv4.py``);
parsing and serialization follow botocore's CloudFront service model
(``shapes.py``, ``protocol.py``); every change goes through the console's
rights, pipeline, approvals and audit trail (``operations/``, ``changes.py``).
"""
