"""The fleet pages parse their input with forms (#10 item 4): a bad filter, plan or Apply gets one
message naming the field and a 400, and nothing is planned or applied."""

import pytest
from django.urls import reverse

from distributions.fleet.models import BulkChange
from distributions.models import AuditEntry, Team
from distributions.sandbox.models import SimulatedDistribution

pytestmark = pytest.mark.django_db

POSTURE = "fleet:posture"
TOO_MANY_EXCLUSIONS = "\n".join(f"/health{i}" for i in range(101))


@pytest.fixture
def fleet(make_distribution):
    return [
        make_distribution([("/images/*", "allow-all")], default_policy="https-only"),
        make_distribution([("/api/*", "allow-all")], default_policy="https-only"),
    ]


@pytest.mark.parametrize(
    "params, words",
    [
        ({"code": "no-such-finding"}, "Finding: no-such-finding is not a finding the posture lists"),
        ({"format": "xml"}, "Format: xml is not a download format: choose csv or json."),
        ({"team": "ghosts"}, "Team: There is no team named ghosts."),
        ({"team": "t" * 101}, "Team: Ensure this value has at most 100 characters"),
        ({"q": "E" * 201}, "Distribution ID: Ensure this value has at most 200 characters"),
    ],
)
def test_the_posture_refuses_a_bad_filter_with_one_message(signed_in, fleet, params, words):
    response = signed_in.get(reverse(POSTURE), params)
    assert response.status_code == 400
    assert words in response.content.decode()


@pytest.mark.parametrize(
    "params, shown",
    [
        ({}, 2),
        ({"code": "allows-http"}, 2),
        ({"code": "weak-origin-tls"}, 0),
        ({"team": "web"}, 1),
        ({"q": "  "}, 2),  # blank after stripping: no filter
    ],
)
def test_the_posture_filters_with_good_input(signed_in, user, fleet, params, shown):
    user.is_superuser = True  # a team exists: the install is no longer open
    user.save()
    Team.objects.create(name="web").distributions.create(distribution_id=fleet[0].id)
    response = signed_in.get(reverse(POSTURE), params)
    assert response.status_code == 200
    assert response.context["behaviors_total"] == shown


@pytest.mark.parametrize(
    "data, words",
    [
        ({"scope": "all", "policy": "allow-all"}, "allow-all is not a policy the plan can set"),
        ({"scope": "all", "exclude": "/health check"}, "contains characters CloudFront does not allow"),
        ({"scope": "all", "exclude": "/" + "a" * 255}, "at most 255 characters"),
        ({"scope": "all", "exclude": TOO_MANY_EXCLUSIONS}, "Type at most 100 path patterns."),
        ({"scope": "all", "team": "ghosts"}, "Team: There is no team named ghosts."),
        ({"scope": "all", "q": "E" * 201}, "Distribution ID: Ensure this value has at most 200 characters"),
        ({}, "Scope: Choose Require HTTPS on selected or Require HTTPS on all that allow HTTP."),
        ({"scope": "sideways"}, "Scope: Choose Require HTTPS on selected"),
        ({"scope": "selected"}, "Behaviors: Choose at least one behavior in the table"),
        ({"scope": "selected", "behavior": "no-pipe"}, "no-pipe is not a behavior of the table"),
        ({"scope": "selected", "behavior": "|/images/*"}, "is not a behavior of the table"),
        ({"scope": "selected", "behavior": "E" * 33 + "|/images/*"}, "is not a behavior of the table"),
        ({"scope": "selected", "behavior": "E|/" + "a" * 300}, "Behaviors: Select a valid choice"),
    ],
)
def test_a_bad_plan_is_refused_with_one_message_and_nothing_is_planned(signed_in, fleet, data, words):
    response = signed_in.post(reverse("fleet:plan_create"), data)
    assert response.status_code == 400
    assert "Nothing was planned" in response.content.decode()
    assert words in response.content.decode()
    assert not BulkChange.objects.exists()


def test_a_plan_keeps_the_typed_exclusions_and_policy(signed_in, fleet):
    data = {"scope": "all", "policy": "https-only", "exclude": " /healthz \n\n/healthz\n/status/*"}
    signed_in.post(reverse("fleet:plan_create"), data)
    bulk = BulkChange.objects.get()
    assert bulk.policy == "https-only"
    assert bulk.exclusions[-2:] == ["/healthz", "/status/*"]


def test_a_plan_without_a_policy_redirects_to_https(signed_in, fleet):
    signed_in.post(reverse("fleet:plan_create"), {"scope": "all"})
    assert BulkChange.objects.get().policy == "redirect-to-https"


def test_apply_refuses_a_bad_acknowledgement_and_applies_nothing(signed_in, fleet):
    signed_in.post(reverse("fleet:plan_create"), {"scope": "all"})
    bulk = BulkChange.objects.get()
    before = {row.pk: row.etag for row in SimulatedDistribution.objects.all()}
    response = signed_in.post(
        reverse("fleet:plan_apply", kwargs={"pk": bulk.pk}), {"confirm": "on", "acknowledge": "x" * 1001}
    )
    assert response.status_code == 400
    assert "Acknowledgements: " in response.content.decode()
    bulk.refresh_from_db()
    assert (bulk.state, bulk.confirmed, bulk.results) == ("planned", False, {})
    assert {row.pk: row.etag for row in SimulatedDistribution.objects.all()} == before
    assert not AuditEntry.objects.filter(action="bulk-require-https").exists()
