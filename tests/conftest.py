import pytest
from django.test import override_settings

from distributions import mirror, publish
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
