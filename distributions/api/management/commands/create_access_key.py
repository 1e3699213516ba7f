from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from distributions.api.keys import create_access_key
from distributions.cli import fail


class Command(BaseCommand):
    help = (
        "Create an access key for USERNAME for the sandbox's CloudFront API (at <console URL>/sandbox-api) and "
        "print AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines (the secret is not shown again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="USERNAME")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise fail(f"No active console user is named {username!r}.")
        key, secret = create_access_key(user)
        self.stdout.write(f"AWS_ACCESS_KEY_ID={key.access_key_id}")
        self.stdout.write(f"AWS_SECRET_ACCESS_KEY={secret}")
