"""Viewer certificates: which one a config names, and which host names a certificate covers."""


def certificate_reference(config: dict | None) -> str | None:
    """The ACM ARN or IAM ID of the config's custom certificate, or None when viewers get the default one.

    ``CloudFrontDefaultCertificate: true`` wins over a named certificate: CloudFront presents
    *.cloudfront.net then (and refuses a config that sets both on update).
    """
    certificate = (config or {}).get("ViewerCertificate") or {}
    if certificate.get("CloudFrontDefaultCertificate") is True:
        return None
    return certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId") or None


def covers(domain_names: list[str], hostname: str) -> bool:
    """True when a certificate for ``domain_names`` is valid for ``hostname``.

    Matching is case-insensitive; a wildcard stands for exactly one leftmost label
    (``*.example.com`` covers ``www.example.com``, not ``example.com`` nor ``a.b.example.com``).
    """
    host = (hostname or "").lower().rstrip(".")
    if not host:
        return False
    for name in domain_names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host:
            label, rest = host.split(".", 1)
            if label and rest == name[2:]:
                return True
    return False
