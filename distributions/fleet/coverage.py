"""Which names the fleet's custom certificates cover, for the posture's ``alias-not-covered``.

The mirror keeps each distribution's ViewerCertificate and aliases but not the
certificates' names, which live in ACM (AWS) or the sandbox's own table. One
listing of the backend's certificates answers for every distribution (AWS:
ListCertificates, one call per page, plus ListServerCertificates; the sandbox:
one query), so the cost follows the number of certificates, not of
distributions. ListCertificates returns only a certificate's first 100 names
("To display the full list of subject alternative names, use
DescribeCertificate": ACM API reference, CertificateSummary) and, unless
filtered, only RSA certificates: an alias the listing does not cover is
confirmed with the certificate's full name list (``certificate_names``: AWS's
DescribeCertificate), as ``check_distribution`` reads it, before it is reported.
"""

from distributions.backends.base import BackendError, get_backend
from distributions.cloudfront.certificates import certificate_reference, covers


def _listed_names(backend):
    """Reference (ARN, or the sandbox's IAM ID) -> names, from one listing; None when it cannot be listed."""
    try:
        listing = backend.certificates()
    except BackendError:
        return None
    names = {}
    for certificate in listing:
        if certificate.get("names"):
            for reference in (certificate.get("id"), certificate.get("iam_id")):
                if reference:
                    names[reference] = list(certificate["names"])
    return names


def certificate_names(rows, backend=None):
    """Per custom certificate the mirror rows name with aliases: the names it covers, or None when unknown.

    ``rows`` are dicts with ``aliases`` and ``certificate`` (the ViewerCertificate).
    A certificate whose names cannot be read (an IAM certificate on AWS, no
    permission) maps to None: its aliases are not checked, as the checker does.
    """
    needed = {}
    for row in rows:
        reference = certificate_reference({"ViewerCertificate": row["certificate"] or {}})
        if reference and row["aliases"]:
            needed.setdefault(reference, set()).update(row["aliases"])
    if not needed:
        return {}
    backend = backend or get_backend()
    listed = _listed_names(backend) or {}
    result = {}
    for reference, aliases in needed.items():
        names = listed.get(reference)
        if names is None or not all(covers(names, alias) for alias in aliases):
            names = backend.certificate_names(reference) or names
        result[reference] = names
    return result
