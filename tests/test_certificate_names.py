"""Certificate names as ACM and certificate authorities accept them, for created and imported certificates alike."""

import pytest

from distributions.cloudfront.public_suffixes import is_public_suffix
from distributions.sandbox import ca
from distributions.sandbox.certificates import CertificateError, create_self_signed, import_certificate
from distributions.sandbox.models import SimulatedCertificate

pytestmark = pytest.mark.django_db

REFUSED = [
    "*",
    "*.com",
    "*.co.uk",
    "*.COM.",  # case and a trailing dot change nothing
    "*.foo.kawasaki.jp",  # under the wildcard rule *.kawasaki.jp
    "*.*.example.com",  # a wildcard is one whole leftmost label
    "www.*.example.com",
    "w*.example.com",
    "localhost",
]
ACCEPTED = [
    "www.example.com",
    "*.example.com",
    "*.example.co.uk",
    "*.kawasaki.jp",  # kawasaki.jp itself is no suffix: only the names under it are
    "*.city.kawasaki.jp",  # the exception !city.kawasaki.jp
    "*.github.io",  # the list's private section is not used: github.io's owner holds this certificate
]


@pytest.mark.parametrize(
    "name, expected",
    [("com", True), ("co.uk", True), ("uk", True), ("example.co.uk", False), ("x.ck", True), ("www.ck", False),
     ("xn--p1ai", True), ("рф", True), ("unlisted", True), ("example.com", False)],
)  # fmt: skip
def test_public_suffixes_follow_the_lists_algorithm(name, expected):
    assert is_public_suffix(name) is expected


class TestCreate:
    @pytest.mark.parametrize("name", REFUSED)
    def test_it_refuses(self, name):
        with pytest.raises(CertificateError):
            create_self_signed([name])
        assert not SimulatedCertificate.objects.exists()

    @pytest.mark.parametrize("name", ACCEPTED)
    def test_it_accepts(self, name):
        assert create_self_signed([name]).domain_names == [name]


def pems(names):
    key = ca.new_key()
    return ca.cert_pem(ca.sign_certificate(names, key, None, key)), ca.key_pem(key)


class TestImport:
    @pytest.mark.parametrize("name", REFUSED)
    def test_it_refuses_what_create_refuses(self, name):
        with pytest.raises(CertificateError) as error:
            import_certificate(*pems(["www.example.com", name]))
        assert repr(name.lower()) in error.value.message  # ACM lists names in lower case
        assert not SimulatedCertificate.objects.exists()

    @pytest.mark.parametrize("name", ACCEPTED)
    def test_it_accepts_what_create_accepts(self, name):
        assert import_certificate(*pems([name])).domain_names == [name]
