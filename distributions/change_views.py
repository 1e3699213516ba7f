"""Changes beyond the viewer protocol policy: precedence and origins, through the same review and push."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import access, mirror, pipeline, publish
from .backends.base import BackendError, get_backend
from .cloudfront import config as cfg
from .cloudfront.certificates import certificate_reference
from .models import Team
from .review import REFUSED_BY_CLOUDFRONT
from .views import edit_refused, handles_backend_errors, mirrored, open_edit, render_error, require_view, respond


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
    refusal, snapshot = open_edit(request, distribution_id)
    if refusal:
        return refusal
    data = request.POST if request.method == "POST" else request.GET
    current = [b.path_pattern for b in cfg.behaviors(snapshot.config) if not b.is_default]
    order = data.getlist("order") or current
    error = ""
    try:
        after = cfg.reorder(snapshot.config, _moved(order, data.get("move")))
    except cfg.ConfigError as exc:
        after, error = snapshot.config, exc.message
    order = [b.path_pattern for b in cfg.behaviors(after) if not b.is_default]
    change_review = pipeline.review_change(snapshot.config, after)
    acknowledged = data.getlist("acknowledge")
    status = 400 if error else 200
    if request.method == "POST" and not error:
        response, error = _submit(
            request,
            distribution_id,
            snapshot,
            after,
            action="reorder",
            summary="Change precedence: " + ", ".join(order),
            confirm="Confirm that the cache behaviors are listed in the order you want CloudFront to evaluate them in.",
            unchanged="The order is unchanged: move a behavior first.",
            done="Precedence saved. The change is deploying (In Progress).",
            done_url=reverse("distributions:distribution_behaviors", args=[distribution_id]),
        )
        if response:
            return response
        status = 400
    return render(
        request,
        "distributions/behavior_order.html",
        {
            "distribution": mirrored(distribution_id),
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
        done=f"Origin {origin_id} updated. The change is deploying (In Progress).", done_url=done_url, note=note,
    )  # fmt: skip


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def origin_edit(request, distribution_id, origin_id):
    """Edit a custom origin's protocol policy and minimum origin SSL protocol, through review and push."""
    refusal, snapshot = open_edit(request, distribution_id)
    if refusal:
        return refusal
    origin = cfg.find_origin(snapshot.config, origin_id)
    if origin is None:
        raise Http404(f"Distribution {distribution_id} has no origin {origin_id!r}.")
    if not origin.get("CustomOriginConfig"):
        return render_error(
            request,
            f"Origin {origin_id} is an S3 origin: CloudFront reaches it with the viewer's protocol, "
            "and it has no origin protocol policy to edit.",
            400,
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
    status = 400 if error else 200
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
    distribution = mirror.sync_distribution(distribution_id)
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


def _certificate_choices(backend, user):
    """The certificates the user may choose; in the sandbox, another team's are as if they did not exist."""
    try:
        choices = backend.certificates()
    except BackendError as exc:
        return [{"id": "", "kind": "acm", "names": None, "label": f"Certificates could not be listed: {exc.message}"}]
    if backend.name == "simulator":
        from .sandbox.certificates import visible_certificates

        allowed = set(visible_certificates(user).values_list("arn", flat=True))
        choices = [choice for choice in choices if choice["id"] in allowed]
    return choices


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
    refusal, snapshot = open_edit(request, distribution_id)
    if refusal:
        return refusal
    backend = get_backend()
    choices = _certificate_choices(backend, request.user)
    current = snapshot.config.get("ViewerCertificate") or {}
    data = request.POST if request.method == "POST" else request.GET
    aliases_text = data.get("aliases", "\n".join(cfg.aliases(snapshot.config))).replace("\x00", "")[:20000]
    certificate = data.get("certificate", certificate_reference(snapshot.config) or "")
    method = data.get("ssl_support_method", current.get("SSLSupportMethod") or "sni-only")
    policy = data.get("minimum_protocol_version", current.get("MinimumProtocolVersion") or "TLSv1.2_2021")
    after, error = _settings_after(snapshot.config, choices, aliases_text, certificate, method, policy, backend)
    change_review = pipeline.review_change(snapshot.config, after, backend)
    # In AWS mode AWS decides: the console's findings are not refusals there.
    findings = change_review.findings_after if change_review.authoritative else []
    uncovered = [f for f in findings if f.code in REFUSED_BY_CLOUDFRONT]
    acknowledged = data.getlist("acknowledge")
    status = 400 if error else 200
    if request.method == "POST" and not error:
        aliases = ", ".join(cfg.aliases(after)) or "none"
        response, error = _submit(
            request,
            distribution_id,
            snapshot,
            after,
            action="certificate",
            summary=f"Alternate domain names: {aliases}; certificate: "
            + (certificate_reference(after) or "default *.cloudfront.net"),
            confirm="Confirm that you reviewed the alternate domain names and the certificate.",
            unchanged="Nothing changed: edit the alternate domain names or choose another certificate.",
            done="Settings saved. The change is deploying (In Progress).",
            done_url=reverse("distributions:distribution_general", args=[distribution_id]),
        )
        if response:
            return response
        status = 400
    return render(
        request,
        "distributions/settings_edit.html",
        {
            "distribution": mirrored(distribution_id),
            "snapshot": snapshot,
            "aliases_text": aliases_text,
            "certificate": certificate,
            "choices": choices,
            "method": method,
            "policy": policy,
            "methods": cfg.SSL_SUPPORT_METHODS[:2],
            "policies": cfg.SECURITY_POLICIES,
            "review": change_review,
            "uncovered": uncovered,
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
        return render_error(request, "In AWS mode, request or import certificates in ACM (us-east-1).", 400)
    if not (access.is_admin(request.user) or access.OPERATOR in access.roles(request.user)):
        return render_error(request, "Only Operators and Admins can add certificates.", 403)
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
        certificate.teams.set(Team.objects.filter(members=request.user))
        messages.success(request, f"Certificate {certificate.arn} for {', '.join(certificate.domain_names)} is ready.")
    return redirect(back)
