"""Who may see and change which distribution (issue 6): roles × views × own/other team's distribution.

Two teams: *red* owns ``own``, *blue* owns ``other``. Every user below is a
member of red; the matrix says what each role gets on each page for red's
distribution and for blue's. Another team's distribution is a 404 with no
details and is never listed; read-only roles get a 403 and nothing changes.
"""

import re
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from distributions import access, approvals, publish
from distributions.models import (
    AuditEntry,
    AuditOutcome,
    ChangeRequest,
    ChangeRequestState,
    Distribution,
    Team,
    TeamDistribution,
)
from distributions.sandbox.certificates import create_self_signed
from distributions.sandbox.models import SimulatedCertificate, SimulatedDistribution

from .factories import UserFactory, distribution_config
from .support import CONFIRMATIONS

pytestmark = pytest.mark.django_db

ROLE_GROUPS = {
    "viewer": ["Viewer"],
    "operator": ["Operator"],
    "approver": ["Approver"],
    "approver+operator": ["Approver", "Operator"],
    "admin": ["Admin"],
    "superuser": [],
    "no role": [],
}
ROLE_NAMES = tuple(ROLE_GROUPS)


def make_user(username, groups=(), teams=(), **extra):
    user = UserFactory(username=username, **extra)
    user.groups.set(Group.objects.filter(name__in=groups))
    for team in teams:
        team.members.add(user)
    return user


def simulated(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.config, row.etag


@pytest.fixture
def world(make_distribution, simulator):
    """Red owns ``own``, blue owns ``other``; each has a pushed history entry and a submitted change request."""
    red = Team.objects.create(name="red")
    blue = Team.objects.create(name="blue")
    own = make_distribution([("/images/*", "allow-all")], comment="Red team site")
    other = make_distribution([("/images/*", "allow-all")], comment="Blue team site")
    TeamDistribution.objects.create(team=red, distribution_id=own.id)
    TeamDistribution.objects.create(team=blue, distribution_id=other.id)
    users = {
        role: make_user(
            f"u-{role.replace(' ', '-').replace('+', '-')}", groups, teams=[red], is_superuser=(role == "superuser")
        )
        for role, groups in ROLE_GROUPS.items()
    }
    authors = {
        "own": make_user("red-author", ["Operator"], teams=[red]),
        "other": make_user("blue-author", ["Operator"], teams=[blue]),
    }
    pushed, requests = {}, {}
    for whose, distribution in (("own", own), ("other", other)):
        author = authors[whose]
        snapshot = publish.begin_edit(distribution.id, simulator)
        publish.set_viewer_protocol_policy(
            distribution.id, ["/images/*"], "redirect-to-https", snapshot.etag, simulator, user=author
        )
        pushed[whose] = AuditEntry.objects.get(distribution_id=distribution.id, outcome=AuditOutcome.PUSHED)
        snapshot = publish.begin_edit(distribution.id, simulator)
        _, edited, summary = publish.edit_viewer_protocol_policy(distribution.id, ["*"], "https-only", snapshot.etag)
        requests[whose] = approvals.submit_change(
            author, distribution.id, snapshot.config, snapshot.etag, edited, summary
        )
    return SimpleNamespace(
        red=red,
        blue=blue,
        distributions={"own": own, "other": other},
        users=users,
        authors=authors,
        pushed=pushed,
        requests=requests,
        simulator=simulator,
    )


# --- the matrix -------------------------------------------------------------------------------------------------
# (own team's distribution, other team's distribution) for each role, in ROLE_NAMES order:
#                      viewer      operator    approver    appr+op     admin       superuser   no role
MATRIX = {
    "list": ((200, 200), (200, 200), (200, 200), (200, 200), (200, 200), (200, 200), (200, 200)),
    "general": ((200, 404), (200, 404), (200, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "origins": ((200, 404), (200, 404), (200, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "behaviors": ((200, 404), (200, 404), (200, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "history": ((200, 404), (200, 404), (200, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "status": ((200, 404), (200, 404), (200, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "edit_get": ((403, 404), (200, 404), (403, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "edit_post": ((403, 404), (302, 404), (403, 404), (302, 404), (302, 302), (302, 302), (404, 404)),
    "order_get": ((403, 404), (200, 404), (403, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "origin_get": ((403, 404), (200, 404), (403, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "restore_get": ((403, 404), (200, 404), (403, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "restore_post": ((403, 404), (302, 404), (403, 404), (302, 404), (302, 302), (302, 302), (404, 404)),
    "revert_get": ((403, 404), (200, 404), (403, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "revert_post": ((403, 404), (302, 404), (403, 404), (302, 404), (302, 302), (302, 302), (404, 404)),
    "activity": ((200, 200), (200, 200), (200, 200), (200, 200), (200, 200), (200, 200), (200, 200)),
    "request": ((200, 404), (200, 404), (200, 404), (200, 404), (200, 200), (200, 200), (404, 404)),
    "decide": ((403, 404), (403, 404), (302, 404), (302, 404), (302, 302), (302, 302), (404, 404)),
}
# Whether the distribution appears on the pages that list several (list, activity).
#                      viewer          operator        approver        appr+op         admin         superuser     no role
LISTED = dict(zip(ROLE_NAMES, [(True, False)] * 4 + [(True, True)] * 2 + [(False, False)], strict=False))
# Refresh (the whole fleet) is not about one distribution.
REFRESH = {
    "viewer": 403,
    "operator": 403,
    "approver": 403,
    "approver+operator": 403,
    "admin": 302,
    "superuser": 302,
    "no role": 403,
}
MUTATING = {"edit_post", "restore_post", "revert_post", "decide"}

CASES = [
    pytest.param(role, view, whose, MATRIX[view][i][j], id=f"{view}-{role}-{whose}")
    for view in MATRIX
    for i, role in enumerate(ROLE_NAMES)
    for j, whose in enumerate(("own", "other"))
]


def hit(client, view, world, whose):
    distribution = world.distributions[whose]
    did = distribution.id
    url = lambda name, *args: reverse(f"distributions:{name}", args=args)  # noqa: E731
    if view == "list":
        return client.get(url("distribution_list"))
    if view in ("general", "origins", "behaviors", "history", "status"):
        name = "distribution_status" if view == "status" else f"distribution_{view}"
        return client.get(url(name, did))
    if view == "edit_get":
        return client.get(url("behavior_edit", did), {"behavior": "/images/*"})
    if view == "edit_post":
        etag = publish.begin_edit(did, world.simulator).etag
        return client.post(
            url("behavior_edit", did), {"etag": etag, "behavior": "/images/*", "policy": "https-only", **CONFIRMATIONS}
        )
    if view == "order_get":
        return client.get(url("behavior_order", did))
    if view == "origin_get":
        return client.get(url("origin_edit", did), {"origin": "origin-main"})
    if view == "restore_get":
        return client.get(url("history_restore", did, world.pushed[whose].pk))
    if view == "restore_post":
        etag = publish.begin_edit(did, world.simulator).etag
        return client.post(url("history_restore", did, world.pushed[whose].pk), {"etag": etag, "confirm": "on"})
    if view == "revert_get":
        return client.get(url("history_revert", did, world.pushed[whose].pk))
    if view == "revert_post":
        etag = publish.begin_edit(did, world.simulator).etag
        return client.post(url("history_revert", did, world.pushed[whose].pk), {"etag": etag, "confirm": "on"})
    if view == "activity":
        return client.get(url("activity"))
    if view == "request":
        return client.get(url("change_request_detail", world.requests[whose].pk))
    if view == "decide":
        return client.post(url("change_request_decide", world.requests[whose].pk), {"decision": "approve"})
    raise AssertionError(view)


@pytest.mark.parametrize("role, view, whose, expected", CASES)
def test_permission_matrix(client, world, role, view, whose, expected):
    distribution = world.distributions[whose]
    client.force_login(world.users[role])
    config_before, etag_before = simulated(distribution.id)
    audit_before = AuditEntry.objects.count()
    request = world.requests[whose]

    response = hit(client, view, world, whose)

    assert response.status_code == expected, response.content.decode()[:500]
    body = response.content.decode()
    if expected == 404:
        # No details: neither the description nor the domain name of a distribution the user may not see.
        assert distribution.domain_name not in body
        assert distribution.comment not in body
    if expected == 200 and view not in ("list", "activity"):
        assert distribution.id in body
    if view in ("list", "activity"):
        listed = LISTED[role][0 if whose == "own" else 1]
        assert (distribution.id in body) is listed
    if view in MUTATING:
        config_after, etag_after = simulated(distribution.id)
        request.refresh_from_db()
        if expected == 302:
            assert etag_after != etag_before
            assert config_after != config_before
            if view == "decide":
                assert request.state == ChangeRequestState.APPLIED
                assert request.decided_by == world.users[role]
        else:
            assert (config_after, etag_after) == (config_before, etag_before)
            assert request.state == ChangeRequestState.SUBMITTED
            assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("role, expected", REFRESH.items())
def test_only_admins_refresh_the_whole_fleet(client, world, role, expected):
    Distribution.objects.filter(pk=world.distributions["own"].id).delete()  # the mirror lost a row
    client.force_login(world.users[role])
    response = client.post(reverse("distributions:distribution_refresh"))
    assert response.status_code == expected
    assert Distribution.objects.filter(pk=world.distributions["own"].id).exists() is (expected == 302)


@pytest.mark.parametrize("role", ["viewer", "operator", "approver", "no role"])
@pytest.mark.parametrize(
    "name, extra",
    [
        ("distribution_general", {}),
        ("distribution_behaviors", {}),
        ("distribution_history", {}),
        ("behavior_edit", {"behavior": "*"}),
    ],
)
def test_another_teams_distribution_is_the_same_404_as_an_unknown_one(client, world, role, name, extra):
    client.force_login(world.users[role])
    other = world.distributions["other"].id
    hidden = client.get(reverse(f"distributions:{name}", args=[other]), extra)
    unknown = client.get(reverse(f"distributions:{name}", args=["ENOSUCHTHING00"]), extra)
    assert hidden.status_code == unknown.status_code == 404

    def strip(response, distribution_id):  # CSRF tokens differ from one response to the next
        return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", response.content.decode()).replace(distribution_id, "ID")

    assert strip(hidden, other) == strip(unknown, "ENOSUCHTHING00")


def test_a_viewers_refusal_says_why_and_offers_no_edit(client, world):
    client.force_login(world.users["viewer"])
    own = world.distributions["own"]
    response = client.get(reverse("distributions:behavior_edit", args=[own.id]), {"behavior": "*"})
    assert response.status_code == 403
    assert b"Viewer" in response.content
    history = client.get(reverse("distributions:distribution_history", args=[own.id])).content.decode()
    assert reverse("distributions:history_restore", args=[own.id, world.pushed["own"].pk]) not in history


def test_an_operator_sees_the_restore_link_on_history(client, world):
    client.force_login(world.users["operator"])
    own = world.distributions["own"]
    history = client.get(reverse("distributions:distribution_history", args=[own.id])).content.decode()
    assert reverse("distributions:history_restore", args=[own.id, world.pushed["own"].pk]) in history


def test_a_member_of_two_teams_sees_both(client, world):
    operator = world.users["operator"]
    world.blue.members.add(operator)
    client.force_login(operator)
    body = client.get(reverse("distributions:distribution_list")).content.decode()
    assert world.distributions["own"].id in body and world.distributions["other"].id in body
    assert (
        client.get(reverse("distributions:distribution_general", args=[world.distributions["other"].id])).status_code
        == 200
    )


def test_the_list_filter_never_reveals_another_teams_distribution(client, world):
    client.force_login(world.users["operator"])
    other = world.distributions["other"]
    for q in (other.id, other.domain_name, "Blue team"):
        response = client.get(reverse("distributions:distribution_list"), {"q": q})
        assert response.status_code == 200
        assert list(response.context["page"]) == []
        assert b"No distribution matches" in response.content
        assert reverse("distributions:distribution_general", args=[other.id]) not in response.content.decode()


# --- "not yours" answers as "does not exist" (issue 13, item 4) -------------------------------------------------

UNKNOWN_HOST = "dnosuchthing0000.cloudfront.net"


def _same_page(response, secret, stand_in):
    """The page with what may differ between two requests (CSRF tokens, the host typed) made equal."""
    text = re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", response.content.decode())
    return text.replace(secret, stand_in)


@pytest.mark.parametrize("role", ["viewer", "operator", "approver", "no role"])
@pytest.mark.parametrize("deployed", [True, False], ids=["deployed", "still-deploying"])
def test_test_a_request_answers_another_teams_host_as_an_unknown_one(client, world, settings, role, deployed):
    other = world.distributions["other"]
    if not deployed:  # a distribution of blue's still being deployed for the first time
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        other = publish.import_distribution(distribution_config(comment="Blue, deploying"), world.simulator)
        TeamDistribution.objects.create(team=world.blue, distribution_id=other.id)
    client.force_login(world.users[role])
    page = reverse("distributions:request_test")

    hidden = client.get(page, {"method": "GET", "url": f"http://{other.domain_name}/index.html"})
    unknown = client.get(page, {"method": "GET", "url": f"http://{UNKNOWN_HOST}/index.html"})

    assert hidden.status_code == unknown.status_code
    assert other.id not in hidden.content.decode()
    assert _same_page(hidden, other.domain_name, "HOST") == _same_page(unknown, UNKNOWN_HOST, "HOST")


def test_still_being_deployed_names_the_distribution_to_those_who_may_see_it(client, world, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
    deploying = publish.import_distribution(distribution_config(comment="Red, deploying"), world.simulator)
    TeamDistribution.objects.create(team=world.red, distribution_id=deploying.id)
    client.force_login(world.users["viewer"])
    response = client.get(
        reverse("distributions:request_test"), {"method": "GET", "url": f"http://{deploying.domain_name}/"}
    )
    assert f"Distribution {deploying.id} is still being deployed" in response.content.decode()


def _alias_of_blue(world, alias):
    row = SimulatedDistribution.objects.get(pk=world.distributions["other"].id)
    row.config["Aliases"] = {"Quantity": 1, "Items": [alias]}
    row.save()


def test_cname_already_exists_never_names_another_teams_distribution(client, world):
    """Red's Operator asks for an alias blue's distribution holds: CloudFront's refusal, without blue's ID,
    on the page and in red's Activity."""
    alias, own, other = "shop.example.com", world.distributions["own"], world.distributions["other"]
    _alias_of_blue(world, alias)
    operator = world.users["operator"]
    client.force_login(operator)
    certificate = create_self_signed([alias])
    certificate.teams.set([world.red])
    url = reverse("distributions:distribution_settings_edit", args=[own.id])
    etag = client.get(url).context["snapshot"].etag
    before = simulated(own.id)

    response = client.post(
        url,
        {"etag": etag, "aliases": alias, "certificate": certificate.arn, "ssl_support_method": "sni-only",
         "minimum_protocol_version": "TLSv1.2_2021", "confirm": "on"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "CNAMEAlreadyExists" in response.content.decode()
    assert other.id not in response.content.decode()
    assert simulated(own.id) == before
    entry = AuditEntry.objects.get(distribution_id=own.id, error_code="CNAMEAlreadyExists")
    assert other.id not in entry.error_message
    for query in ({}, {"format": "csv"}):
        assert other.id not in client.get(reverse("distributions:activity"), query).content.decode()


@pytest.mark.parametrize("role", ["operator", "approver+operator"])
def test_another_teams_certificates_are_neither_listed_nor_selectable(client, world, role):
    own = world.distributions["own"]
    blues = create_self_signed(["blue.example.com"])
    blues.teams.set([world.blue])
    reds = create_self_signed(["red.example.com"])
    reds.teams.set([world.red])
    shared = create_self_signed(["shared.example.com"])  # the sandbox's own: no team
    client.force_login(world.users[role])
    url = reverse("distributions:distribution_settings_edit", args=[own.id])

    page = client.get(url)
    listed = page.content.decode()
    assert reds.arn in listed and shared.arn in listed
    assert blues.arn not in listed and "blue.example.com" not in listed

    etag = page.context["snapshot"].etag
    before = simulated(own.id)
    answers = {}
    for name, arn in (("blue's", blues.arn), ("unknown", blues.arn.replace(blues.arn[-12:], "000000000000"))):
        response = client.post(
            url,
            {"etag": etag, "aliases": "blue.example.com", "certificate": arn, "ssl_support_method": "sni-only",
             "minimum_protocol_version": "TLSv1.2_2021", "confirm": "on"},
        )  # fmt: skip
        assert response.status_code == 400
        answers[name] = _same_page(response, arn, "ARN")
    assert answers["blue's"] == answers["unknown"]
    assert simulated(own.id) == before


def test_an_admin_lists_every_teams_certificates(client, world):
    blues = create_self_signed(["blue.example.com"])
    blues.teams.set([world.blue])
    client.force_login(world.users["admin"])
    page = client.get(reverse("distributions:distribution_settings_edit", args=[world.distributions["own"].id]))
    assert blues.arn in page.content.decode()


def test_a_certificate_created_on_the_page_belongs_to_its_creators_teams(client, world):
    client.force_login(world.users["operator"])
    response = client.post(
        reverse("distributions:certificate_create"), {"kind": "self-signed", "domain_names": "new.example.com"}
    )
    assert response.status_code == 302
    certificate = SimulatedCertificate.objects.order_by("pk").last()
    assert certificate.domain_names == ["new.example.com"]
    assert list(certificate.teams.all()) == [world.red]


def test_activity_csv_never_holds_another_teams_entries(client, world):
    client.force_login(world.users["viewer"])
    body = client.get(reverse("distributions:activity"), {"format": "csv"}).content.decode()
    assert world.distributions["own"].id in body
    assert world.distributions["other"].id not in body


def test_the_change_request_list_shows_only_what_the_user_may_decide(client, world):
    client.force_login(world.users["approver"])
    response = client.get(reverse("distributions:change_request_list"))
    assert [r.pk for r in response.context["waiting"]] == [world.requests["own"].pk]
    client.force_login(world.users["viewer"])
    assert client.get(reverse("distributions:change_request_list")).context["waiting"] == []


# --- the helpers themselves -------------------------------------------------------------------------------------


class TestRoles:
    def test_the_migration_creates_the_four_roles(self):
        assert set(Group.objects.filter(name__in=access.ROLES).values_list("name", flat=True)) == set(access.ROLES)

    def test_a_superuser_is_an_admin_without_any_group(self, world):
        superuser = world.users["superuser"]
        assert access.is_admin(superuser)
        assert access.can_edit(superuser, world.distributions["other"].id)

    def test_a_user_without_role_sees_nothing_once_a_team_exists(self, world):
        nobody = world.users["no role"]
        assert access.roles(nobody) == frozenset()
        assert not access.can_view(nobody, world.distributions["own"].id)
        assert access.role_label(nobody) == "no role"

    def test_an_anonymous_user_has_no_role(self, world):
        from django.contrib.auth.models import AnonymousUser

        assert access.roles(AnonymousUser()) == frozenset()
        assert not access.can_view(AnonymousUser(), world.distributions["own"].id)


# --- the open install -------------------------------------------------------------------------------------------


class TestOpenInstall:
    """No team at all: the sandbox. A user without any role acts as an Admin, until the first team exists."""

    def test_a_plain_user_walks_the_whole_edit(self, signed_in, user, static_site):
        assert not Team.objects.exists() and not user.groups.exists()
        assert static_site.id in signed_in.get(reverse("distributions:distribution_list")).content.decode()
        edit = reverse("distributions:behavior_edit", args=[static_site.id])
        response = signed_in.get(edit, {"behavior": "/images/*"})
        assert response.status_code == 200
        etag = response.context["snapshot"].etag
        response = signed_in.post(
            edit, {"etag": etag, "behavior": "/images/*", "policy": "https-only", **CONFIRMATIONS}
        )
        assert response.status_code == 302
        config, new_etag = simulated(static_site.id)
        assert new_etag != etag
        assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "https-only"
        entry = AuditEntry.objects.get(outcome=AuditOutcome.PUSHED)
        assert entry.username == user.username
        assert signed_in.post(reverse("distributions:distribution_refresh")).status_code == 302
        history = signed_in.get(reverse("distributions:distribution_history", args=[static_site.id]))
        assert history.status_code == 200 and entry.summary in history.content.decode()

    def test_approval_rules_do_not_hold_back_the_open_installs_user(self, signed_in, static_site):
        from distributions.models import ApprovalRule

        ApprovalRule.objects.create(distribution_id=ApprovalRule.FLEET, required=True)
        edit = reverse("distributions:behavior_edit", args=[static_site.id])
        etag = signed_in.get(edit, {"behavior": "*"}).context["snapshot"].etag
        response = signed_in.post(edit, {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS})
        assert response.status_code == 302
        assert not ChangeRequest.objects.exists()

    def test_as_soon_as_one_team_exists_the_user_sees_nothing(self, signed_in, static_site):
        Team.objects.create(name="first team")  # no member, owns nothing
        response = signed_in.get(reverse("distributions:distribution_list"))
        assert response.status_code == 200
        assert static_site.id not in response.content.decode()
        for name in ("distribution_general", "distribution_behaviors", "distribution_history"):
            assert signed_in.get(reverse(f"distributions:{name}", args=[static_site.id])).status_code == 404
        before = simulated(static_site.id)
        etag = publish.begin_edit(static_site.id).etag
        edit = reverse("distributions:behavior_edit", args=[static_site.id])
        assert signed_in.get(edit, {"behavior": "*"}).status_code == 404
        response = signed_in.post(edit, {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS})
        assert response.status_code == 404
        assert simulated(static_site.id) == before
        assert signed_in.post(reverse("distributions:distribution_refresh")).status_code == 403

    def test_a_role_in_the_open_install_is_taken_as_given(self, client, static_site):
        """A user who already has a role keeps it (a Viewer reads only), even with no team."""
        viewer = make_user("vera", ["Viewer"])
        client.force_login(viewer)
        # No team: a Viewer owns nothing, so nothing is visible.
        assert client.get(reverse("distributions:distribution_general", args=[static_site.id])).status_code == 404


# --- the stable commands with --user ----------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestCommandsWithUser:
    def test_an_operator_sets_the_policy_of_their_teams_distribution(self, world):
        own = world.distributions["own"]
        run("set_viewer_protocol_policy", own.id, "*", "https-only", "--user", world.users["operator"].username)
        config, _ = simulated(own.id)
        assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
        assert AuditEntry.objects.filter(distribution_id=own.id).first().username == world.users["operator"].username

    @pytest.mark.parametrize("role", ["operator", "viewer", "approver", "no role"])
    def test_another_teams_distribution_does_not_exist_for_the_user(self, world, role):
        other = world.distributions["other"]
        before = simulated(other.id)
        with pytest.raises(CommandError, match="NoSuchDistribution") as raised:
            run("set_viewer_protocol_policy", other.id, "*", "https-only", "--user", world.users[role].username)
        assert "\n" not in str(raised.value)
        assert other.domain_name not in str(raised.value)
        assert simulated(other.id) == before

    @pytest.mark.parametrize("role", ["viewer", "approver"])
    def test_a_read_only_role_gets_a_one_line_refusal(self, world, role):
        own = world.distributions["own"]
        before = simulated(own.id)
        audit = AuditEntry.objects.count()
        with pytest.raises(CommandError) as raised:
            run("set_viewer_protocol_policy", own.id, "*", "https-only", "--user", world.users[role].username)
        message = str(raised.value)
        assert "\n" not in message and message.strip()
        assert "NoSuchDistribution" not in message
        assert simulated(own.id) == before
        assert AuditEntry.objects.count() == audit

    def test_an_unknown_user_fails_with_one_line(self, world):
        own = world.distributions["own"]
        before = simulated(own.id)
        with pytest.raises(CommandError) as raised:
            run("set_viewer_protocol_policy", own.id, "*", "https-only", "--user", "nobody-by-that-name")
        assert "\n" not in str(raised.value)
        assert simulated(own.id) == before

    def test_export_for_a_viewer_of_the_team(self, world):
        import json

        own = world.distributions["own"]
        exported = json.loads(run("export_distribution", own.id, "--user", world.users["viewer"].username))
        assert exported["DistributionConfig"] == simulated(own.id)[0]

    @pytest.mark.parametrize("role", ["viewer", "operator", "no role"])
    def test_export_of_another_teams_distribution_fails(self, world, role):
        other = world.distributions["other"]
        with pytest.raises(CommandError, match="NoSuchDistribution") as raised:
            run("export_distribution", other.id, "--user", world.users[role].username)
        assert "\n" not in str(raised.value)
        assert other.domain_name not in str(raised.value)

    def test_with_approval_required_an_operators_command_files_a_change_request(self, world):
        from distributions.models import ApprovalRule

        own = world.distributions["own"]
        ApprovalRule.objects.create(distribution_id=own.id, required=True)
        before = simulated(own.id)
        out = run("set_viewer_protocol_policy", own.id, "*", "https-only", "--user", world.users["operator"].username)
        assert "change request" in out
        assert simulated(own.id) == before
        change = ChangeRequest.objects.get(author=world.users["operator"])
        assert change.state == ChangeRequestState.SUBMITTED and change.distribution_id == own.id

    def test_without_user_the_command_line_keeps_every_right(self, world):
        other = world.distributions["other"]
        run("set_viewer_protocol_policy", other.id, "*", "https-only")
        assert simulated(other.id)[0]["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
        assert AuditEntry.objects.filter(distribution_id=other.id).first().username == "(command line)"

    def test_an_admin_reaches_every_distribution(self, world):
        other = world.distributions["other"]
        run("set_viewer_protocol_policy", other.id, "*", "https-only", "--user", world.users["admin"].username)
        assert simulated(other.id)[0]["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"


# --- anonymous requests to every URL ----------------------------------------------------------------------------

# Parameters are filled with placeholders, replaced by real IDs of the world fixture when the test runs: a page
# that leaked would then show real data.
SAMPLES = {
    "distribution_id": "DISTRIBUTION",
    "entry_id": "ENTRY",
    "pk": "REQUEST",
    "origin_id": "origin-main",
    "object_id": "1",
    "content_type_id": "1",
    "app_label": "auth",
    "url": "x",
}
OPEN_URLS = {"/login/", "/healthz", "/admin/login/"}
# The sandbox's CloudFront API authenticates by SigV4, not by the console's sign-in (docs/API.md).
SIGNED_API_URLS = {"/sandbox-api/", "/sandbox-api/1"}


def _fill(pattern):
    """A concrete path for one pattern (route or regex), its parameters filled with sample values."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        # (?P<name>...) with at most one level of nested parentheses.
        text = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", lambda m: SAMPLES.get(m.group(1), "1"), text)
        return text.lstrip("^").rstrip("$").replace("\\", "")
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES.get(m.group(1), "1"), text)


def all_paths(resolver=None, prefix="/"):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_paths(entry, prefix + _fill(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _fill(entry.pattern)


PATHS = sorted(set(all_paths()))


def test_the_walk_covers_the_console_and_staff_pages():
    for name, args in [
        ("distributions:distribution_list", []),
        ("distributions:distribution_refresh", []),
        ("distributions:distribution_general", ["DISTRIBUTION"]),
        ("distributions:behavior_edit", ["DISTRIBUTION"]),
        ("distributions:distribution_history", ["DISTRIBUTION"]),
        ("distributions:activity", []),
        ("distributions:change_request_list", []),
        ("home", []),
        ("logout", []),
        ("healthz", []),
        ("admin:index", []),
    ]:
        assert reverse(name, args=args) in PATHS
    assert "/distributions/DISTRIBUTION/history/ENTRY/restore/" in PATHS
    assert "/distributions/change-requests/REQUEST/decide/" in PATHS
    assert "/admin/auth/" in PATHS


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", PATHS)
def test_anonymous_requests_get_no_data_and_no_500(client, world, path, method):
    own = world.distributions["own"]
    path = (
        path.replace("DISTRIBUTION", own.id)
        .replace("ENTRY", str(world.pushed["own"].pk))
        .replace("REQUEST", str(world.requests["own"].pk))
    )
    data = {"decision": "approve", "confirm": "on", "behavior": "*", "policy": "https-only", **CONFIRMATIONS}
    before = {d.id: simulated(d.id) for d in world.distributions.values()}
    response = getattr(client, method)(path, data if method == "post" else {})
    assert response.status_code < 500
    body = response.content.decode(errors="replace")
    for distribution in world.distributions.values():
        assert distribution.id not in body and distribution.domain_name not in body
    assert "red-author" not in body
    if path in OPEN_URLS:
        assert response.status_code in (200, 302, 405, 503)
    elif path in SIGNED_API_URLS:
        assert response.status_code == 403 and b"MissingAuthenticationToken" in response.content, path
    elif path.startswith("/admin/"):
        # The admin sends anonymous visitors to a sign-in page too (its own or the console's).
        assert response.status_code in (301, 302), path
        assert "login/" in response.url
    else:
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("login") + "?next=")
    assert {d.id: simulated(d.id) for d in world.distributions.values()} == before
    assert not ChangeRequest.objects.exclude(state=ChangeRequestState.SUBMITTED).exists()
