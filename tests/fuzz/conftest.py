"""The world every fuzz property runs in, the state compared before and after a refusal, and the savepoint
each example runs in (so that every example starts from the same world, on SQLite and PostgreSQL)."""

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from distributions import approvals, publish
from distributions.fleet.models import BulkChange
from distributions.fleet.plan import build_plan
from distributions.models import AuditEntry, AuditOutcome, ChangeRequest, Team, TeamDistribution
from distributions.sandbox.certificates import create_self_signed
from distributions.sandbox.models import SimulatedCertificate, SimulatedDistribution, SimulatedInvalidation

from ..factories import OriginFactory, UserFactory
from .strategies import ODD_ORIGIN_IDS

# Path patterns with every character CloudFront allows that means something in a URL or a form.
ODD_PATTERNS = ("/images/*", "*.jpg", "/a&b?c:d", "/~user/'q'\"", "/$@:+", "api/*")


def _user(username, group, teams=()):
    user = UserFactory(username=username)
    user.groups.set(Group.objects.filter(name=group))
    for team in teams:
        team.members.add(user)
    return user


@pytest.fixture
def world(make_distribution, simulator):
    """Red owns ``own`` (origins and patterns with every awkward character), blue owns ``other``; an Admin and
    a read-only Viewer of red; a pushed change and a submitted change request on ``own``; a certificate."""
    red, blue = Team.objects.create(name="red"), Team.objects.create(name="blue")
    ids = ("origin-main", *ODD_ORIGIN_IDS, "s3 origin")
    origins = [OriginFactory(Id=origin_id, DomainName=f"origin{i}.example.com") for i, origin_id in enumerate(ids)]
    del origins[-1]["CustomOriginConfig"]
    origins[-1]["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    behaviors = [(pattern, "allow-all") for pattern in ODD_PATTERNS]
    own = make_distribution(behaviors, origins=origins, comment="Red team's site")
    other = make_distribution([("/images/*", "allow-all")], comment="Blue team's site")
    TeamDistribution.objects.create(team=red, distribution_id=own.id)
    TeamDistribution.objects.create(team=blue, distribution_id=other.id)
    admin = _user("fuzz-admin", "Admin")
    reader = _user("fuzz-reader", "Viewer", teams=[red])
    operator = _user("fuzz-operator", "Operator", teams=[red])
    snapshot = publish.begin_edit(own.id, simulator)
    publish.set_viewer_protocol_policy(own.id, ["/images/*"], "redirect-to-https", snapshot.etag, simulator, user=admin)
    snapshot = publish.begin_edit(own.id, simulator)
    _, edited, summary = publish.edit_viewer_protocol_policy(own.id, ["*"], "https-only", snapshot.etag)
    request = approvals.submit_change(operator, own.id, snapshot.config, snapshot.etag, edited, summary)
    publish.begin_edit(other.id, simulator)  # a version of each the console fetched, for the edit pages
    plan = BulkChange.objects.create(
        author=admin, username=admin.username, policy="redirect-to-https", exclusions=[],
        plan=build_plan(admin, [own.id], "redirect-to-https", []),
    )  # fmt: skip
    certificate = create_self_signed(["www.example.org", "*.example.org"])
    certificate.teams.set([red])
    return SimpleNamespace(
        own=own,
        other=other,
        users={"admin": admin, "reader": reader},
        operator=operator,
        entry=AuditEntry.objects.filter(distribution_id=own.id, outcome=AuditOutcome.PUSHED).latest("pk"),
        request=request,
        certificate=certificate,
        plan=plan,
        etags={d.id: SimulatedDistribution.objects.get(pk=d.id).etag for d in (own, other)},
        simulator=simulator,
        patterns=("*", *ODD_PATTERNS),
        origin_ids=[o["Id"] for o in origins],
    )


def state():
    """What a refusal must leave as it was: every simulated config and ETag, invalidations, certificates,
    change requests and the changes recorded as pushed."""
    return {
        "distributions": {row.id: (row.etag, row.config) for row in SimulatedDistribution.objects.all()},
        "invalidations": SimulatedInvalidation.objects.count(),
        "certificates": sorted(SimulatedCertificate.objects.values_list("arn", flat=True)),
        "requests": sorted(ChangeRequest.objects.values_list("pk", "state")),
        "pushed": AuditEntry.objects.filter(outcome=AuditOutcome.PUSHED).count(),
    }


@contextmanager
def rolled_back():
    """Run one example in a savepoint rolled back at its end: the next example sees the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def one_line(text):
    """Whether ``text`` is one line without a traceback in it."""
    return "\n" not in text.strip() and "Traceback" not in text
