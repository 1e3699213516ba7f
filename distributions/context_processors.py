from django.conf import settings

BACKEND_LABELS = {"simulator": "Sandbox (simulator)", "aws": "AWS"}


def console(request):
    return {
        "console_backend": settings.CONSOLE_BACKEND,
        "console_backend_label": BACKEND_LABELS.get(settings.CONSOLE_BACKEND, settings.CONSOLE_BACKEND),
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
