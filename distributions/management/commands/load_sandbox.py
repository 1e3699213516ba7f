from django.core.management.base import BaseCommand
from django.db import transaction

from distributions import publish
from distributions.backends.simulator import SimulatorBackend
from distributions.models import SimulatedDistribution
from distributions.sandbox import sandbox_configs


class Command(BaseCommand):
    help = "Load the training sandbox distributions into the simulator (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        backend = SimulatorBackend()
        existing = {row.config.get("CallerReference") for row in SimulatedDistribution.objects.only("config")}
        created = 0
        for config in sandbox_configs():
            if config["CallerReference"] in existing:
                continue
            row = publish.import_distribution(config, backend)
            created += 1
            self.stdout.write(f"{row.id}\t{row.domain_name}\t{row.comment}")
        publish.sync_all(backend)
        self.stdout.write(f"Sandbox ready: {created} distribution(s) created, {len(existing)} already present.")
