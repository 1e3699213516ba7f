"""The HTTPS posture page, the bulk plan page and its apply action.

Function views, each scoped by the user's rights; every action is a plain form
POST that redirects, and htmx only polls the results while a plan is applied.
"""

import csv

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from distributions import access
from distributions.forms import first_error
from distributions.middleware import Refused
from distributions.models import Team

from .forms import PlanApplyForm, PlanForm, PostureFilterForm
from .models import BulkChange, BulkChangeState
from .plan import build_plan, candidate_ids
from .posture import csv_rows, default_exclusions, fleet_posture
from .runner import apply_bulk_change

# Rows the page shows per table; the counts, filters and downloads cover the whole fleet.
SHOWN = 500


def _filtered(posture, code, query):
    behaviors, findings = posture.behaviors, posture.findings
    if query:
        behaviors = [b for b in behaviors if query.lower() in b.distribution_id.lower()]
        findings = [f for f in findings if query.lower() in f.distribution_id.lower()]
    if code:
        behaviors = behaviors if code == "allows-http" else []
        findings = [f for f in findings if f.code == code]
    return behaviors, findings


def _download(posture, fmt):
    if fmt == "json":
        response = JsonResponse(posture.as_dict())
        response["Content-Disposition"] = 'attachment; filename="https-posture.json"'
        return response
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="https-posture.csv"'
    csv.writer(response).writerows(csv_rows(posture))
    return response


@require_safe
def posture(request):
    """Every behavior that lets viewers use HTTP, and the other HTTPS findings, from the mirror."""
    form = PostureFilterForm(request.GET)
    if not form.is_valid():
        raise Refused(first_error(form), "Nothing to show")
    team, code, query, fmt = (form.cleaned_data[name] for name in ("team", "code", "q", "format"))
    posture = fleet_posture(request.user, team)
    if fmt:
        return _download(posture, fmt)
    behaviors, findings = _filtered(posture, code, query)
    context = {
        "posture": posture, "behaviors": behaviors[:SHOWN], "findings": findings[:SHOWN], "shown": SHOWN,
        "behaviors_total": len(behaviors), "findings_total": len(findings), "team": team or "", "code": code,
        "query": query, "teams": Team.objects.values_list("name", flat=True),
        "exclusions": default_exclusions(), "recent": BulkChange.objects.filter(author=request.user)[:5],
    }  # fmt: skip
    return render(request, "fleet/posture.html", context)


@require_POST
def plan_create(request):
    """Build a plan (one GetDistributionConfig per distribution) and show it; nothing is pushed yet."""
    form = PlanForm(request.POST)
    if not form.is_valid():
        raise Refused(first_error(form), "Nothing was planned")
    data = form.cleaned_data
    exclusions = list(dict.fromkeys(default_exclusions() + data["exclude"]))
    chosen = None
    if data["scope"] == "selected":
        chosen = data["behavior"]
        ids = list(chosen)
    else:
        # "All that allow HTTP" within the page's filters: the team, and the Distribution ID filter
        # (one distribution's behaviors, all at once, when it names one).
        ids = candidate_ids(request.user, data["team"])
        ids = [i for i in ids if data["q"].lower() in i.lower()]
    plan = build_plan(request.user, ids, data["policy"], exclusions, chosen)
    bulk = BulkChange.objects.create(
        author=request.user, username=request.user.get_username(), policy=data["policy"], exclusions=exclusions,
        plan=plan,
    )  # fmt: skip
    return redirect("fleet:plan_detail", pk=bulk.pk)


def _own_plan(request, pk):
    bulk = get_object_or_404(BulkChange, pk=pk)
    if bulk.author_id != request.user.pk and not access.is_admin(request.user):
        raise Http404("No such plan.")
    return bulk


@require_safe
def plan_detail(request, pk):
    """The plan, per distribution the same review as a single edit, and each result once applied."""
    bulk = _own_plan(request, pk)
    pending = [e["id"] for e in bulk.pending]
    context = {"bulk": bulk, "pending": len(pending), "pending_ids": pending, "error": request.GET.get("error", "")}
    if not request.htmx:
        context["audit"] = bulk.audit_entries().only("at", "username", "distribution_id", "outcome", "summary")
    template = "fleet/plan.html#results" if request.htmx else "fleet/plan.html"
    return render(request, template, context)


def _unacknowledged(bulk, acknowledged):
    return [
        f"{e['id']}|{fid}"
        for e in bulk.pending
        for fid in (e["review"] or {}).get("acknowledgeable", [])
        if f"{e['id']}|{fid}" not in acknowledged
    ]


@require_POST
def plan_apply(request, pk):
    """Apply (or resume) the plan as its author: in the background when a worker runs, else here."""
    bulk = _own_plan(request, pk)
    if bulk.author_id != request.user.pk:
        raise Http404("No such plan.")
    form = PlanApplyForm(request.POST)
    if not form.is_valid():
        raise Refused(first_error(form), "Nothing was applied")
    # A resumed plan keeps what was acknowledged before; the boxes show only for pending distributions.
    acknowledged = list(dict.fromkeys(bulk.acknowledged + form.cleaned_data["acknowledge"]))
    if not form.cleaned_data["confirm"]:
        return redirect(f"{bulk_url(bulk)}?error=confirm")
    if _unacknowledged(bulk, acknowledged):
        return redirect(f"{bulk_url(bulk)}?error=acknowledge")
    BulkChange.objects.filter(pk=bulk.pk).update(
        confirmed=True, acknowledged=acknowledged, state=BulkChangeState.APPLYING
    )
    apply_bulk_change.enqueue(bulk.pk)
    return redirect("fleet:plan_detail", pk=bulk.pk)


def bulk_url(bulk):
    return reverse("fleet:plan_detail", kwargs={"pk": bulk.pk})
