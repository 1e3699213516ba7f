from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A nested app of its own, so the sandbox's tables sit behind the package boundary."""

    name = "distributions.sandbox"
    label = "sandbox"
    verbose_name = "Training sandbox"
    default_auto_field = "django.db.models.BigAutoField"
