"""TLS at the sandbox edge: server contexts and the certificate chosen for each handshake.

HTTPS picks the certificate by SNI: ``*.cloudfront.net`` for d….cloudfront.net
names (and for viewers sending no SNI), the distribution's own certificate for
its alternate domain names. An alias whose ViewerCertificate names an ARN or ID
the simulator does not hold, or a name no distribution serves, fails the
handshake (the edge aborts it; clients report an unexpected EOF or a handshake
failure); an alias the certificate does not cover gets that certificate, and the
viewer's hostname check fails, as it would with CloudFront.
"""

import logging
import os
import ssl
import tempfile

from ...cloudfront import hosts
from .. import ca

logger = logging.getLogger(__name__)

# MinimumProtocolVersion -> the lowest TLS version the edge accepts for that distribution.
MINIMUM_TLS = {
    "SSLv3": ssl.TLSVersion.TLSv1,  # SSLv3 is long gone from OpenSSL; TLS 1.0 is the floor here
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1_2016": ssl.TLSVersion.TLSv1,
    "TLSv1.1_2016": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2_2018": ssl.TLSVersion.TLSv1_2,
    "TLSv1.2_2019": ssl.TLSVersion.TLSv1_2,
    "TLSv1.2_2021": ssl.TLSVersion.TLSv1_2,
    "TLSv1.2_2025": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3_2025": ssl.TLSVersion.TLSv1_3,
}


def server_context(chain_pem, key_pem, minimum_version=None):
    """A server SSLContext presenting ``chain_pem`` (certificate first) with ``key_pem``.

    OpenSSL loads certificates from files only: the PEMs pass through a private
    temporary file that is removed at once.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_alpn_protocols(["http/1.1"])
    if minimum_version is not None:
        context.minimum_version = minimum_version
    fd, path = tempfile.mkstemp(prefix="edge-cert-", suffix=".pem")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key_pem.strip() + "\n" + chain_pem.strip() + "\n")
        context.load_cert_chain(path)
    finally:
        os.unlink(path)
    return context


def file_context(cert_path, key_path, minimum_version=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_alpn_protocols(["http/1.1"])
    if minimum_version is not None:
        context.minimum_version = minimum_version
    context.load_cert_chain(cert_path, key_path)
    return context


def client_context():
    """What the edge uses to reach HTTPS origins on this machine: trusts the local CA only."""
    return ssl.create_default_context(cafile=str(ca.ca_certificate_path()))


class CertificateSelector:
    """Chooses the certificate for each TLS handshake from the SNI server name."""

    def __init__(self):
        cert_path, key_path = ca.cloudfront_certificate_files()
        self.default = file_context(cert_path, key_path)
        self.default.sni_callback = self.select
        self.by_name = {}  # host name -> SSLContext, or None when the handshake must fail
        self._contexts = {}  # (certificate pk, minimum TLS version) -> SSLContext

    def rebuild(self, snapshot, known_certificates):
        """Recompute the name -> context table (database thread); swapped in with one assignment."""
        table = {}
        for distribution in snapshot.distributions.values():
            if not distribution.aliases:
                continue
            certificate = known_certificates.get(distribution.certificate_ref)
            context = None
            if certificate is not None:
                minimum = MINIMUM_TLS.get(distribution.minimum_protocol_version)
                context_key = (certificate.pk, minimum)
                context = self._contexts.get(context_key)
                if context is None:
                    try:
                        context = server_context(
                            certificate.certificate_pem + certificate.chain_pem, certificate.private_key_pem, minimum
                        )
                    except (ssl.SSLError, ValueError):
                        logger.exception("Certificate %s cannot be loaded", certificate.arn)
                    self._contexts[context_key] = context
            for alias in distribution.aliases:
                table[alias] = context
        self.by_name = table

    def select(self, ssl_object, server_name, _context):
        if server_name is None:
            return None  # no SNI: the default certificate, as CloudFront does
        name = server_name.lower().rstrip(".")
        table = self.by_name
        # A wildcard alias (*.example.com) routes any name below it (cloudfront/hosts.py).
        name = next((key for key in [name, *hosts.wildcard_keys(name)] if key in table), name)
        if name in table:
            chosen = table[name]
            if chosen is None:
                return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
            ssl_object.context = chosen
            return None
        if name.endswith(".cloudfront.net"):
            return None
        return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
