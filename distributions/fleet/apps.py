from django.apps import AppConfig


class FleetConfig(AppConfig):
    """A nested app of its own: its BulkChange table and migrations stay out of the mirror's."""

    name = "distributions.fleet"
    label = "fleet"
    verbose_name = "Fleet HTTPS posture"
    default_auto_field = "django.db.models.BigAutoField"
