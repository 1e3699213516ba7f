"""Changes beyond the viewer protocol policy: precedence and origins, through the same review and push."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import access, publish
from .backends.base import BackendError, get_backend
from .cloudfront import config as cfg
from .models import Distribution
from .review import review
from .views import edit_refused, handles_backend_errors, render_error, require_view


def _snapshot(request, distribution_id):
    """The edit's snapshot: the one named by ``etag`` (kept while the user works), else a fresh fetch."""
    data = request.POST if request.method == "POST" else request.GET
    etag = data.get("etag", "").strip()
    if not etag:
        # A push must name the version the user reviewed; only opening the page fetches a new one.
        return None if request.method == "POST" else publish.begin_edit(distribution_id)
    return publish.snapshot_for(distribution_id, etag)


def _mirror(distribution_id):
    return Distribution.objects.filter(pk=distribution_id).first() or publish.sync_distribution(distribution_id)


def _moved(order, move):
    """``order`` with one behavior moved: ``move`` is "up:PATTERN" or "down:PATTERN"."""
    direction, _, pattern = (move or "").partition(":")
    if pattern not in order or direction not in ("up", "down"):
        return order
    order = list(order)
    index = order.index(pattern)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order


def _pushed(request, distribution_id, outcome, change, done_message):
    if outcome == "submitted":
        messages.success(request, f"Change request #{change.pk} submitted: an Approver must approve it before it is pushed.")
        return redirect("distributions:distribution_history", distribution_id=distribution_id)
    messages.success(request, done_message)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def behavior_order(request, distribution_id):
    """Change precedence: Move up / Move down, review, Save changes (one push with IfMatch)."""
    refused = edit_refused(request, distribution_id)
    if refused:
        return refused
    snapshot = _snapshot(request, distribution_id)
    if snapshot is None:
        return render_error(request, "This change refers to a version the console never fetched; start again.", 400)
    data = request.POST if request.method == "POST" else request.GET
    current = [b.path_pattern for b in cfg.behaviors(snapshot.config) if not b.is_default]
    order = data.getlist("order") or current
    error = ""
    try:
        after = cfg.reorder(snapshot.config, _moved(order, data.get("move")))
    except cfg.ConfigError as exc:
        after, error = snapshot.config, exc.message
    order = [b.path_pattern for b in cfg.behaviors(after) if not b.is_default]
    change_review = review(snapshot.config, after)
    acknowledged = data.getlist("acknowledge")
    status = 400 if error else 200
    if request.method == "POST" and not error:
        if order == current:
            error = "The order is unchanged: move a behavior first."
        elif data.get("confirm") != "on":
            error = "Confirm that the cache behaviors are listed in the order you want CloudFront to evaluate them in."
        elif change_review.unacknowledged(acknowledged):
            error = "This order adds checklist errors: acknowledge each one, or change the order."
        else:
            try:
                outcome, change = publish.push_or_submit(
                    request.user, distribution_id, snapshot.config, snapshot.etag, after, action="reorder",
                    summary="Change precedence: " + ", ".join(order),
                )
            except publish.EditConflict as conflict:
                return render(
                    request, "distributions/conflict.html",
                    {"distribution": _mirror(distribution_id), "conflict": conflict, "restart_url": request.path},
                    status=409,
                )
            return _pushed(request, distribution_id, outcome, change, "Precedence saved. The change is deploying (In Progress).") or redirect(
                "distributions:distribution_behaviors", distribution_id=distribution_id
            )
        status = 400
    return render(
        request,
        "distributions/behavior_order.html",
        {
            "distribution": _mirror(distribution_id),
            "snapshot": snapshot,
            "behaviors": cfg.behaviors(after),
            "order": order,
            "review": change_review,
            "acknowledged": acknowledged,
            "unacknowledged": change_review.unacknowledged(acknowledged) if request.method == "POST" else [],
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def origin_edit(request, distribution_id, origin_id):
    """Edit a custom origin's protocol policy and minimum origin SSL protocol, through review and push."""
    refused = edit_refused(request, distribution_id)
    if refused:
        return refused
    snapshot = _snapshot(request, distribution_id)
    if snapshot is None:
        return render_error(request, "This change refers to a version the console never fetched; start again.", 400)
    origin = cfg.find_origin(snapshot.config, origin_id)
    if origin is None:
        raise Http404(f"Distribution {distribution_id} has no origin {origin_id!r}.")
    if not origin.get("CustomOriginConfig"):
        return render_error(
            request, f"Origin {origin_id} is an S3 origin: CloudFront reaches it with the viewer's protocol, "
            "and it has no origin protocol policy to edit.", 400,
        )
    data = request.POST if request.method == "POST" else request.GET
    policy = data.get("protocol_policy") or cfg.origin_protocol_policy(origin)
    minimum = data.get("minimum_ssl_protocol") or cfg.minimum_ssl_protocol(origin) or "TLSv1.2"
    error = ""
    try:
        after = cfg.set_origin_protocol(snapshot.config, origin_id, policy, minimum)
    except cfg.ConfigError as exc:
        after, error = snapshot.config, exc.message
    change_review = review(snapshot.config, after)
    acknowledged = data.getlist("acknowledge")
    status = 400 if error else 200
    if request.method == "POST" and not error:
        if after == snapshot.config:
            error = "Nothing changed: choose another protocol policy or minimum SSL protocol."
        elif data.get("confirm") != "on":
            error = "Confirm that the cache behaviors route requests to the correct origins."
        elif change_review.unacknowledged(acknowledged):
            error = "This change adds checklist errors: acknowledge each one, or change the edit."
        else:
            before_policy = cfg.origin_protocol_policy(origin)
            try:
                outcome, change = publish.push_or_submit(
                    request.user, distribution_id, snapshot.config, snapshot.etag, after, action="origin",
                    summary=f"Origin {origin_id}: protocol policy {policy}, minimum SSL protocol {minimum}",
                )
            except publish.EditConflict as conflict:
                return render(
                    request, "distributions/conflict.html",
                    {"distribution": _mirror(distribution_id), "conflict": conflict, "restart_url": request.path},
                    status=409,
                )
            done = f"Origin {origin_id} updated. The change is deploying (In Progress)."
            response = _pushed(request, distribution_id, outcome, change, done)
            if response:
                return response
            if policy == "https-only" and before_policy != "https-only":
                messages.info(
                    request,
                    "CloudFront now fetches from this origin over HTTPS only. Edge locations may still hold objects "
                    "fetched over HTTP, and serve them whatever protocol viewers use: invalidate /* to replace them.",
                )
                return redirect(
                    reverse("distributions:distribution_invalidations", args=[distribution_id]) + "?paths=/*"
                )
            return redirect("distributions:distribution_origins", distribution_id=distribution_id)
        status = 400
    return render(
        request,
        "distributions/origin_edit.html",
        {
            "distribution": _mirror(distribution_id),
            "snapshot": snapshot,
            "origin": origin,
            "policy": policy,
            "minimum": minimum,
            "policies": cfg.ORIGIN_PROTOCOL_POLICIES,
            "protocols": cfg.ORIGIN_SSL_PROTOCOLS,
            "review": change_review,
            "acknowledged": acknowledged,
            "unacknowledged": change_review.unacknowledged(acknowledged) if request.method == "POST" else [],
            "error": error,
            "users": [b.path_pattern for b in cfg.behaviors(snapshot.config) if b.target_origin_id == origin_id],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def distribution_invalidations(request, distribution_id):
    """Invalidations tab: create one (paths checked with CloudFront's rules), list them newest first."""
    if request.method == "POST":
        refused = edit_refused(request, distribution_id)
        if refused:
            return refused
    else:
        require_view(request, distribution_id)
    distribution = publish.sync_distribution(distribution_id)
    text = request.POST.get("paths", "") if request.method == "POST" else request.GET.get("paths", "")
    error = ""
    if request.method == "POST":
        try:
            created = publish.create_invalidation(distribution_id, text, user=request.user)
        except publish.EditError as exc:
            error = exc.message
        except BackendError as exc:
            error = f"{exc.code}: {exc.message}"
        else:
            messages.success(request, f"Invalidation {created['Id']} created ({created['Status']}).")
            return redirect("distributions:distribution_invalidations", distribution_id=distribution_id)
    invalidations = get_backend().list_invalidations(distribution_id)
    return render(
        request,
        "distributions/distribution_invalidations.html",
        {
            "distribution": distribution,
            "tab": "invalidations",
            "invalidations": invalidations,
            "paths": text.replace("\x00", "")[:20000],
            "error": error,
            "can_edit": access.can_edit(request.user, distribution_id),
        },
        status=400 if error else 200,
    )
