"""The console's own 404 page in every mode, DEBUG included.

With DEBUG on, Django answers a 404 with its technical page listing every URL
pattern; a user who mistypes a distribution ID should see the console's page.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render


def not_found_page(request, exception=None):
    """templates/404.html with the exception's message, status 404."""
    message = str(exception) if exception and str(exception) else ""
    return render(request, "404.html", {"exception": message}, status=404)


class ConsoleNotFoundMiddleware:
    """Renders templates/404.html for an Http404 from a view, and for an unknown URL, when DEBUG is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        unresolved = getattr(request, "resolver_match", None) is None
        if settings.DEBUG and response.status_code == 404 and unresolved and not request.path.startswith("/static/"):
            return not_found_page(request)
        return response

    def process_exception(self, request, exception):
        """Http404 from a view: the console's page instead of Django's technical one (DEBUG only)."""
        if settings.DEBUG and isinstance(exception, Http404):
            return not_found_page(request, exception)
        return None
