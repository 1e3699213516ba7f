"""The backend protocol both CloudFront implementations speak, and its errors.

Both the simulator and AWS take and return CloudFront's own JSON shapes:
``get_distribution`` returns ``{"Distribution": {...}, "ETag": ...}`` as
GetDistribution does, ``get_distribution_config`` returns ``(DistributionConfig,
ETag)``, ``list_distributions`` yields ListDistributions summaries.
"""

from collections.abc import Iterator
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class BackendError(Exception):
    """A CloudFront error, with CloudFront's code and HTTP status."""

    status = 400

    def __init__(self, code, message, status=None, field=()):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        # The member at fault inside the DistributionConfig, when the simulator knows it (CloudFront's own
        # answers name none): ("Origins", "Items", 0, "Id").
        self.field = tuple(field)
        if status is not None:
            self.status = status


class NoSuchDistribution(BackendError):
    status = 404

    def __init__(self, distribution_id, message=None):
        super().__init__("NoSuchDistribution", message or f"The distribution {distribution_id} does not exist.")
        self.distribution_id = distribution_id


class PreconditionFailed(BackendError):
    """The IfMatch ETag is stale: the distribution changed since it was read."""

    status = 412

    # CloudFront's own wording (cloud-custodian/cloud-custodian#3117), not InvalidIfMatchVersion's.
    def __init__(
        self,
        message="The request failed because it didn't meet the preconditions in one or more request-header fields.",
    ):
        super().__init__("PreconditionFailed", message)


class Backend(Protocol):
    name: str

    def list_distributions(self) -> Iterator[dict]: ...

    def get_distribution(self, distribution_id: str) -> dict: ...

    def get_distribution_config(self, distribution_id: str) -> tuple[dict, str]: ...

    def update_distribution(self, distribution_id: str, config: dict, if_match: str) -> dict: ...

    def create_distribution(self, config: dict) -> dict: ...

    def create_invalidation(self, distribution_id: str, paths: list, caller_reference: str) -> dict: ...

    def list_invalidations(self, distribution_id: str) -> list: ...

    def certificates(self) -> list: ...

    def certificate_names(self, reference: str | None) -> list | None: ...


BACKENDS = {
    "simulator": "distributions.sandbox.simulator.SimulatorBackend",
    "aws": "distributions.backends.aws.AwsBackend",
}


def get_backend() -> Backend:
    """The backend chosen by ``CONSOLE_BACKEND``."""
    return import_string(BACKENDS[settings.CONSOLE_BACKEND])()
