"""Issue 17 in the browser's terms: the HTTPS posture page, the plan page and Apply."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributions.fleet.models import BulkChange
from distributions.models import AuditEntry, Team
from distributions.sandbox import certificates

from .factories import ALL_METHODS

ACME = "/.well-known/acme-challenge/*"


@pytest.fixture
def fleet(make_distribution):
    return [
        make_distribution([(ACME, "allow-all"), ("/images/*", "allow-all")]),
        make_distribution([("/api/*", "allow-all", ALL_METHODS)], default_policy="redirect-to-https"),
        make_distribution([("/images/*", "https-only"), ("/images/a.jpg", "allow-all")], default_policy="https-only"),
    ]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


class TestPosturePage:
    def test_it_lists_the_http_behaviors_and_links_from_the_side_navigation(self, signed_in, fleet):
        response = signed_in.get(reverse("fleet:posture"))
        html = response.content.decode()
        assert 'aria-current="page">HTTPS posture</a>' in html
        assert 'Behaviors that let viewers use HTTP <span class="counter">(5)</span>' in html
        assert f"Excluded ({ACME})" in html
        assert "Accepts writes: HTTPS Only recommended" in html
        assert "Last synced:" in html

    def test_it_downloads_csv_and_json(self, signed_in, fleet):
        response = signed_in.get(reverse("fleet:posture") + "?format=csv")
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.decode().count("\nbehavior,") == 5
        response = signed_in.get(reverse("fleet:posture") + "?format=json")
        assert len(response.json()["behaviors"]) == 5

    def test_it_filters_by_finding(self, signed_in, fleet):
        html = signed_in.get(reverse("fleet:posture") + "?code=weak-origin-tls").content.decode()
        assert "No behavior lets viewers use HTTP." in html

    def test_it_lists_aliases_the_certificate_does_not_cover(self, signed_in, make_distribution):
        arn = "arn:aws:acm:us-east-1:123456789012:certificate/0c7e2d1a-4b5f-4e8a-9d3c-6a1b2c3d4e5f"
        row = make_distribution(
            default_policy="https-only", aliases=["shop.example.org"],
            ViewerCertificate={"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only"},
        )  # fmt: skip
        certificates.ensure_sandbox_certificate(arn, ["www.example.org"])
        response = signed_in.get(reverse("fleet:posture"), {"code": "alias-not-covered"})
        findings = response.context["findings"]
        assert [(f.distribution_id, f.alias) for f in findings] == [(row.id, "shop.example.org")]
        assert "<td>shop.example.org</td>" in response.content.decode()

    def test_its_query_count_does_not_grow_with_the_fleet(self, signed_in, make_distribution):
        for _ in range(5):
            make_distribution([("/api/*", "allow-all", ALL_METHODS), ("/img/*", "allow-all")])
        small = queries_for(signed_in, reverse("fleet:posture"))
        for _ in range(45):
            make_distribution([("/api/*", "allow-all", ALL_METHODS), ("/img/*", "allow-all")])
        assert queries_for(signed_in, reverse("fleet:posture")) == small


class TestPlan:
    def test_all_builds_a_plan_then_apply_pushes_each_distribution(self, signed_in, fleet):
        response = signed_in.post(reverse("fleet:plan_create"), {"scope": "all", "policy": "https-only"})
        bulk = BulkChange.objects.get()
        assert response.url == reverse("fleet:plan_detail", kwargs={"pk": bulk.pk})
        html = signed_in.get(response.url).content.decode()
        assert f"<code>{ACME}</code> stays HTTP and HTTPS" in html
        assert "Apply plan (3 distributions)" in html
        response = signed_in.post(reverse("fleet:plan_apply", kwargs={"pk": bulk.pk}), {})
        assert response.url.endswith("?error=confirm")
        response = signed_in.post(reverse("fleet:plan_apply", kwargs={"pk": bulk.pk}), {"confirm": "on"})
        bulk.refresh_from_db()
        assert bulk.state == "done"
        assert {r["status"] for r in bulk.results.values()} == {"pushed"}
        assert AuditEntry.objects.filter(action="bulk-require-https").count() == 3
        audit = signed_in.get(reverse("fleet:plan_detail", kwargs={"pk": bulk.pk})).context["audit"]
        assert sorted(e.distribution_id for e in audit) == sorted(e["id"] for e in bulk.plan)
        assert {e.outcome for e in audit} == {"pushed"}

    def test_selected_behaviors_only(self, signed_in, fleet):
        api = fleet[1].id
        signed_in.post(reverse("fleet:plan_create"), {"scope": "selected", "behavior": [f"{api}|/api/*"]})
        plan = BulkChange.objects.get().plan
        assert [(e["id"], e["patterns"]) for e in plan] == [(api, ["/api/*"])]
        assert plan[0]["writes"]

    def test_all_within_the_distribution_filter_plans_that_distribution_only(self, signed_in, fleet):
        api = fleet[1].id
        page = signed_in.get(reverse("fleet:posture"), {"q": api}).content.decode()
        assert f"Require HTTPS on all that allow HTTP (ID contains “{api}”)" in page
        signed_in.post(reverse("fleet:plan_create"), {"scope": "all", "q": api})
        assert [(e["id"], e["patterns"]) for e in BulkChange.objects.get().plan] == [(api, ["/api/*"])]

    def test_the_results_fragment_for_htmx(self, signed_in, fleet):
        signed_in.post(reverse("fleet:plan_create"), {"scope": "all"})
        bulk = BulkChange.objects.get()
        response = signed_in.get(reverse("fleet:plan_detail", kwargs={"pk": bulk.pk}), headers={"HX-Request": "true"})
        html = response.content.decode()
        assert html.lstrip().startswith('<section class="container" id="results"')

    def test_another_users_plan_is_not_found(self, client, signed_in, fleet, django_user_model):
        signed_in.post(reverse("fleet:plan_create"), {"scope": "all"})
        bulk = BulkChange.objects.get()
        Team.objects.create(name="somebody")  # the install is no longer open: bob has no role
        bob = django_user_model.objects.create_user("bob", password="x")
        client.force_login(bob)
        assert client.get(reverse("fleet:plan_detail", kwargs={"pk": bulk.pk})).status_code == 404

    def test_a_stopped_plan_offers_resume_and_resume_applies_the_rest(self, signed_in, fleet):
        signed_in.post(reverse("fleet:plan_create"), {"scope": "all"})
        bulk = BulkChange.objects.get()
        second = bulk.plan[1]["id"]
        message = "Throttling: CloudFront is throttling UpdateDistribution. Stopped here."
        bulk.results = {second: {"status": "interrupted", "message": message}}
        bulk.state, bulk.confirmed = "stopped", True
        bulk.save()
        html = signed_in.get(reverse("fleet:plan_detail", kwargs={"pk": bulk.pk})).content.decode()
        assert "Stopped: resume to go on" in html
        assert message in html
        assert "Resume (3 distributions)" in html
        signed_in.post(reverse("fleet:plan_apply", kwargs={"pk": bulk.pk}), {"confirm": "on"})
        bulk.refresh_from_db()
        assert bulk.state == "done"
        assert {i: r["status"] for i, r in bulk.results.items()} == {e["id"]: "pushed" for e in bulk.plan}


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_with_a_worker_apply_queues_the_run_and_db_worker_applies_it(signed_in, fleet, simulator):
    signed_in.post(reverse("fleet:plan_create"), {"scope": "all"})
    bulk = BulkChange.objects.get()
    etags = {e["id"]: e["etag"] for e in bulk.plan}
    response = signed_in.post(reverse("fleet:plan_apply", kwargs={"pk": bulk.pk}), {"confirm": "on"})
    assert response.status_code == 302
    bulk.refresh_from_db()
    assert (bulk.state, bulk.results) == ("applying", {})
    fragment = signed_in.get(reverse("fleet:plan_detail", kwargs={"pk": bulk.pk}), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in fragment.content.decode()  # the page polls while it runs
    assert {i: simulator.get_distribution_config(i)[1] for i in etags} == etags
    call_command("db_worker", "--batch", stdout=StringIO(), stderr=StringIO())
    bulk.refresh_from_db()
    assert bulk.state == "done"
    assert {r["status"] for r in bulk.results.values()} == {"pushed"}
    assert (
        'hx-trigger="every 2s"'
        not in signed_in.get(
            reverse("fleet:plan_detail", kwargs={"pk": bulk.pk}), headers={"HX-Request": "true"}
        ).content.decode()
    )
