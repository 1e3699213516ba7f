from django.core.management.base import BaseCommand

from distributions import publish
from distributions.backends.base import BackendError

from distributions.cli import fail


class Command(BaseCommand):
    help = "Refresh the console's mirror from the backend (every distribution)."

    def handle(self, *args, **options):
        def progress(count):
            if self.stdout.isatty():
                self.stdout.write(f"\r{count} distribution(s) mirrored", ending="")

        try:
            count = publish.sync_all(progress=progress)
        except BackendError as exc:
            raise fail(f"{exc.code}: {exc.message}") from None
        if self.stdout.isatty():
            self.stdout.write("")
        self.stdout.write(f"Mirrored {count} distribution(s).")
