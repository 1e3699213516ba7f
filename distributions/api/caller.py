"""Who makes an API call: the access key, its owner (whose console rights apply) and the request."""

from dataclasses import dataclass

from .. import access
from ..backends.base import NoSuchDistribution
from .models import AccessKey
from .protocol import api_error


@dataclass(frozen=True)
class Caller:
    key: AccessKey
    request_id: str
    base_url: str  # the API's own URL, e.g. http://127.0.0.1:8000/sandbox-api

    @property
    def user(self):
        return self.key.user

    @property
    def via(self):
        """How the audit trail's summaries start, so History says the change came by API and with which key."""
        return f"via API (key {self.key.access_key_id}): "

    def url(self, path):
        """An absolute URL under the API, for Location headers."""
        return self.base_url.rstrip("/") + path

    def denied(self, operation, resource, why):
        return api_error(
            "AccessDenied",
            f"User {self.user.get_username()} ({access.role_label(self.user)}) is not authorized to perform "
            f"cloudfront:{operation} on {resource}: {why}",
        )

    def require_view(self, distribution_id):
        """Another team's distribution is as unknown as a missing one, as in the console."""
        if not access.can_view(self.user, distribution_id):
            raise NoSuchDistribution(distribution_id)

    def require_edit(self, distribution_id, operation):
        """NoSuchDistribution for what the user cannot see, AccessDenied for what they may only read."""
        self.require_view(distribution_id)
        if not access.can_edit(self.user, distribution_id):
            raise self.denied(
                operation, f"distribution {distribution_id}", "the role can read this distribution but not change it."
            )
