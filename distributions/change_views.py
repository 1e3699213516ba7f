"""Changes beyond the viewer protocol policy: precedence and origins, through the same review and push."""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import access, mirror, pipeline, publish
from .backends.base import BackendError, get_backend
from .cloudfront import config as cfg
from .forms import BehaviorOrderForm, InvalidationForm, OriginProtocolForm, first_error
from .middleware import Refused
from .views import handles_backend_errors, mirrored, open_edit, require_edit, require_view, submit_edit


def _moved(order, data):
    """``order`` after the move asked for: ``(order, moved pattern or None, error)``.

    ``move`` is "up:PATTERN", "down:PATTERN", or "to" with ``move_pattern`` and ``move_to``
    (the precedence to give it, 0 first, as the Behaviors tab numbers them).
    """
    direction, _, pattern = (data.get("move") or "").partition(":")
    if direction == "to":
        pattern = data.get("move_pattern", "")
    if direction not in ("up", "down", "to") or pattern not in order:
        return order, None, "Choose a cache behavior to move." if direction == "to" else ""
    index = order.index(pattern)
    if direction == "to":
        target = data.get("move_to", "").strip()
        if not target.isdigit() or int(target) >= len(order):
            return order, None, f"Enter a precedence from 0 to {len(order) - 1} to move {pattern} to."
        target = int(target)
    else:
        target = max(0, min(len(order) - 1, index - 1 if direction == "up" else index + 1))
    order = list(order)
    order.insert(target, order.pop(index))
    return order, pattern, ""


def _focus_after_move(order, pattern, direction):
    """Which Move button of the moved row keeps the focus: the one pressed, or its twin at either end."""
    if pattern is None or len(order) < 2:
        return None
    index = order.index(pattern)
    want = direction if direction in ("up", "down") else "up"
    if want == "up" and index == 0:
        return "down"
    if want == "down" and index == len(order) - 1:
        return "up"
    return want


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def behavior_order(request, distribution_id):
    """Change precedence: Move up / Move down, review, Save changes (one push with IfMatch)."""
    snapshot = open_edit(request, distribution_id)
    form = BehaviorOrderForm(request.POST if request.method == "POST" else request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    current = [b.path_pattern for b in cfg.behaviors(snapshot.config) if not b.is_default]
    order, moved, error = _moved(data.get("order") or current, data)
    error = error or ("" if form.is_valid() else first_error(form))
    try:
        after = cfg.reorder(snapshot.config, order)
    except cfg.ConfigError as exc:
        after, error, moved = snapshot.config, exc.message, None
    order = [b.path_pattern for b in cfg.behaviors(after) if not b.is_default]
    change_review = pipeline.review_change(snapshot.config, after)
    acknowledged = data.get("acknowledge", [])
    status = 400 if error and not request.htmx else 200
    if request.method == "POST" and not error:
        response, error = submit_edit(
            request, form, snapshot, after, action="reorder",
            summary="Change precedence: " + ", ".join(order),
            confirm="Confirm that the cache behaviors are listed in the order you want CloudFront to evaluate them in.",
            unchanged="The order is unchanged: move a behavior first.",
            done="Precedence saved.",
            done_url=reverse("distributions:distribution_behaviors", args=[distribution_id]),
        )  # fmt: skip
        if response:
            return response
        status = 400
    template = "distributions/behavior_order.html" + (
        "#precedence" if request.htmx and request.method != "POST" else ""
    )
    return render(
        request,
        template,
        {
            "distribution": mirrored(distribution_id),
            "snapshot": snapshot,
            "behaviors": cfg.behaviors(after),
            "order": order,
            "positions": range(len(order)),
            "moved": moved,
            "focus": _focus_after_move(order, moved, (data.get("move") or "").partition(":")[0]),
            "review": change_review,
            "acknowledged": acknowledged,
            "unacknowledged": change_review.unacknowledged(acknowledged) if request.method == "POST" else [],
            "error": error,
        },
        status=status,
    )


def _submit_origin(request, form, snapshot, origin, after, policy, minimum):
    """The origin edit's push; after HTTP -> HTTPS, offer to invalidate what edges fetched over HTTP."""
    origin_id, distribution_id = origin["Id"], snapshot.distribution_id
    to_https = policy == "https-only" and cfg.origin_protocol_policy(origin) != "https-only"
    if to_https:
        done_url = reverse("distributions:distribution_invalidations", args=[distribution_id]) + "?paths=/*"
        note = (
            "CloudFront now fetches from this origin over HTTPS only. Edge locations may still hold objects "
            "fetched over HTTP, and serve them whatever protocol viewers use: invalidate /* to replace them."
        )
    else:
        done_url, note = reverse("distributions:distribution_origins", args=[distribution_id]), ""
    return submit_edit(
        request, form, snapshot, after, action="origin",
        summary=f"Origin {origin_id}: protocol policy {policy}, minimum SSL protocol {minimum}",
        confirm="Confirm that the cache behaviors route requests to the correct origins.",
        unchanged="Nothing changed: choose another protocol policy or minimum SSL protocol.",
        done=f"Origin {origin_id} updated.", done_url=done_url, note=note,
    )  # fmt: skip


def origin_edit_url(distribution_id, origin_id):
    """The edit page of an origin: its ID, whatever characters it holds, goes in the query string."""
    return (
        reverse("distributions:origin_edit", args=[distribution_id])
        + "?"
        + urlencode({"origin": origin_id}, quote_via=quote)
    )


@require_http_methods(["GET", "HEAD", "POST"])
def origin_edit_old_address(request, distribution_id, origin_id):
    """``origins/<ID>/edit/``, the address before IDs moved to the query string: 308 keeps a POST a POST."""
    response = HttpResponseRedirect(origin_edit_url(distribution_id, origin_id))
    response.status_code = 308
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def origin_edit(request, distribution_id):
    """Edit a custom origin (``?origin=ID``): its protocol policy and minimum origin SSL protocol,
    through review and push."""
    # A GET form (Review changes) drops the action's query string: the form repeats the ID in a field.
    data = (request.POST if request.method == "POST" else request.GET).copy()
    data.setdefault("origin", request.GET.get("origin", ""))
    snapshot = open_edit(request, distribution_id)
    origin = cfg.find_origin(snapshot.config, data["origin"])
    if origin is None:
        raise Http404(f"Distribution {distribution_id} has no origin {data['origin']!r}.")
    origin_id = origin["Id"]
    if not origin.get("CustomOriginConfig"):
        raise Refused(
            f"Origin {origin_id} is an S3 origin: CloudFront reaches it with the viewer's protocol, "
            "and it has no origin protocol policy to edit."
        )
    data.setdefault("protocol_policy", cfg.origin_protocol_policy(origin))
    data.setdefault("minimum_ssl_protocol", cfg.minimum_ssl_protocol(origin) or "TLSv1.2")
    form = OriginProtocolForm(data)
    policy, minimum = form["protocol_policy"].value(), form["minimum_ssl_protocol"].value()
    error = "" if form.is_valid() else first_error(form)
    after = snapshot.config
    if not error:
        try:
            after = cfg.set_origin_protocol(snapshot.config, origin_id, policy, minimum)
        except cfg.ConfigError as exc:
            error = exc.message
    change_review = pipeline.review_change(snapshot.config, after)
    acknowledged = form.cleaned_data.get("acknowledge", []) if not error else []
    status = 400 if error and not request.htmx else 200
    if request.method == "POST" and not error:
        response, error = _submit_origin(request, form, snapshot, origin, after, policy, minimum)
        if response:
            return response
        status = 400
    return render(
        request,
        "distributions/origin_edit.html",
        {
            "distribution": mirrored(distribution_id),
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


def _attempt(request):
    """How many times a polling fragment has asked already (for its back-off), 0 to 50."""
    value = request.GET.get("attempt", "")
    return min(int(value), 50) if value.isdigit() else 0


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def distribution_invalidations(request, distribution_id):
    """Invalidations tab: create one (paths checked with CloudFront's rules), list them newest first."""
    if request.method == "POST":
        require_edit(request, distribution_id)
    else:
        require_view(request, distribution_id)
    distribution = mirror.sync_distribution(distribution_id)
    if request.method == "POST":
        form = InvalidationForm(request.POST)
    else:
        form = InvalidationForm(initial={"paths": request.GET.get("paths", "")})
    error = first_error(form) if form.is_bound and not form.is_valid() else ""
    if form.is_bound and not error:
        try:
            created = publish.create_invalidation(distribution_id, form.cleaned_data["paths"], user=request.user)
        except publish.EditError as exc:
            error = exc.message
        except BackendError as exc:
            error = f"{exc.code}: {exc.message}"
        else:
            messages.success(request, f"Invalidation {created['Id']} created. Its status below follows it.")
            return redirect("distributions:distribution_invalidations", distribution_id=distribution_id)
    invalidations = get_backend().list_invalidations(distribution_id)
    template = "distributions/distribution_invalidations.html"
    if request.htmx and request.htmx.target == "invalidation-list":
        template += "#invalidation-list"  # the list polls itself while an invalidation is In Progress
    return render(
        request,
        template,
        {
            "distribution": distribution,
            "tab": "invalidations",
            "invalidations": invalidations,
            "invalidating": any(i.get("Status") != "Completed" for i in invalidations),
            "attempt": _attempt(request),
            "paths": form["paths"].value() or "",
            "error": error,
            "can_edit": access.can_edit(request.user, distribution_id),
        },
        status=400 if error else 200,
    )
