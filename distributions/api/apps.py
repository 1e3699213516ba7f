from django.apps import AppConfig


class SandboxApiConfig(AppConfig):
    name = "distributions.api"
    label = "sandbox_api"
    verbose_name = "Sandbox CloudFront API"
    default_auto_field = "django.db.models.BigAutoField"
