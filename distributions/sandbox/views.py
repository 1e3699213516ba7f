"""The training sandbox's own pages: Test a request, Usage, Reset sandbox."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from .. import access, mirror
from ..cloudfront import viewer
from ..forms import RequestTestForm, first_error
from ..middleware import Forbidden, Refused
from ..models import Distribution
from ..views import handles_backend_errors, require_view
from .edge import EdgeError, trace_request, usage_summary
from .fixtures import sandbox_configs
from .reset import ResetError, load_sandbox


@require_safe
def request_test(request):
    """Test a request: the edge's decision for METHOD URL and why (patterns tried, the match, the status)."""
    data = request.GET.copy()
    data["method"] = data.get("method", "GET").upper()
    data.setdefault("http_version", "HTTP/1.1")
    form = RequestTestForm(data)
    method, url, http_version = data["method"], data.get("url", "").strip(), data["http_version"]
    result, error = None, ""
    if url and not form.is_valid():
        error = first_error(form)
    elif url:
        try:
            result = trace_request(
                method, url, http_version,
                visible=lambda distribution_id: access.can_view(request.user, distribution_id),
            )  # fmt: skip
        except EdgeError as exc:
            error = str(exc)
    visible = Distribution.objects.filter(access.visible_filter(request.user)).order_by("id")[:50]
    return render(
        request,
        "distributions/request_test.html",
        {
            "method": method,
            "url": url,
            "http_version": http_version,
            "methods": viewer.METHODS,
            "http_versions": RequestTestForm.HTTP_VERSIONS,
            "result": result,
            "error": error,
            "distributions": visible,
        },
        status=400 if error else 200,
    )


@require_safe
@handles_backend_errors
def distribution_usage(request, distribution_id):
    """What the sandbox edge counted for this distribution, with estimated charges."""
    require_view(request, distribution_id)
    distribution = mirror.sync_distribution(distribution_id)
    return render(
        request,
        "distributions/distribution_usage.html",
        {"distribution": distribution, "tab": "usage", "usage": usage_summary(distribution_id)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sandbox_reset(request):
    """Admins put the training distributions back to their starting configs: GET asks, POST does it."""
    if not access.is_admin(request.user):
        raise Forbidden("Only Admins can reset the sandbox.", "You cannot reset the sandbox")
    if settings.CONSOLE_BACKEND != "simulator":
        raise Refused("Reset applies to the training sandbox only (CONSOLE_BACKEND=simulator).")
    if request.method != "POST":
        return render(request, "distributions/sandbox_reset.html", {"count": len(sandbox_configs())})
    try:
        load_sandbox(request.user, reset=True)
    except ResetError as exc:
        raise Refused(str(exc), "The sandbox could not be reset", status=409)
    messages.success(request, "The training distributions are back to their starting configuration.")
    return redirect("distributions:distribution_list")
