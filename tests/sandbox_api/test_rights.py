"""The console's rules apply to the API: roles, teams and approvals (see tests/test_access.py).

Red owns ``own``, blue owns ``other``; the keys belong to members of red.
"""

import pytest
from django.contrib.auth.models import Group

from distributions import approvals
from distributions.models import ApprovalRule, ChangeRequest, ChangeRequestState, Team, TeamDistribution
from distributions.sandbox.models import SimulatedDistribution

from ..factories import UserFactory, distribution_config
from .conftest import refused

pytestmark = pytest.mark.django_db(transaction=True)


def member(username, role, team):
    user = UserFactory(username=username)
    # Transactional tests flush the tables, the roles made by a migration included: make the role again.
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    team.members.add(user)
    return user


@pytest.fixture
def teams(make_distribution):
    red, blue = Team.objects.create(name="red"), Team.objects.create(name="blue")
    own = make_distribution([("/images/*", "allow-all")], comment="red site")
    other = make_distribution([("/images/*", "allow-all")], comment="blue site")
    TeamDistribution.objects.create(team=red, distribution_id=own.id)
    TeamDistribution.objects.create(team=blue, distribution_id=other.id)
    return red, own, other


def redirect_default(client, distribution_id):
    got = client.get_distribution_config(Id=distribution_id)
    got["DistributionConfig"]["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "redirect-to-https"
    return {"Id": distribution_id, "IfMatch": got["ETag"], "DistributionConfig": got["DistributionConfig"]}


def test_a_viewer_reads_but_its_update_is_access_denied(connect, teams):
    red, own, _ = teams
    viewer = connect(member("vera", "Viewer", red))
    before = SimulatedDistribution.objects.get(pk=own.id).etag
    code, status, message = refused(viewer.update_distribution, **redirect_default(viewer, own.id))
    assert (code, status) == ("AccessDenied", 403)
    assert "vera (Viewer)" in message and "cloudfront:UpdateDistribution" in message
    assert SimulatedDistribution.objects.get(pk=own.id).etag == before
    assert refused(
        viewer.create_invalidation,
        DistributionId=own.id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "x"},
    )[:2] == ("AccessDenied", 403)


def test_another_teams_distribution_is_no_such_distribution(connect, teams):
    red, _, other = teams
    operator = connect(member("otto", "Operator", red))
    for call, params in [
        (operator.get_distribution, {"Id": other.id}),
        (operator.get_distribution_config, {"Id": other.id}),
        (operator.update_distribution, {"Id": other.id, "IfMatch": "E1", "DistributionConfig": distribution_config()}),
        (operator.delete_distribution, {"Id": other.id, "IfMatch": "E1"}),
        (operator.list_invalidations, {"DistributionId": other.id}),
    ]:
        assert refused(call, **params)[:2] == ("NoSuchDistribution", 404), call
    arn = f"arn:aws:cloudfront::123456789012:distribution/{other.id}"
    assert refused(operator.list_tags_for_resource, Resource=arn)[:2] == ("NoSuchResource", 404)


def test_the_list_holds_only_the_teams_distributions(connect, teams):
    red, own, _ = teams
    operator = connect(member("otto", "Operator", red))
    listed = operator.list_distributions()["DistributionList"]
    assert [item["Id"] for item in listed["Items"]] == [own.id]


def test_an_operator_updates_its_teams_distribution(connect, teams):
    red, own, _ = teams
    operator = connect(member("otto", "Operator", red))
    operator.update_distribution(**redirect_default(operator, own.id))
    assert SimulatedDistribution.objects.get(pk=own.id).config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == (
        "redirect-to-https"
    )


def test_only_admins_create_distributions(connect, teams):
    red, _, _ = teams
    operator = connect(member("otto", "Operator", red))
    assert refused(operator.create_distribution, DistributionConfig=distribution_config())[:2] == ("AccessDenied", 403)
    assert SimulatedDistribution.objects.count() == 2


def test_an_update_that_needs_approval_files_a_change_request_and_is_denied(connect, teams):
    red, own, _ = teams
    ApprovalRule.objects.create(distribution_id=ApprovalRule.FLEET, required=True)
    author = member("otto", "Operator", red)
    operator = connect(author)
    before = SimulatedDistribution.objects.get(pk=own.id)
    update = redirect_default(operator, own.id)
    code, status, message = refused(operator.update_distribution, **update)
    request = ChangeRequest.objects.get(distribution_id=own.id)
    assert (code, status) == ("AccessDenied", 403)
    assert f"change request #{request.pk}" in message
    assert (request.author, request.state, request.etag) == (author, ChangeRequestState.SUBMITTED, before.etag)
    assert request.config_after == update["DistributionConfig"]
    assert request.summary.startswith("via API (key AKIA")
    assert SimulatedDistribution.objects.get(pk=own.id).etag == before.etag  # nothing pushed yet
    approver = member("abby", "Approver", red)
    assert approvals.approve(approver, request).state == ChangeRequestState.APPLIED
    pushed = SimulatedDistribution.objects.get(pk=own.id)
    assert pushed.config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_an_update_cloudfront_would_refuse_is_not_filed_for_approval(connect, teams):
    red, own, _ = teams
    ApprovalRule.objects.create(distribution_id=own.id, required=True)
    operator = connect(member("otto", "Operator", red))
    update = redirect_default(operator, own.id)
    update["DistributionConfig"]["Origins"]["Quantity"] = 7
    assert refused(operator.update_distribution, **update)[:2] == ("InconsistentQuantities", 400)
    assert not ChangeRequest.objects.exists()
