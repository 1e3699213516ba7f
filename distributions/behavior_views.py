"""Edit behavior (steps 3 to 7 of the reference page): the policy, the evidence, Yes, Edit."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import access, evidence, pipeline, publish
from .cloudfront import config as cfg
from .forms import BehaviorPreviewForm, ViewerProtocolPolicyForm, first_error
from .middleware import Refused
from .views import handles_backend_errors, mirrored, open_edit, render_page, require_view, respond


def _edit_context(distribution, snapshot, chosen, policy, test_path):
    """The Edit behavior page's context: the evidence for the chosen behaviors (``evidence``), and the review."""
    found = evidence.edit_evidence(snapshot.config, chosen, policy, test_path, distribution.domain_name)
    review = pipeline.review_change(snapshot.config, found["after"])
    return {**found, "distribution": distribution, "snapshot": snapshot, "review": review}


NO_BEHAVIOR = "Choose at least one cache behavior to update."
# Where each field's error links to in the error summary (the element the user must change).
ERROR_ANCHORS = {
    "policy": "policy-allow-all",
    "behavior": "behaviors-to-update",
    "confirm_path_patterns": "confirm_path_patterns",
    "confirm_order": "confirm_order",
    "confirm_origins": "confirm_origins",
}


def error_summary(form):
    """The errors of a failed Yes, Edit, in page order, each with the id of the element to fix (or None)."""
    items = []
    for name in ["__all__", *ERROR_ANCHORS, "etag"]:
        for message in form.errors.get(name, []):
            anchor = ERROR_ANCHORS.get(name)
            if name == "__all__" and message == pipeline.UNACKNOWLEDGED:
                anchor = "review"
            items.append({"anchor": anchor, "message": message})
    return items


def approval_context(user, distribution_id):
    """Whether this user's Yes, Edit becomes a change request, and who may approve it."""
    if not access.approval_required(user, distribution_id):
        return {"needs_approval": False}
    names = [u.get_username() for u in access.approvers(distribution_id) if u.pk != user.pk]
    return {"needs_approval": True, "approvers": names}


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def behavior_edit(request, distribution_id):
    """Steps 3 to 7: choose the policy, check the evidence, Yes, Edit."""
    data = request.POST if request.method == "POST" else request.GET
    if request.method != "POST" and not data.getlist("behavior") and not data.get("etag"):
        # The Behaviors tab's Edit with nothing chosen (no JavaScript to disable it): back to the tab.
        require_view(request, distribution_id)
        messages.info(request, "Choose a cache behavior in the table, then choose Edit.")
        return redirect("distributions:distribution_behaviors", distribution_id)
    snapshot = open_edit(request, distribution_id)
    if request.method != "POST":
        return _show_edit(request, distribution_id, snapshot)
    return _submit_edit(request, distribution_id, snapshot)


def _preview(data, snapshot):
    """``BehaviorPreviewForm`` bound to ``data``: the behaviors, policy and test path to preview."""
    form = BehaviorPreviewForm(data, config=snapshot.config)
    form.is_valid()
    return form


def _show_edit(request, distribution_id, snapshot):
    """The form, or (htmx) the path tester it swaps when a choice changes; no behavior is a message, not an error."""
    form = _preview(request.GET, snapshot)
    if "behavior" in form.errors:
        raise Http404(f"Distribution {distribution_id}: {form.errors['behavior'][0]}")
    if form.errors:
        raise Refused(first_error(form))
    preview = form.cleaned_data
    chosen = preview["behavior"]
    context = _edit_context(mirrored(distribution_id), snapshot, chosen, preview["policy"], preview["test_path"])
    context.update(approval_context(request.user, distribution_id))
    context["behavior_error"] = "" if chosen else NO_BEHAVIOR
    # Ticks survive the path tester's plain-GET round trip.
    ticks = {name: preview[name] for name in ViewerProtocolPolicyForm.confirmations}
    context["form"] = ViewerProtocolPolicyForm(config=snapshot.config, initial={"etag": snapshot.etag, **ticks})
    return render_page(request, "distributions/behavior_edit.html", context, partials=("path-tester",))


def _push(request, distribution_id, snapshot, form):
    """Yes, Edit on a valid form: the response when the change went or met a conflict, else the Outcome."""
    chosen_patterns, policy = form.cleaned_data["behavior"], form.cleaned_data["policy"]
    try:
        snapshot, edited, summary = publish.edit_viewer_protocol_policy(
            distribution_id, chosen_patterns, policy, snapshot.etag
        )
    except publish.EditError as exc:
        form.add_error(None, exc.message)
        return None
    outcome = pipeline.submit_reviewed(
        request.user, snapshot, edited, action="viewer-protocol-policy", summary=summary,
        confirmed=[name for name in form.confirmations if form.cleaned_data.get(name)],
        acknowledged=form.cleaned_data["acknowledge"],
    )  # fmt: skip
    restart_url = reverse("distributions:behavior_edit", args=[distribution_id]) + "?"
    restart_url += urlencode({"behavior": chosen_patterns, "policy": policy}, doseq=True)
    label = cfg.POLICY_LABELS[policy]
    patterns_text = ", ".join("Default (*)" if p == "*" else p for p in chosen_patterns)
    response = respond(
        request, outcome, distribution_id, restart_url=restart_url,
        done=f"Viewer Protocol Policy of {patterns_text} set to {label}.",
        done_url=reverse("distributions:distribution_behaviors", args=[distribution_id]),
    )  # fmt: skip
    return response or outcome


def _submit_edit(request, distribution_id, snapshot):
    """Yes, Edit: push, submit or show the form again with an error summary (or "No changes to save")."""
    form = ViewerProtocolPolicyForm(request.POST, config=snapshot.config)
    unchanged = False
    if form.is_valid():
        result = _push(request, distribution_id, snapshot, form)
        if result is not None and not isinstance(result, pipeline.Outcome):
            return result
        if result is not None and result.status == pipeline.UNCHANGED:
            unchanged = True
        elif result is not None:
            for error in result.errors:
                form.add_error(None, error)
    # The page again: the preview of what was posted, or of the default behavior when a pattern was unknown.
    preview = _preview(request.POST, snapshot).cleaned_data
    chosen = preview.get("behavior") or [cfg.behaviors(snapshot.config)[-1].path_pattern]
    context = _edit_context(
        mirrored(distribution_id), snapshot, chosen, preview.get("policy"), preview.get("test_path")
    )
    context.update(approval_context(request.user, distribution_id))
    acknowledged = getattr(form, "cleaned_data", {}).get("acknowledge", [])
    context.update(
        form=form, acknowledged=acknowledged, unchanged=unchanged, error_summary=error_summary(form),
        unacknowledged=context["review"].unacknowledged(acknowledged),
    )  # fmt: skip
    status = 200 if request.htmx or unchanged else 400
    return render(request, "distributions/behavior_edit.html", context, status=status)
