"""Staff self-service pages: History, Activity, change requests and rollback."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import access, approvals, history, mirror, pipeline, publish
from .cloudfront import changes
from .cloudfront import config as cfg
from .forms import ActivityFilterForm, DecisionForm, first_error
from .middleware import Forbidden, Refused
from .models import AuditEntry, AuditOutcome, ChangeRequest, ChangeRequestState
from .views import handles_backend_errors, mirrored, open_edit, require_view, respond

PAGE_SIZE = 25
CSV_FIELDS = (
    "at",
    "username",
    "distribution_id",
    "action",
    "outcome",
    "summary",
    "etag_before",
    "etag_after",
    "error_code",
    "error_message",
    "request_id",
    "change_request_id",
)


def _csv_cell(value):
    """A cell a spreadsheet shows as text: one starting like a formula (=, +, -, @) gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _visible_entries(user):
    return AuditEntry.objects.filter(access.visible_filter(user, "distribution_id"))


@require_safe
@handles_backend_errors
def distribution_history(request, distribution_id):
    require_view(request, distribution_id)
    distribution = mirror.sync_distribution(distribution_id)
    entries = AuditEntry.objects.filter(distribution_id=distribution_id).select_related("change_request")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "distributions/distribution_history.html",
        {
            "distribution": distribution,
            "tab": "history",
            "page": page,
            "can_edit": access.can_edit(request.user, distribution_id),
            "requests": ChangeRequest.objects.filter(distribution_id=distribution_id)[:20],
        },
    )


def _filtered_activity(request):
    """The entries the user may see, filtered by Activity's form; ``(entries, filters)`` for the page.

    ``filters`` holds what the user typed (to show it again) and ``error``, the form's first error.
    """
    entries = _visible_entries(request.user)
    form = ActivityFilterForm(request.GET, outcomes=AuditOutcome.values)
    typed = {name: (form[name].value() or "").strip() for name in form.fields}
    if not form.is_valid():
        return entries.none(), {**typed, "error": first_error(form)}
    chosen = form.cleaned_data
    if chosen["user"]:
        entries = entries.filter(username__icontains=chosen["user"])
    if chosen["distribution"]:
        entries = entries.filter(distribution_id__icontains=chosen["distribution"])
    if chosen["outcome"]:
        entries = entries.filter(outcome=chosen["outcome"])
    if chosen["since"]:
        entries = entries.filter(at__date__gte=chosen["since"])
    return entries, {**typed, "outcome": chosen["outcome"]}


@require_safe
def activity(request):
    """Every recorded change the user may see, with filters; ?format=csv downloads them."""
    entries, filters = _filtered_activity(request)
    if request.GET.get("format") == "csv" and filters.get("error"):
        # A script asking for entries since a date it misspelled must not get every entry.
        raise Refused(filters["error"])
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cloudfront-console-activity.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_FIELDS)
        for entry in entries.iterator():
            writer.writerow([_csv_cell(getattr(entry, field)) for field in CSV_FIELDS])
        return response
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "distributions/activity.html",
        {"page": page, "filters": filters, "outcomes": AuditOutcome.choices, "query": query.urlencode()},
        status=400 if filters.get("error") else 200,
    )


@require_safe
def change_request_list(request):
    """Requests waiting for this user's approval, and the user's own requests."""
    visible = ChangeRequest.objects.filter(access.visible_filter(request.user, "distribution_id"))
    waiting = [r for r in visible.filter(state=ChangeRequestState.SUBMITTED) if access.can_approve(request.user, r)]
    mine = ChangeRequest.objects.filter(author=request.user)[:50]
    return render(request, "distributions/change_requests.html", {"waiting": waiting, "mine": mine})


def _change_request(request, pk):
    change = ChangeRequest.objects.filter(pk=pk).select_related("author", "decided_by").first()
    if change is None or not (
        access.can_view(request.user, change.distribution_id) or change.author_id == request.user.pk
    ):
        raise Http404("No such change request.")
    return change


@require_safe
def change_request_detail(request, pk):
    change = _change_request(request, pk)
    policies_before = {b.path_pattern: b.viewer_protocol_policy for b in cfg.behaviors(change.config_before)}
    return render(
        request,
        "distributions/change_request.html",
        {
            "change": change,
            "changes": cfg.diff(change.config_before, change.config_after),
            "behavior_rows": [
                (behavior, policies_before.get(behavior.path_pattern))
                for behavior in cfg.behaviors(change.config_after)
            ],
            "origins": cfg.origins(change.config_after),
            "can_approve": access.can_approve(request.user, change),
        },
    )


@require_POST
@handles_backend_errors
def change_request_decide(request, pk):
    change = _change_request(request, pk)
    if change.author_id == request.user.pk:
        raise Forbidden("Nobody approves or rejects their own change request.", "Not your decision")
    if not access.can_approve(request.user, change):
        raise Forbidden(
            "Only an Approver of this distribution's team can decide on a submitted request.", "Not your decision"
        )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise Refused(first_error(form))
    decision = form.cleaned_data["decision"]
    try:
        if decision == "approve":
            change = approvals.approve(request.user, change)
            if change.state == ChangeRequestState.APPLIED:
                messages.success(request, f"Change request #{change.pk} approved and pushed: {change.summary}.")
            elif change.state == ChangeRequestState.DRAFT:
                messages.warning(
                    request,
                    f"Distribution {change.distribution_id} changed after request #{change.pk} was reviewed: nothing "
                    "was pushed, and the request went back to its author.",
                )
            elif change.state == ChangeRequestState.FAILED:
                raise Refused(
                    f"Change request #{change.pk} was approved but CloudFront refused it: {change.reason}",
                    "CloudFront refused the request",
                )
            else:
                messages.success(request, f"Change request #{change.pk} approved; a worker is pushing it.")
        elif decision == "reject":
            approvals.reject(request.user, change, form.cleaned_data["reason"])
            messages.success(request, f"Change request #{change.pk} rejected.")
    except publish.EditError as exc:
        raise Refused(exc.message) from None
    return redirect("distributions:change_request_detail", pk=change.pk)


def _history_entry(distribution_id, entry_id):
    entry = AuditEntry.objects.filter(pk=entry_id, distribution_id=distribution_id).first()
    if entry is None or not history.revertible(entry):
        raise Http404("No such change in this distribution's history.")
    return entry


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def history_restore(request, distribution_id, entry_id):
    """Restore: put back the whole configuration from before a recorded change (undoing every later change
    too, which the page lists), through review and IfMatch."""
    snapshot = open_edit(request, distribution_id)
    entry = _history_entry(distribution_id, entry_id)
    target = publish.restorable_config(entry, snapshot.config)
    summary = f"Restore the configuration from before change #{entry.pk} ({entry.summary})"
    return _review_and_submit(request, entry, snapshot, target, "rollback", summary, ("restore", "Restored"))


@require_http_methods(["GET", "HEAD", "POST"])
@handles_backend_errors
def history_revert(request, distribution_id, entry_id):
    """Revert: undo only one recorded change on the current configuration, through review and IfMatch;
    a conflict page, with nothing pushed, when one of its fields changed since."""
    snapshot = open_edit(request, distribution_id)
    entry = _history_entry(distribution_id, entry_id)
    target, found = changes.revert(entry.config_before, entry.config_after, snapshot.config)
    if found:
        context = {
            "distribution": mirrored(distribution_id),
            "entry": entry,
            "conflicts": history.conflicts(entry, found, snapshot.config),
        }
        return render(request, "distributions/history_revert_conflict.html", context, status=409)
    target["CallerReference"] = snapshot.config.get("CallerReference", target.get("CallerReference"))
    summary = f"Revert change #{entry.pk} ({entry.summary})"
    return _review_and_submit(request, entry, snapshot, target, "revert", summary, ("revert", "Reverted"))


def _review_and_submit(request, entry, snapshot, target, action, summary, words):
    """The Restore / Revert page: what it changes (and which later changes it undoes), then the pipeline."""
    distribution_id = entry.distribution_id
    verb, done = words
    acknowledged = request.POST.getlist("acknowledge")
    context = {
        "distribution": mirrored(distribution_id),
        "entry": entry,
        "verb": verb,
        "snapshot": snapshot,
        "changes": cfg.diff(snapshot.config, target),
        # Restore undoes every later change: say which (Revert keeps them, or is a conflict).
        "undone": history.since(entry, snapshot.config) if action == "rollback" else [],
        "review": pipeline.review_change(snapshot.config, target),
        "acknowledged": acknowledged,
        "error": "",
    }
    if request.method != "POST":
        return render(request, "distributions/history_restore.html", context)
    outcome = pipeline.submit_reviewed(
        request.user, snapshot, target, action=action, summary=summary,
        confirmations=[pipeline.Confirmation("confirm", f"Confirm that you reviewed the changes this {verb} makes.")],
        confirmed=["confirm"] if request.POST.get("confirm") == "on" else [],
        acknowledged=acknowledged,
    )  # fmt: skip
    response = respond(
        request, outcome, distribution_id, restart_url=request.path,
        done=f"{done}: {summary}.",
        done_url=reverse("distributions:distribution_history", args=[distribution_id]),
    )  # fmt: skip
    if response:
        return response
    if outcome.status == pipeline.UNCHANGED:
        context["error"] = f"The current configuration already is that version: nothing to {verb}."
    else:
        context["error"] = " ".join(outcome.errors)
        context["unacknowledged"] = outcome.review.unacknowledged(acknowledged)
    return render(request, "distributions/history_restore.html", context, status=400)
