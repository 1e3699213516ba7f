"""General > Edit (alternate domain names and the viewer certificate) and the sandbox's certificates."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import access, pipeline
from .backends.base import BackendError, get_backend
from .cloudfront import config as cfg
from .cloudfront.certificates import certificate_reference
from .forms import CertificateCreateForm, CertificateSettingsForm, first_error
from .middleware import Forbidden, Refused
from .models import Team
from .views import handles_backend_errors, mirrored, open_edit, submit_edit


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
    snapshot = open_edit(request, distribution_id)
    backend = get_backend()
    choices = _certificate_choices(backend, request.user)
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
        response, error = submit_edit(
            request, form, snapshot, after, action="certificate",
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

    form = CertificateCreateForm(request.POST)
    valid = form.is_valid()
    back = form.cleaned_data.get("next", "") if valid else ""
    if not back.startswith("/distributions/"):
        back = reverse("distributions:distribution_list")
    if settings.CONSOLE_BACKEND != "simulator":
        raise Refused("In AWS mode, request or import certificates in ACM (us-east-1).")
    if not (access.is_admin(request.user) or access.OPERATOR in access.roles(request.user)):
        raise Forbidden("Only Operators and Admins can add certificates.")
    if not valid:
        messages.error(request, first_error(form))
        return redirect(back)
    data = form.cleaned_data
    try:
        if data["kind"] == "import":
            certificate = import_certificate(
                data["certificate_pem"], data["private_key_pem"], data["chain_pem"] or None
            )
        else:
            certificate = create_self_signed(data["domain_names"].split())
    except CertificateError as exc:
        messages.error(request, f"{exc.code}: {exc.message}")
    else:
        certificate.teams.set(Team.objects.filter(members=request.user))
        messages.success(request, f"Certificate {certificate.arn} for {', '.join(certificate.domain_names)} is ready.")
    return redirect(back)
