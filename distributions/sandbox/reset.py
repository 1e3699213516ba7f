"""Load the training sandbox, and Reset: put its distributions back to their starting configs.

A reset is a change like any other: each distribution goes through the one pipeline
(reviewed, pushed with IfMatch, recorded in the audit trail as ``sandbox-reset``).
The starting configs hold deliberate mistakes to find, so their errors are
acknowledged on the Admin's behalf; what CloudFront refuses is still refused.
"""

from .. import mirror, pipeline, publish
from ..cloudfront.certificates import certificate_reference
from ..models import DistributionStatus
from .certificates import ensure_sandbox_certificate
from .edge import invalidate
from .fixtures import sandbox_configs
from .models import EdgeUsage, SimulatedDistribution
from .simulator import SimulatorBackend

SANDBOX_PREFIX = "sandbox-"


class ResetError(Exception):
    """A training distribution could not be put back; the message says which and why."""


def register_certificates(configs):
    """The sandbox's ACM certificates, signed by the local CA, so the edge can serve its aliases over HTTPS."""
    for config in configs:
        arn = certificate_reference(config)
        aliases = (config.get("Aliases") or {}).get("Items") or []
        if arn and aliases:
            ensure_sandbox_certificate(arn, aliases)


def restore(user, backend, distribution_id, config):
    """Put one training distribution back to ``config`` through the pipeline, deployed at once."""
    snapshot = publish.begin_edit(distribution_id, backend)
    outcome = pipeline.submit_reviewed(
        user, snapshot, config, action="sandbox-reset", summary="Reset sandbox: back to the starting configuration",
        acknowledged=pipeline.ACKNOWLEDGE_ALL, backend=backend,
    )  # fmt: skip
    if outcome.status not in (pipeline.PUSHED, pipeline.UNCHANGED):
        raise ResetError(f"{distribution_id}: cannot restore: {' '.join(outcome.errors) or outcome.status}")
    SimulatedDistribution.objects.filter(pk=distribution_id).update(
        status=DistributionStatus.DEPLOYED, deployed_config=config, deploy_ready_at=None
    )
    EdgeUsage.objects.filter(distribution_id=distribution_id).delete()
    invalidate(distribution_id, ["/*"])
    mirror.sync_distribution(distribution_id, backend)
    return outcome


def load_sandbox(user=None, reset=False, log=None):
    """Create the training distributions that are missing; with ``reset``, restore the others.

    Returns ``(created, present, restored)``; ``log`` gets a line per distribution.
    """
    log = log or (lambda line: None)
    backend = SimulatorBackend()
    configs = sandbox_configs()
    register_certificates(configs)
    rows = {row.config.get("CallerReference"): row for row in SimulatedDistribution.objects.all()}
    created = restored = 0
    for config in configs:
        reference = config["CallerReference"]
        row = rows.get(reference)
        if row is None:
            made = publish.import_distribution(config, backend)
            created += 1
            log(f"{made.id}\t{made.domain_name}\t{made.comment}")
        elif reset and reference.startswith(SANDBOX_PREFIX):
            restore(user, backend, row.id, config)
            restored += 1
            log(f"{row.id}\t{row.domain_name}\trestored")
    mirror.sync_all(backend)
    return created, len(configs) - created, restored
