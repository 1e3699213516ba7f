"""The console's pages: thin function views over ``publish`` and the pure CloudFront package.

Every action works as a plain form (POST → redirect); htmx only swaps the
fragment that changed (partial name = element id = hx-target).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from . import access, mirror, pipeline, publish
from .backends.base import BackendError, NoSuchDistribution, get_backend
from .cloudfront.certificates import certificate_reference
from .cloudfront.checklist import check
from .middleware import Forbidden, Refused
from .models import Distribution


def not_found(distribution_id):
    """The same 404 for an unknown distribution and one outside the user's teams: no details."""
    return Http404(f"No distribution has the ID {distribution_id}.")


def require_view(request, distribution_id):
    if not access.can_view(request.user, distribution_id):
        raise not_found(distribution_id)


def require_edit(request, distribution_id):
    """Raise the 404 (not theirs) or the 403 (read-only role) unless the user may edit the distribution."""
    require_view(request, distribution_id)
    if not access.can_edit(request.user, distribution_id):
        raise Forbidden(
            f"Your role ({access.role_label(request.user)}) can look at distribution {distribution_id} but not "
            "change it. Ask an Operator of its team.",
            "You cannot change this distribution",
        )


def open_edit(request, distribution_id):
    """Rights first, then the snapshot an edit works on; raises the refusal (404, 403 or 400).

    Opening a page without an ETag fetches the config and its ETag; anything
    else must name a version the console fetched, so a push never lands on a
    config the user did not review.
    """
    require_edit(request, distribution_id)
    data = request.POST if request.method == "POST" else request.GET
    etag = data.get("etag", "").strip()
    if etag:
        snapshot = publish.snapshot_for(distribution_id, etag)
    elif request.method == "POST":
        snapshot = None
    else:
        snapshot = publish.begin_edit(distribution_id)
    if snapshot is None:
        raise Refused(
            "This edit refers to a version of the distribution the console never fetched. "
            "Open the distribution and start the edit again.",
            "This edit cannot continue",
        )
    return snapshot


def render_page(request, template, context, *, partials=(), status=200):
    """The full page, or only the partial an htmx request targets (partial name = element id = hx-target)."""
    target = request.htmx.target if request.htmx else None
    if target in partials:
        template = f"{template}#{target}"
    return render(request, template, context, status=status)


def mirrored(distribution_id):
    """The mirror's row, read from the backend when the mirror does not have it yet."""
    return Distribution.objects.filter(pk=distribution_id).first() or mirror.sync_distribution(distribution_id)


def handles_backend_errors(view):
    """Unknown distributions become 404s; any other CloudFront error a page with its code."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NoSuchDistribution as exc:
            raise Http404(exc.message) from None
        except BackendError as exc:
            status = exc.status if 400 <= exc.status < 500 else 502
            raise Refused(f"{exc.code}: {exc.message}", "CloudFront refused the request", status=status) from None

    return wrapper


# The page adds the deployment's state to a pushed change's message and keeps it true as the
# status badge follows the deployment (base.html, _status.html); callers say only what changed.
DEPLOYING_SENTENCE = "The change is deploying (In Progress)."


def respond(request, outcome, distribution_id, *, done, done_url, restart_url, note=""):
    """The response for a change that went (pushed, submitted) or met a conflict; None to show the form again."""
    if outcome.status == pipeline.PUSHED:
        messages.success(request, done.removesuffix(DEPLOYING_SENTENCE).strip(), extra_tags="deploying")
        for problem in outcome.errors:  # the change was made, but its recording is still pending
            messages.warning(request, problem)
        if note:
            messages.info(request, note)
        return HttpResponseClientRedirect(done_url) if request.htmx else redirect(done_url)
    if outcome.status == pipeline.SUBMITTED:
        messages.success(
            request,
            f"Change request #{outcome.change_request.pk} submitted: an Approver of this distribution's team must "
            "approve it before it is pushed.",
        )
        url = reverse("distributions:distribution_history", args=[distribution_id])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if outcome.status == pipeline.CONFLICT:
        context = {
            "distribution": mirrored(distribution_id),
            "conflict": outcome.conflict,
            "conflict_configs": conflict_configs(outcome.conflict),
            "restart_url": restart_url,
        }
        return render(request, "distributions/conflict.html", context, status=200 if request.htmx else 409)
    return None


def conflict_configs(conflict):
    """The config the edit began from and the one CloudFront holds now, to show what changed in the console's
    words; None when either cannot be read (the page then names the recorded fields)."""
    seen = publish.snapshot_for(conflict.distribution_id, conflict.seen_etag)
    try:
        current, _ = get_backend().get_distribution_config(conflict.distribution_id)
    except BackendError:
        return None
    return (seen.config, current) if seen else None


def aws_identity():
    """Who the console acts as in AWS mode (cached for a few minutes); None in the sandbox."""
    if settings.CONSOLE_BACKEND != "aws":
        return None

    def lookup():
        try:
            return get_backend().identity()
        except BackendError as exc:
            return {"error": f"{exc.code}: {exc.message}"}

    return cache.get_or_set("console:aws-identity", lookup, 300)


@require_POST
@handles_backend_errors
def distribution_refresh(request):
    """Refresh: mirror every distribution from the backend (one API call per page in AWS)."""
    if not access.is_admin(request.user):
        raise Forbidden("Only Admins can refresh the whole fleet.", "You cannot refresh the fleet")
    count = mirror.sync_all()
    messages.success(
        request,
        f"Mirrored {count} distribution(s) from {'AWS' if settings.CONSOLE_BACKEND == 'aws' else 'the simulator'}.",
    )
    return redirect("distributions:distribution_list")


def distribution_page(request, distribution_id, tab, extra=None):
    """Rights, then one read of the backend (as the CloudFront console fetches on each view): ``(reading, context)``."""
    require_view(request, distribution_id)
    reading = mirror.read(distribution_id)
    context = {
        "distribution": reading.row,
        "drift": reading.drift,
        "tab": tab,
        "can_edit": access.can_edit(request.user, distribution_id),
        **(extra or {}),
    }
    return reading, context


@require_safe
@handles_backend_errors
def distribution_general(request, distribution_id):
    reading, context = distribution_page(request, distribution_id, "general")
    config = reading.config
    context["findings"] = check(config, get_backend().certificate_names(certificate_reference(config)))
    return render(request, "distributions/distribution_general.html", context)


@require_safe
@handles_backend_errors
def distribution_origins(request, distribution_id):
    reading, context = distribution_page(request, distribution_id, "origins")
    context["origins"] = reading.row.origins.all()
    return render(request, "distributions/distribution_origins.html", context)


@require_safe
@handles_backend_errors
def distribution_behaviors(request, distribution_id):
    reading, context = distribution_page(request, distribution_id, "behaviors")
    behaviors = list(reading.row.behaviors.all())
    selected = next((b for b in behaviors if b.path_pattern == request.GET.get("behavior")), None)
    context.update({"behaviors": behaviors, "selected": selected})
    return render_page(request, "distributions/distribution_behaviors.html", context, partials=("behavior-actions",))


@require_safe
@handles_backend_errors
def distribution_status(request, distribution_id):
    require_view(request, distribution_id)
    distribution = mirror.sync_distribution(distribution_id)
    try:
        attempt = max(0, min(int(request.GET.get("attempt", 0)), 50))
    except ValueError:
        attempt = 0
    return render(request, "distributions/_status.html", {"distribution": distribution, "attempt": attempt})


@login_not_required
@require_safe
def healthz(request):
    """For load balancers: 200 when the database and the backend answer, 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any database failure means unhealthy, whatever its class
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        backend = get_backend()
        if hasattr(backend, "identity"):
            backend.identity()
        else:
            next(iter(backend.list_distributions()), None)
        checks["backend"] = "ok"
    except Exception as exc:  # as above: report, never raise
        checks["backend"] = f"error: {getattr(exc, 'code', exc.__class__.__name__)}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "backend": settings.CONSOLE_BACKEND, "checks": checks},
        status=200 if healthy else 503,
    )


def submit_edit(request, form, snapshot, after, *, action, summary, confirm, unchanged, done, done_url, note=""):
    """Send the change through the one pipeline; ``(response, "")`` when it went, else ``(None, why not)``.

    ``form`` is the edit's valid ``forms.ReviewedChangeForm``: its confirmation box and acknowledgements.
    """
    distribution_id = snapshot.distribution_id
    outcome = pipeline.submit_reviewed(
        request.user, snapshot, after, action=action, summary=summary,
        confirmations=[pipeline.Confirmation("confirm", confirm)],
        confirmed=["confirm"] if form.cleaned_data["confirm"] else [],
        acknowledged=form.cleaned_data["acknowledge"],
    )  # fmt: skip
    response = respond(
        request, outcome, distribution_id, done=done, done_url=done_url, restart_url=request.path, note=note
    )
    if response:
        return response, ""
    return None, unchanged if outcome.status == pipeline.UNCHANGED else " ".join(outcome.errors)
