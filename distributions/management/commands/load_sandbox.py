from django.core.management.base import BaseCommand
from django.db import transaction

from distributions import publish
from distributions.backends.base import BackendError
from distributions.cli import fail
from distributions.cloudfront.certificates import certificate_reference
from distributions.models import DistributionStatus
from distributions.sandbox.certificates import ensure_sandbox_certificate
from distributions.sandbox.edge import invalidate
from distributions.sandbox.fixtures import sandbox_configs
from distributions.sandbox.models import EdgeUsage, SimulatedDistribution
from distributions.sandbox.simulator import SimulatorBackend

SANDBOX_PREFIX = "sandbox-"


def register_certificates(configs):
    """The sandbox's ACM certificates, signed by the local CA, so the edge can serve its aliases over HTTPS."""
    for config in configs:
        arn = certificate_reference(config)
        aliases = (config.get("Aliases") or {}).get("Items") or []
        if arn and aliases:
            ensure_sandbox_certificate(arn, aliases)


def restore(backend, row, config):
    """Put a training distribution back to its starting config, deployed at once."""
    answer = backend.update_distribution(row.id, config, if_match=row.etag)
    SimulatedDistribution.objects.filter(pk=row.id).update(
        status=DistributionStatus.DEPLOYED, deployed_config=config, deploy_ready_at=None
    )
    EdgeUsage.objects.filter(distribution_id=row.id).delete()
    invalidate(row.id, ["/*"])
    return answer


class Command(BaseCommand):
    help = (
        "Load the training sandbox distributions into the simulator (idempotent). With --reset, also put "
        "the training distributions (CallerReference sandbox-…) back to their starting configs, deployed, "
        "with their edge cache and usage cleared; other distributions are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="restore the training distributions")

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        backend = SimulatorBackend()
        configs = sandbox_configs()
        register_certificates(configs)
        rows = {row.config.get("CallerReference"): row for row in SimulatedDistribution.objects.all()}
        created = restored = 0
        for config in configs:
            reference = config["CallerReference"]
            row = rows.get(reference)
            if row is None:
                row = publish.import_distribution(config, backend)
                created += 1
                self.stdout.write(f"{row.id}\t{row.domain_name}\t{row.comment}")
            elif reset and reference.startswith(SANDBOX_PREFIX):
                try:
                    restore(backend, row, config)
                except BackendError as exc:
                    raise fail(f"{row.id}: cannot restore: {exc.code}: {exc.message}") from None
                restored += 1
                self.stdout.write(f"{row.id}\t{row.domain_name}\trestored")
        publish.sync_all(backend)
        present = len(configs) - created
        message = f"Sandbox ready: {created} distribution(s) created, {present} already present"
        if reset:
            message += f", {restored} restored to their starting configs"
        self.stdout.write(message + ".")
