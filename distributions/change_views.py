"""Changes beyond the viewer protocol policy: precedence and origins, through the same review and push."""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import access, mirror, pipeline, publish
from .backends.base import BackendError, get_backend
from .cloudfront import config as cfg
from .cloudfront.certificates import certificate_reference
from .forms import CertificateSettingsForm, InvalidationForm, first_error
from .middleware import Forbidden, Refused
from .views import handles_backend_errors, mirrored, open_edit, require_edit, require_view, respond


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


def _submit(request, distribution_id, snapshot, after, *, action, summary, confirm, unchanged, done, done_url, note=""):
    """Send the change through the one pipeline; ``(response, "")`` when it went, else ``(None, why not)``."""
    outcome = pipeline.submit_reviewed(
        request.user, snapshot, after, action=action, summary=summary,
        confirmations=[pipeline.Confirmation("confirm", confirm)],
        confirmed=["confirm"] if request.POST.get("confirm") == "on" else [],
        acknowledged=request.POST.getlist("acknowledge"),
    )  # fmt: skip
    response = respond(
        request, outcome, distribution_id, done=done, done_url=done_url, restart_url=request.path, note=note
    )
    if response:
        return response, ""
    return None, unchanged if outcome.status == pipeline.UNCHANGED else " ".join(outcome.errors)


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def behavior_order(request, distribution_id):
    """Change precedence: Move up / Move down, review, Save changes (one push with IfMatch)."""
    snapshot = open_edit(request, distribution_id)
    data = request.POST if request.method == "POST" else request.GET
    current = [b.path_pattern for b in cfg.behaviors(snapshot.config) if not b.is_default]
    order, moved, error = _moved(data.getlist("order") or current, data)
    try:
        after = cfg.reorder(snapshot.config, order)
    except cfg.ConfigError as exc:
        after, error, moved = snapshot.config, exc.message, None
    order = [b.path_pattern for b in cfg.behaviors(after) if not b.is_default]
    change_review = pipeline.review_change(snapshot.config, after)
    acknowledged = data.getlist("acknowledge")
    status = 400 if error and not request.htmx else 200
    if request.method == "POST" and not error:
        response, error = _submit(
            request, distribution_id, snapshot, after, action="reorder",
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


def _submit_origin(request, distribution_id, snapshot, origin, after, policy, minimum):
    """The origin edit's push; after HTTP -> HTTPS, offer to invalidate what edges fetched over HTTP."""
    origin_id = origin["Id"]
    to_https = policy == "https-only" and cfg.origin_protocol_policy(origin) != "https-only"
    if to_https:
        done_url = reverse("distributions:distribution_invalidations", args=[distribution_id]) + "?paths=/*"
        note = (
            "CloudFront now fetches from this origin over HTTPS only. Edge locations may still hold objects "
            "fetched over HTTP, and serve them whatever protocol viewers use: invalidate /* to replace them."
        )
    else:
        done_url, note = reverse("distributions:distribution_origins", args=[distribution_id]), ""
    return _submit(
        request, distribution_id, snapshot, after, action="origin",
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
    origin_id = (request.POST if request.method == "POST" else request.GET).get("origin") or request.GET.get(
        "origin", ""
    )
    snapshot = open_edit(request, distribution_id)
    origin = cfg.find_origin(snapshot.config, origin_id)
    if origin is None:
        raise Http404(f"Distribution {distribution_id} has no origin {origin_id!r}.")
    if not origin.get("CustomOriginConfig"):
        raise Refused(
            f"Origin {origin_id} is an S3 origin: CloudFront reaches it with the viewer's protocol, "
            "and it has no origin protocol policy to edit."
        )
    data = request.POST if request.method == "POST" else request.GET
    policy = data.get("protocol_policy") or cfg.origin_protocol_policy(origin)
    minimum = data.get("minimum_ssl_protocol") or cfg.minimum_ssl_protocol(origin) or "TLSv1.2"
    error = ""
    try:
        after = cfg.set_origin_protocol(snapshot.config, origin_id, policy, minimum)
    except cfg.ConfigError as exc:
        after, error = snapshot.config, exc.message
    change_review = pipeline.review_change(snapshot.config, after)
    acknowledged = data.getlist("acknowledge")
    status = 400 if error and not request.htmx else 200
    if request.method == "POST" and not error:
        response, error = _submit_origin(request, distribution_id, snapshot, origin, after, policy, minimum)
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


def _with_defaults(request, defaults):
    """The request's form data (POST, or GET for a live preview) with ``defaults`` for what it leaves out."""
    data = (request.POST if request.method == "POST" else request.GET).copy()
    for name, value in defaults.items():
        data.setdefault(name, value)
    return data


def _settings_now(config):
    """The settings form's values for ``config`` as it is."""
    current = config.get("ViewerCertificate") or {}
    return {
        "aliases": "\n".join(cfg.aliases(config)),
        "certificate": certificate_reference(config) or "",
        "ssl_support_method": current.get("SSLSupportMethod") or "sni-only",
        "minimum_protocol_version": current.get("MinimumProtocolVersion") or "TLSv1.2_2021",
    }


def _certificate_choices(backend):
    try:
        return backend.certificates()
    except BackendError as exc:
        return [{"id": "", "kind": "acm", "names": None, "label": f"Certificates could not be listed: {exc.message}"}]


def _settings_after(config, choices, aliases_text, certificate, method, policy, backend):
    """``(config after the settings edit, error)``; on an error the config is unchanged.

    Only the sandbox refuses a config that breaks CloudFront's rules here; in AWS mode the
    review shows them as warnings and AWS decides (issue #11: never refuse what AWS accepts).
    """
    known = {c["id"] for c in choices if c["id"]}
    if certificate and certificate not in known and certificate != certificate_reference(config):
        return config, f"No certificate {certificate!r} is available to this console."
    kind = "iam" if certificate and not certificate.startswith("arn:") else "acm"
    try:
        after = cfg.set_viewer_certificate(
            config, aliases_text.splitlines(), certificate or None, kind, method, policy if certificate else "TLSv1"
        )
        if pipeline.enforces_rules(backend):
            cfg.validate(after)
    except cfg.ConfigError as exc:
        return config, exc.message
    return after, ""


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def distribution_settings_edit(request, distribution_id):
    """Alternate domain names and the SSL certificate: default, or custom (ACM / IAM / sandbox)."""
    snapshot = open_edit(request, distribution_id)
    backend = get_backend()
    choices = _certificate_choices(backend)
    form = CertificateSettingsForm(_with_defaults(request, _settings_now(snapshot.config)))
    values = {name: form[name].value() or "" for name in ("aliases", "certificate")}
    values["method"], values["policy"] = form["ssl_support_method"].value(), form["minimum_protocol_version"].value()
    if form.is_valid():
        after, error = _settings_after(
            snapshot.config, choices, *(form.cleaned_data[name] for name in CertificateSettingsForm.edited), backend
        )
    else:
        after, error = snapshot.config, first_error(form)
    change_review = pipeline.review_change(snapshot.config, after, backend)
    acknowledged = form.cleaned_data.get("acknowledge", []) if form.is_valid() else []
    status = 400 if error and not request.htmx else 200
    if request.method == "POST" and not error:
        aliases = ", ".join(cfg.aliases(after)) or "none"
        response, error = _submit(
            request, distribution_id, snapshot, after, action="certificate",
            summary=f"Alternate domain names: {aliases}; certificate: "
            + (certificate_reference(after) or "default *.cloudfront.net"),
            confirm="Confirm that you reviewed the alternate domain names and the certificate.",
            unchanged="Nothing changed: edit the alternate domain names or choose another certificate.",
            done="Settings saved.",
            done_url=reverse("distributions:distribution_general", args=[distribution_id]),
        )  # fmt: skip
        if response:
            return response
        status = 400
    return render(
        request,
        "distributions/settings_edit.html",
        {
            "distribution": mirrored(distribution_id),
            "snapshot": snapshot,
            "aliases_text": values["aliases"],
            "certificate": values["certificate"],
            "choices": choices,
            "method": values["method"],
            "policy": values["policy"],
            "methods": cfg.SSL_SUPPORT_METHODS[:2],
            "policies": cfg.SECURITY_POLICIES,
            "review": change_review,
            "uncovered": change_review.refused_after,
            "acknowledged": acknowledged,
            "unacknowledged": change_review.unacknowledged(acknowledged) if request.method == "POST" else [],
            "error": error,
            "sandbox": settings.CONSOLE_BACKEND == "simulator",
        },
        status=status,
    )


@require_POST
def certificate_create(request):
    """Sandbox: create a self-signed certificate, or import one, for alternate domain names."""
    from .sandbox.certificates import CertificateError, create_self_signed, import_certificate

    back = request.POST.get("next", "")
    if not back.startswith("/distributions/"):
        back = reverse("distributions:distribution_list")
    if settings.CONSOLE_BACKEND != "simulator":
        raise Refused("In AWS mode, request or import certificates in ACM (us-east-1).")
    if not (access.is_admin(request.user) or access.OPERATOR in access.roles(request.user)):
        raise Forbidden("Only Operators and Admins can add certificates.")
    try:
        if request.POST.get("kind") == "import":
            certificate = import_certificate(
                request.POST.get("certificate_pem", ""),
                request.POST.get("private_key_pem", ""),
                request.POST.get("chain_pem") or None,
            )
        else:
            certificate = create_self_signed(request.POST.get("domain_names", "").split())
    except CertificateError as exc:
        messages.error(request, f"{exc.code}: {exc.message}")
    else:
        messages.success(request, f"Certificate {certificate.arn} for {', '.join(certificate.domain_names)} is ready.")
    return redirect(back)
