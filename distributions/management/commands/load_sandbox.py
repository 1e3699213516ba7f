from django.core.management.base import BaseCommand
from django.db import transaction

from distributions import access
from distributions.cli import acting_user, add_user_option, fail
from distributions.sandbox.reset import ResetError, load_sandbox


class Command(BaseCommand):
    help = (
        "Load the training sandbox distributions into the simulator (idempotent). With --reset, also put "
        "the training distributions (CallerReference sandbox-…) back to their starting configs, deployed, "
        "with their edge cache and usage cleared; other distributions are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="restore the training distributions")
        add_user_option(parser)

    @transaction.atomic
    def handle(self, *args, reset: bool = False, user=None, **options):
        user = acting_user(user)
        if user is not None and not access.is_admin(user):
            raise fail(f"AccessDenied: {user.get_username()} ({access.role_label(user)}) cannot reset the sandbox.")
        try:
            created, present, restored = load_sandbox(user, reset, log=self.stdout.write)
        except ResetError as exc:
            raise fail(str(exc)) from None
        message = f"Sandbox ready: {created} distribution(s) created, {present} already present"
        if reset:
            message += f", {restored} restored to their starting configs"
        self.stdout.write(message + ".")
