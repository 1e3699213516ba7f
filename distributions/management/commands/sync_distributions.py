import time

from django.core.management.base import BaseCommand

from distributions import mirror
from distributions.backends.base import BackendError, get_backend
from distributions.cli import fail


class Command(BaseCommand):
    help = "Refresh the console's mirror from the backend: every distribution, one API call per page in AWS mode."

    def add_arguments(self, parser):
        parser.add_argument("--background", action="store_true", help="queue the sync for `manage.py db_worker`")
        parser.add_argument("--every", type=int, metavar="SECONDS", help="with --background: repeat every SECONDS")

    def handle(self, *args, background=False, every=None, **options):
        if every is not None and (every < 60 or not background):
            raise fail("--every needs --background and at least 60 seconds.")
        if background:
            from distributions.tasks import can_defer, sync_fleet

            if every and not can_defer():
                raise fail("Repeating needs CONSOLE_TASKS_BACKEND=database and a running `manage.py db_worker`.")
            result = sync_fleet.enqueue(every)
            if not can_defer():
                self.stdout.write(f"Ran the sync at once as task {result.id} (CONSOLE_TASKS_BACKEND=immediate).")
                return
            self.stdout.write(
                f"Queued the sync as task {result.id}" + (f", repeating every {every} s." if every else ".")
            )
            return
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
            count = mirror.sync_all(backend, progress=progress)
        except BackendError as exc:
            if interactive:
                self.stdout.write("")
            raise fail(f"{exc.code}: {exc.message}") from None
        if interactive:
            self.stdout.write("")
        calls = getattr(backend, "calls", None)
        cost = f" with {calls} API call(s)" if calls is not None else ""
        self.stdout.write(f"Mirrored {count} distribution(s){cost} in {time.monotonic() - started:.2f} s.")
