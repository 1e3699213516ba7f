"""The console's own error pages: refusals raised by views, a 400 for a NUL in a request's fields, and
its 404 in every mode, DEBUG included.

Views raise ``Refused`` (or ``Forbidden``) with the sentence the user should read
instead of returning a response every caller must check; this middleware renders it.
With DEBUG on, Django answers a 404 with its technical page listing every URL
pattern; a user who mistypes a distribution ID should see the console's page.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import Http404
from django.shortcuts import render


class Refused(Exception):
    """A request the console refuses, with what to tell the user: rendered as error.html with ``status``."""

    status = 400

    def __init__(self, message, title="Something is not right", status=None):
        super().__init__(message)
        self.message, self.title = message, title
        if status is not None:
            self.status = status


class Forbidden(Refused, PermissionDenied):
    """The user is signed in but their role does not allow this: 403 with the reason."""

    status = 403


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
        """A refusal: its page. Http404 from a view: the console's page instead of Django's technical one."""
        if isinstance(exception, Refused):
            context = {"title": exception.title, "message": exception.message}
            return render(request, "error.html", context, status=exception.status)
        if settings.DEBUG and isinstance(exception, Http404):
            return not_found_page(request, exception)
        return None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(data):
    return any("\x00" in key or any("\x00" in value for value in data.getlist(key)) for key in data)


class RefuseNulMiddleware:
    """A 400 page for a URL path, query string or form field holding a NUL character.

    No field of the console can hold one (CloudFront's API is XML, which has no NUL, and
    PostgreSQL's text columns refuse it: a filter such as Activity's ``?user=%00`` would
    otherwise fail inside the database with a 500). Uploaded files are not inspected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path_info
            or _holds_nul(request.GET)
            or (request.content_type in FORM_TYPES and self._form_holds_nul(request))
        ):
            return render(
                request,
                "error.html",
                {
                    "title": "Something is not right",
                    "message": "The request holds a NUL character (%00), which no field accepts.",
                },
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _form_holds_nul(request):
        try:
            return _holds_nul(request.POST)
        except (RequestDataTooBig, TooManyFieldsSent):
            return False  # the view answers these with its own message
