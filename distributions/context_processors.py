from django.conf import settings

from . import access

BACKEND_LABELS = {"simulator": "Sandbox (simulator)", "aws": "AWS"}


def console(request):
    """The backend's name for the top bar, and whether the user may see Admin-only actions."""
    return {
        "console_is_admin": access.is_admin(getattr(request, "user", None)),
        "console_backend": settings.CONSOLE_BACKEND,
        "console_backend_label": BACKEND_LABELS.get(settings.CONSOLE_BACKEND, settings.CONSOLE_BACKEND),
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
