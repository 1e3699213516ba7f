from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"


class Command(BaseCommand):
    help = "Create the sandbox's demo login when no user exists yet, and say how to sign in."

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.exists():
            User.objects.create_superuser(DEMO_USERNAME, email="", password=DEMO_PASSWORD)
            self.stdout.write(
                f"Created the demo login. Sign in at http://127.0.0.1:8000/ as {DEMO_USERNAME} / {DEMO_PASSWORD}."
            )
        elif User.objects.filter(username=DEMO_USERNAME).exists():
            self.stdout.write(f"Sign in at http://127.0.0.1:8000/ as {DEMO_USERNAME} / {DEMO_PASSWORD}.")
        else:
            self.stdout.write("Sign in at http://127.0.0.1:8000/ with one of your existing accounts.")
