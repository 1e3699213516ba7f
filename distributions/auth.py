"""Login throttling through django-axes, without breaking authenticate() calls that have no request."""

from axes.backends import AxesStandaloneBackend


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' check for every login that comes with a request (the login page).

    Calls without a request (Django's test client ``login()``, scripts) have no
    client to throttle: they fall through to the next backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
