import pytest
from django.test import override_settings
from moto import mock_aws

from distributions import mirror, publish
from distributions.backends import aws
from distributions.backends.aws import AwsBackend
from distributions.sandbox.simulator import SimulatorBackend

from .factories import UserFactory, distribution_config


@pytest.fixture(autouse=True)
def _instant_deploys(settings):
    """Simulated changes deploy at once unless a test sets a delay itself."""
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    settings.CONSOLE_BACKEND = "simulator"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests


@pytest.fixture(autouse=True, scope="session")
def _edge_state(tmp_path_factory):
    """The edge's local CA and certificates go to a temporary folder, not the project
    (session-wide, so that a module's own override still wins)."""
    with override_settings(CONSOLE_EDGE_STATE_DIR=tmp_path_factory.mktemp("edge-state")):
        yield


@pytest.fixture
def simulator(db):
    return SimulatorBackend()


@pytest.fixture
def make_distribution(simulator):
    """Create a simulated distribution (deployed, mirrored) from distribution_config() arguments."""

    def make(*args, **kwargs):
        row = publish.import_distribution(distribution_config(*args, **kwargs), simulator)
        return mirror.sync_distribution(row.id, simulator)  # completes the zero-second deployment

    return make


@pytest.fixture
def static_site(make_distribution):
    """The reference page's shape: /images/* and /css/* on one origin, everything allow-all."""
    return make_distribution([("/images/*", "allow-all"), ("/css/*", "allow-all")], comment="Static site")


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def aws_environment(monkeypatch):
    """Dummy credentials, no profile, and a fresh shared session: never the real AWS."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDFRONT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setattr(aws, "_session", None)


@pytest.fixture
def moto_backend(aws_environment):
    with mock_aws():
        yield AwsBackend()
