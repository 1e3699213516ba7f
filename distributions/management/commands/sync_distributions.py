import time

from django.core.management.base import BaseCommand

from distributions import publish
from distributions.backends.base import BackendError, get_backend
from distributions.cli import fail


class Command(BaseCommand):
    help = "Refresh the console's mirror from the backend: every distribution, one API call per page in AWS mode."

    def handle(self, *args, **options):
        backend = get_backend()
        started = time.monotonic()
        interactive = self.stdout.isatty()

        def progress(count):
            if interactive:
                calls = getattr(backend, "calls", None)
                pages = f", {calls} page(s)" if calls is not None else ""
                self.stdout.write(f"\rMirroring… {count} distribution(s){pages}", ending="")
                self.stdout.flush()

        try:
            count = publish.sync_all(backend, progress=progress)
        except BackendError as exc:
            if interactive:
                self.stdout.write("")
            raise fail(f"{exc.code}: {exc.message}") from None
        if interactive:
            self.stdout.write("")
        calls = getattr(backend, "calls", None)
        cost = f" with {calls} API call(s)" if calls is not None else ""
        self.stdout.write(f"Mirrored {count} distribution(s){cost} in {time.monotonic() - started:.2f} s.")
