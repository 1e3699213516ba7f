"""Issue 17: the fleet's HTTPS posture, and requiring HTTPS across many distributions in one reviewed step."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError

from distributions import publish
from distributions.cloudfront import config as cfg
from distributions.fleet import plan as fleet_plan
from distributions.fleet.management.commands.require_https import Command
from distributions.fleet.models import BulkChange
from distributions.fleet.posture import fleet_posture
from distributions.fleet.runner import apply_entry, apply_plan, tally
from distributions.models import ApprovalRule, AuditEntry, AuditOutcome, ChangeRequest, Team, TeamDistribution
from distributions.sandbox import certificates

from .factories import ALL_METHODS, UserFactory
from .support import command_status

ACME = "/.well-known/acme-challenge/*"


@pytest.fixture
def fleet(make_distribution):
    """Imported configs: an ACME path, a POST API, a shadowed behavior, and one already compliant."""
    return {
        "acme": make_distribution([(ACME, "allow-all"), ("/images/*", "allow-all")], comment="site with ACME"),
        "api": make_distribution([("/api/*", "allow-all", ALL_METHODS)], default_policy="redirect-to-https"),
        "shadow": make_distribution(
            [("/images/*", "https-only"), ("/images/a.jpg", "allow-all")], default_policy="https-only"
        ),
        "ok": make_distribution([("/css/*", "https-only")], default_policy="redirect-to-https"),
    }


def http_behaviors(posture):
    return {(b.distribution_id, b.path_pattern) for b in posture.behaviors}


run = command_status


class TestPosture:
    def test_it_lists_exactly_the_behaviors_that_allow_http(self, fleet):
        posture = fleet_posture()
        acme, api, shadow = fleet["acme"].id, fleet["api"].id, fleet["shadow"].id
        assert http_behaviors(posture) == {
            (acme, ACME), (acme, "/images/*"), (acme, "*"), (api, "/api/*"), (shadow, "/images/a.jpg"),
        }  # fmt: skip
        by_key = {(b.distribution_id, b.path_pattern): b for b in posture.behaviors}
        assert by_key[(acme, ACME)].excluded_by == ACME
        assert by_key[(api, "/api/*")].accepts_writes
        assert by_key[(shadow, "/images/a.jpg")].shadowed
        assert posture.by_code["allows-http"] == 5
        assert posture.synced_from is not None

    def test_it_limits_to_a_team(self, fleet):
        team = Team.objects.create(name="web")
        TeamDistribution.objects.create(team=team, distribution_id=fleet["api"].id)
        posture = fleet_posture(team="web")
        assert http_behaviors(posture) == {(fleet["api"].id, "/api/*")}
        assert posture.by_team == {"web": {"allows_http": 1, "findings": 0}}


ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0c7e2d1a-4b5f-4e8a-9d3c-6a1b2c3d4e5f"
OTHER_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/9f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f"


class TestAliasCoverage:
    """alias-not-covered, as check_distribution reports it: the certificate the backend holds, by its names."""

    @pytest.mark.parametrize(
        "certificate_names, aliases, uncovered",
        [
            (["www.example.org"], ["www.example.org", "shop.example.org"], ["shop.example.org"]),
            (["*.example.org"], ["www.example.org", "shop.example.org"], []),
            (["*.example.org"], ["example.org", "a.b.example.org"], ["example.org", "a.b.example.org"]),
            (["WWW.Example.org"], ["www.example.org"], []),
            (None, ["www.example.org"], []),  # a certificate the backend does not hold: not checked
        ],
    )
    def test_the_posture_reports_each_alias_the_certificate_does_not_cover(
        self, make_distribution, certificate_names, aliases, uncovered
    ):
        row = make_distribution(
            default_policy="https-only", aliases=aliases,
            ViewerCertificate={"ACMCertificateArn": ARN, "SSLSupportMethod": "sni-only",
                               "MinimumProtocolVersion": "TLSv1.2_2021"},
        )  # fmt: skip
        if certificate_names:
            certificates.ensure_sandbox_certificate(ARN, certificate_names)
        findings = [f for f in fleet_posture().findings if f.code == "alias-not-covered"]
        assert [(f.distribution_id, f.alias, f.severity) for f in findings] == [(row.id, a, "error") for a in uncovered]

    def test_it_agrees_with_check_distribution(self, make_distribution):
        row = make_distribution(
            default_policy="https-only", aliases=["www.example.org", "shop.example.org"],
            ViewerCertificate={"ACMCertificateArn": ARN, "SSLSupportMethod": "sni-only"},
        )  # fmt: skip
        certificates.ensure_sandbox_certificate(ARN, ["www.example.org"])
        status, out = run("check_distribution", row.id, "--format", "json")
        checked = [(r["code"], r["alias"], r["message"]) for r in json.loads(out) if r["code"] == "alias-not-covered"]
        status, out = run("https_posture", "--format", "json")
        posture = [(f["code"], f["alias"], f["message"]) for f in json.loads(out)["findings"]]
        assert checked and [f for f in posture if f[0] == "alias-not-covered"] == checked
        status, out = run("https_posture", "--format", "csv")
        assert [line for line in out.splitlines() if ",alias-not-covered," in line][0].endswith(",shop.example.org")

    def test_certificates_are_read_once_for_the_fleet_not_per_distribution(self, make_distribution, simulator):
        # Created before the sandbox held the certificates: CloudFront refuses an uncovered alias when it can.
        for n in range(6):
            arn = ARN if n % 2 else OTHER_ARN
            make_distribution(
                default_policy="https-only", aliases=[f"site{n}.example.org"],
                ViewerCertificate={"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only"},
            )  # fmt: skip
        certificates.ensure_sandbox_certificate(ARN, ["*.example.org"])
        certificates.ensure_sandbox_certificate(OTHER_ARN, ["www.example.net"])
        calls = []
        simulator.certificates = lambda real=simulator.certificates: calls.append("list") or real()
        simulator.certificate_names = lambda ref, real=simulator.certificate_names: calls.append(ref) or real(ref)
        findings = [f for f in fleet_posture(backend=simulator).findings if f.code == "alias-not-covered"]
        assert len(findings) == 3  # the three on the .net certificate
        # One listing, and one full read of the only certificate with an alias the listing does not cover.
        assert calls == ["list", OTHER_ARN]

    def test_a_fleet_on_the_default_certificate_asks_the_backend_nothing(self, fleet, simulator):
        simulator.certificates = simulator.certificate_names = None  # any call would fail
        assert fleet_posture(backend=simulator).behaviors


class TestPlanAndApply:
    def test_the_plan_excludes_acme_and_flags_the_api(self, fleet):
        ids = fleet_plan.candidate_ids()
        assert ids == sorted([fleet["acme"].id, fleet["api"].id, fleet["shadow"].id])
        plan = {e["id"]: e for e in fleet_plan.build_plan(None, ids, "redirect-to-https", [ACME])}
        acme = plan[fleet["acme"].id]
        assert acme["excluded"] == [{"path_pattern": ACME, "exclusion": ACME}]
        assert acme["patterns"] == ["/images/*", "*"]
        assert [w["path_pattern"] for w in plan[fleet["api"].id]["writes"]] == ["/api/*"]
        assert plan[fleet["shadow"].id]["shadowed"] == ["/images/a.jpg"]
        assert {f["code"] for f in acme["review"]["removed"]} >= {"allows-http"}

    def test_applying_changes_only_viewer_protocol_policies_once_per_distribution(self, fleet, simulator):
        before = {k: simulator.get_distribution_config(row.id) for k, row in fleet.items()}
        ids = fleet_plan.candidate_ids()
        bulk = BulkChange.objects.create(
            username="(command line)", policy="redirect-to-https", exclusions=[ACME], confirmed=True,
            plan=fleet_plan.build_plan(None, ids, "redirect-to-https", [ACME]),
        )  # fmt: skip
        apply_plan(bulk, None)
        assert tally(bulk) == (3, 0)
        for key in ("acme", "api", "shadow"):
            config, etag = simulator.get_distribution_config(fleet[key].id)
            changes = cfg.diff(before[key][0], config)
            assert changes and all(path.endswith("ViewerProtocolPolicy") for path, _, _ in changes)
            assert etag != before[key][1]
            entries = AuditEntry.objects.filter(distribution_id=fleet[key].id, action="bulk-require-https")
            assert [e.outcome for e in entries] == [AuditOutcome.PUSHED]
            assert entries[0].summary.startswith(f"Bulk change {bulk.pk}: ")
        assert simulator.get_distribution_config(fleet["ok"].id) == before["ok"]
        posture = fleet_posture()
        assert http_behaviors(posture) == {(fleet["acme"].id, ACME)}

    def test_a_distribution_edited_mid_run_is_a_conflict_and_left_alone(self, fleet, simulator):
        ids = fleet_plan.candidate_ids()
        bulk = BulkChange.objects.create(
            username="(command line)", policy="https-only", exclusions=[ACME], confirmed=True,
            plan=fleet_plan.build_plan(None, ids, "https-only", [ACME]),
        )  # fmt: skip
        last = ids[-1]

        def edit_elsewhere(entry, result):
            if entry["id"] == ids[0]:
                snapshot = publish.begin_edit(last, simulator)
                edited = {**snapshot.config, "Comment": "edited elsewhere"}
                publish.push_config(last, snapshot.config, snapshot.etag, edited, action="other", summary="other")

        apply_plan(bulk, None, progress=edit_elsewhere)
        assert bulk.results[last]["status"] == "conflict"
        assert [bulk.results[i]["status"] for i in ids[:-1]] == ["pushed", "pushed"]
        config, _ = simulator.get_distribution_config(last)
        assert config["Comment"] == "edited elsewhere"
        assert "allow-all" in {b.viewer_protocol_policy for b in cfg.behaviors(config)}
        assert tally(bulk) == (2, 1)


class TestCommands:
    def test_dry_run_prints_the_plan_and_changes_nothing(self, fleet, simulator):
        before = simulator.get_distribution_config(fleet["api"].id)
        status, out = run("require_https", "--all", "--dry-run")
        assert status == 0
        assert f"EXCLUDED {ACME}" in out
        assert "FLAG '/api/*' accepts DELETE, PATCH, POST, PUT" in out
        assert simulator.get_distribution_config(fleet["api"].id) == before
        assert not BulkChange.objects.exists()

    def test_it_applies_and_exits_0_then_the_posture_is_empty_but_for_exclusions(self, fleet):
        status, out = run("require_https", "--all", "--policy", "https-only")
        assert status == 0, out
        assert out.count("PUSHED") == 3
        status, out = run("https_posture", "--format", "json")
        assert [(b["distribution_id"], b["path_pattern"]) for b in json.loads(out)["behaviors"]] == [
            (fleet["acme"].id, ACME)
        ]

    def test_it_exits_1_when_something_is_skipped_and_2_when_nothing_is_done(self, fleet):
        status, out = run("require_https", "--distribution", fleet["api"].id, "NOPE123")
        assert status == 1, out
        assert "SKIPPED NoSuchDistribution" in out
        status, out = run("require_https", "--distribution", "NOPE123")
        assert status == 2, out

    def test_posture_formats(self, fleet):
        status, out = run("https_posture")
        assert "Behaviors that let viewers use HTTP: 5" in out
        status, out = run("https_posture", "--format", "csv")
        assert out.splitlines()[0].startswith("kind,distribution_id")
        assert len([line for line in out.splitlines() if line.startswith("behavior,")]) == 5


class TestResume:
    @pytest.fixture
    def stopped(self, fleet):
        """A plan whose run stopped on its second distribution (as throttling leaves it), the rest pending."""
        ids = fleet_plan.candidate_ids()
        bulk = BulkChange.objects.create(
            username="(command line)", policy="https-only", exclusions=[ACME], confirmed=True, state="stopped",
            plan=fleet_plan.build_plan(None, ids, "https-only", [ACME]),
        )  # fmt: skip
        bulk.results = {
            ids[0]: apply_entry(bulk, bulk.plan[0], None),
            ids[1]: {"status": "interrupted", "message": "Throttling: CloudFront is throttling UpdateDistribution"},
        }
        bulk.save()
        return bulk, ids

    def test_the_command_resumes_a_stopped_plan_with_only_the_distributions_left(self, stopped):
        bulk, ids = stopped
        status, out = run("require_https", "--resume", str(bulk.pk))
        assert status == 0, out
        assert f"Resuming {bulk.reference} (2 distributions)" in out
        assert [line.split(":")[0] for line in out.splitlines() if " PUSHED " in line] == ids[1:]
        bulk.refresh_from_db()
        assert bulk.state == "done" and tally(bulk) == (3, 0)
        assert AuditEntry.objects.filter(action="bulk-require-https").count() == 3

    def test_resume_refuses_another_author_and_an_unknown_plan(self, stopped, django_user_model):
        bulk, _ = stopped
        django_user_model.objects.create_user("mallory", password="x", is_superuser=True)
        with pytest.raises(CommandError, match="only they may resume it") as caught:
            run("require_https", "--resume", str(bulk.pk), "--user", "mallory")
        assert caught.value.returncode == 2
        with pytest.raises(CommandError, match="No bulk change has the ID 999999"):
            run("require_https", "--resume", "999999")
        bulk.refresh_from_db()
        assert bulk.state == "stopped"


class TestCommandRuns:
    def test_a_distribution_edited_elsewhere_during_the_command_is_reported_and_the_exit_is_1(
        self, fleet, simulator, monkeypatch
    ):
        ids = fleet_plan.candidate_ids()
        last = ids[-1]
        write_result = Command.write_result

        def edit_elsewhere_after_the_first(self, entry, result):
            write_result(self, entry, result)
            if entry["id"] == ids[0]:
                snapshot = publish.begin_edit(last, simulator)
                edited = {**snapshot.config, "Comment": "edited elsewhere"}
                publish.push_config(last, snapshot.config, snapshot.etag, edited, action="other", summary="other")

        monkeypatch.setattr(Command, "write_result", edit_elsewhere_after_the_first)
        status, out = run("require_https", "--all")
        assert status == 1, out
        assert f"{last}: CONFLICT Distribution {last} changed since" in out
        assert out.count(": PUSHED ") == 2
        config, _ = simulator.get_distribution_config(last)
        assert config["Comment"] == "edited elsewhere"
        assert "allow-all" in {b.viewer_protocol_policy for b in cfg.behaviors(config)}

    def test_an_operator_who_needs_approval_files_one_change_request_per_distribution(self, fleet, simulator):
        team = Team.objects.create(name="web")
        for key in ("acme", "api"):
            TeamDistribution.objects.create(team=team, distribution_id=fleet[key].id)
        olga = UserFactory(username="olga")
        olga.groups.set(Group.objects.filter(name="Operator"))
        team.members.add(olga)
        ApprovalRule.objects.create(distribution_id=ApprovalRule.FLEET, required=True)
        before = {k: simulator.get_distribution_config(fleet[k].id) for k in ("acme", "api")}
        status, out = run("require_https", "--team", "web", "--user", "olga")
        assert status == 0, out
        assert out.count(": SUBMITTED Change request #") == 2
        requests = ChangeRequest.objects.order_by("distribution_id")
        assert sorted(r.distribution_id for r in requests) == sorted([fleet["acme"].id, fleet["api"].id])
        assert all(r.author == olga and r.state == "submitted" for r in requests)
        assert {k: simulator.get_distribution_config(fleet[k].id) for k in ("acme", "api")} == before
