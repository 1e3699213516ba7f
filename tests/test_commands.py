"""The stable commands of DESIGN.md, used as a script would use them."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from distributions.models import Distribution
from distributions.sandbox.models import SimulatedDistribution

from .factories import ALL_METHODS, distribution_config

ACM_CERTIFICATE = {
    "CloudFrontDefaultCertificate": False,
    "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    "SSLSupportMethod": "sni-only",
    "MinimumProtocolVersion": "TLSv1.2_2021",
}

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write_json(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def policies(distribution_id):
    config = SimulatedDistribution.objects.get(pk=distribution_id).config
    return [b["ViewerProtocolPolicy"] for b in config["CacheBehaviors"].get("Items", [])] + [
        config["DefaultCacheBehavior"]["ViewerProtocolPolicy"]
    ]


class TestLoadSandbox:
    def test_it_loads_the_training_distributions_once(self):
        run("load_sandbox")
        first = set(SimulatedDistribution.objects.values_list("id", flat=True))
        run("load_sandbox")
        assert set(SimulatedDistribution.objects.values_list("id", flat=True)) == first
        assert len(first) >= 4
        assert Distribution.objects.count() == len(first)

    def test_the_sandbox_has_the_documented_shapes(self):
        run("load_sandbox")
        configs = [row.config for row in SimulatedDistribution.objects.all()]

        def patterns(config):
            return [b["PathPattern"] for b in config["CacheBehaviors"].get("Items", [])]

        assert any({"/images/*", "/css/*"} <= set(patterns(c)) for c in configs)
        assert any(
            "POST" in b["AllowedMethods"]["Items"] for c in configs for b in c["CacheBehaviors"].get("Items", [])
        )
        assert any(c["Aliases"]["Quantity"] and c["ViewerCertificate"].get("ACMCertificateArn") for c in configs)
        assert any(len(patterns(c)) >= 20 for c in configs)


class TestImportAndExport:
    def test_it_imports_each_accepted_shape_and_prints_id_and_domain(self, tmp_path):
        bare = distribution_config(comment="bare")
        files = [
            write_json(tmp_path, "bare.json", bare),
            write_json(
                tmp_path, "config.json", {"ETag": "E1", "DistributionConfig": distribution_config(comment="gdc")}
            ),
            write_json(
                tmp_path,
                "dist.json",
                {"ETag": "E2", "Distribution": {"Id": "EOLD", "DistributionConfig": distribution_config(comment="gd")}},
            ),
        ]
        lines = run("import_distribution", *files).splitlines()
        assert len(lines) == 3
        for line in lines:
            distribution_id, domain = line.split("\t")
            assert Distribution.objects.get(pk=distribution_id).domain_name == domain
        assert sorted(Distribution.objects.values_list("comment", flat=True)) == ["bare", "gd", "gdc"]

    def test_references_to_the_users_aws_account_are_kept_as_they_are(self, tmp_path):
        config = distribution_config(
            [("/api/*", "allow-all", ALL_METHODS)],
            aliases=["www.example.com"],
            ViewerCertificate={
                "CloudFrontDefaultCertificate": False,
                "ACMCertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/1234",
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
                "Certificate": "arn:aws:acm:us-east-1:111122223333:certificate/1234",
                "CertificateSource": "acm",
            },
            WebACLId="arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/abc",
        )
        config["DefaultCacheBehavior"]["FunctionAssociations"] = {
            "Quantity": 1,
            "Items": [
                {"FunctionARN": "arn:aws:cloudfront::111122223333:function/rewrite", "EventType": "viewer-request"}
            ],
        }
        config["DefaultCacheBehavior"]["LambdaFunctionAssociations"] = {
            "Quantity": 1,
            "Items": [
                {
                    "LambdaFunctionARN": "arn:aws:lambda:us-east-1:111122223333:function:edge:3",
                    "EventType": "origin-response",
                    "IncludeBody": False,
                }
            ],
        }
        distribution_id = run("import_distribution", write_json(tmp_path, "c.json", config)).split("\t")[0]
        exported = json.loads(run("export_distribution", distribution_id))
        assert set(exported) == {"ETag", "DistributionConfig"}
        assert exported["DistributionConfig"] == config
        assert exported["ETag"] == SimulatedDistribution.objects.get(pk=distribution_id).etag

    @pytest.mark.parametrize(
        "content, message",
        [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "JSON object"),
        ],
    )
    def test_unreadable_files_fail_with_one_line(self, tmp_path, content, message):
        path = tmp_path / "bad.json"
        path.write_text(content)
        with pytest.raises(CommandError, match=message):
            run("import_distribution", str(path))
        assert not SimulatedDistribution.objects.exists()

    def test_a_missing_file_fails(self, tmp_path):
        with pytest.raises(CommandError, match="cannot read"):
            run("import_distribution", str(tmp_path / "absent.json"))

    def test_an_invalid_config_fails_naming_the_member_and_imports_nothing(self, tmp_path):
        good = write_json(tmp_path, "good.json", distribution_config())
        bad_config = distribution_config([("/a/*", "allow-all")])
        bad_config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "sometimes"
        bad = write_json(tmp_path, "bad.json", bad_config)
        with pytest.raises(CommandError, match=r"CacheBehaviors\.Items\[0\]\.ViewerProtocolPolicy: not one of"):
            run("import_distribution", good, bad)
        assert not SimulatedDistribution.objects.exists()
        assert not Distribution.objects.exists()

    def test_export_of_an_unknown_id_fails(self):
        with pytest.raises(CommandError, match="NoSuchDistribution"):
            run("export_distribution", "ENOSUCH0000000")


class TestSetViewerProtocolPolicy:
    @pytest.fixture
    def site(self, make_distribution):
        return make_distribution([("/images/*", "allow-all"), ("images/*.png", "allow-all")])

    def test_it_changes_only_that_behavior(self, site):
        before = SimulatedDistribution.objects.get(pk=site.id)
        out = run("set_viewer_protocol_policy", site.id, "/images/*", "redirect-to-https")
        assert "Redirect HTTP to HTTPS" in out
        after = SimulatedDistribution.objects.get(pk=site.id)
        assert policies(site.id) == ["redirect-to-https", "allow-all", "allow-all"]
        assert after.etag != before.etag
        expected = before.config
        expected["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "redirect-to-https"
        assert after.config == expected

    def test_star_names_the_default_behavior(self, site):
        run("set_viewer_protocol_policy", site.id, "*", "https-only")
        assert policies(site.id) == ["allow-all", "allow-all", "https-only"]

    def test_the_pattern_is_matched_as_written(self, site):
        run("set_viewer_protocol_policy", site.id, "images/*.png", "https-only")
        assert policies(site.id) == ["allow-all", "https-only", "allow-all"]

    @pytest.mark.parametrize(
        "args, message",
        [
            (("ENOSUCH0000000", "*", "https-only"), "NoSuchDistribution"),
            ((None, "/nope/*", "https-only"), "No cache behavior has the path pattern"),
            ((None, "*", "https-please"), "Unknown policy"),
        ],
    )
    def test_wrong_input_fails_and_changes_nothing(self, site, args, message):
        args = tuple(site.id if a is None else a for a in args)
        before = SimulatedDistribution.objects.get(pk=site.id)
        with pytest.raises(CommandError, match=message):
            run("set_viewer_protocol_policy", *args)
        after = SimulatedDistribution.objects.get(pk=site.id)
        assert (after.config, after.etag) == (before.config, before.etag)

    def test_from_the_shell_a_wrong_policy_exits_non_zero_with_one_line(self, tmp_path):
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
        result = subprocess.run(
            [sys.executable, "manage.py", "set_viewer_protocol_policy", "E123", "*", "bogus"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert result.stderr.strip().count("\n") == 0
        assert "Unknown policy 'bogus'" in result.stderr
        assert "Traceback" not in result.stderr


class TestEdgeRequest:
    def test_an_http_get_on_a_redirect_behavior_gets_a_301(self, make_distribution):
        site = make_distribution([("/images/*", "redirect-to-https")])
        answer = json.loads(run("edge_request", "GET", f"http://{site.domain_name}/images/a.jpg?w=1"))
        assert answer["status"] == 301
        assert answer["location"] == f"https://{site.domain_name}/images/a.jpg?w=1"
        assert answer["path_pattern"] == "/images/*"

    @pytest.mark.parametrize(
        "method, url, status, pattern",
        [
            ("GET", "https://{host}/images/a", 200, "/images/*"),
            ("GET", "http://{host}/private/a", 403, "private/*"),
            ("GET", "http://{host}/other", 200, "*"),
            ("DELETE", "http://{host}/other", 403, "*"),
        ],
    )
    def test_the_decision_table(self, make_distribution, method, url, status, pattern):
        site = make_distribution([("/images/*", "redirect-to-https"), ("private/*", "https-only")])
        answer = json.loads(run("edge_request", method, url.format(host=site.domain_name)))
        assert (answer["status"], answer["path_pattern"]) == (status, pattern)
        assert answer["location"] is None

    def test_a_post_over_http_under_redirect_gets_a_307_to_the_https_url(self, make_distribution):
        site = make_distribution([("/api/*", "redirect-to-https", ALL_METHODS)])
        answer = json.loads(run("edge_request", "POST", f"http://{site.domain_name}/api/orders?id=7"))
        assert (answer["status"], answer["path_pattern"]) == (307, "/api/*")
        assert answer["location"] == f"https://{site.domain_name}/api/orders?id=7"
        assert answer["http_version"] == "1.1"

    def test_with_http_1_0_the_post_gets_403(self, make_distribution):
        site = make_distribution([("/api/*", "redirect-to-https", ALL_METHODS)])
        url = f"http://{site.domain_name}/api/orders"
        answer = json.loads(run("edge_request", "POST", url, "--http-version", "1.0"))
        assert (answer["status"], answer["location"]) == (403, None)
        assert json.loads(run("edge_request", "POST", url, "--http-version", "2"))["status"] == 307

    def test_a_wildcard_alias_serves_a_name_below_it_and_an_exact_alias_wins(self, make_distribution):
        wildcard = make_distribution(aliases=["*.example.com"], ViewerCertificate=ACM_CERTIFICATE)
        exact = make_distribution(aliases=["blog.example.com"], ViewerCertificate=ACM_CERTIFICATE)
        assert json.loads(run("edge_request", "GET", "http://shop.example.com/"))["distribution_id"] == wildcard.id
        assert json.loads(run("edge_request", "GET", "http://blog.example.com/"))["distribution_id"] == exact.id

    @pytest.mark.parametrize("url", ["http://[abc/", "http://d111111abcdef8.cloudfront.net:99999/", "ftp://x/"])
    def test_a_url_that_is_not_one_fails_with_one_line(self, db, url):
        with pytest.raises(CommandError) as error:
            run("edge_request", "GET", url)
        assert error.value.returncode == 1 and "\n" not in str(error.value)
        assert url in str(error.value)

    def test_a_disabled_distribution_answers_403(self, make_distribution):
        site = make_distribution(default_policy="allow-all", Enabled=False)
        answer = json.loads(run("edge_request", "GET", f"http://{site.domain_name}/"))
        assert (answer["status"], answer["location"], answer["path_pattern"]) == (403, None, None)
        assert "disabled" in answer["reason"]

    def test_aliases_reach_their_distribution(self, make_distribution):
        site = make_distribution(
            default_policy="redirect-to-https",
            aliases=["www.example.net"],
            ViewerCertificate={
                "CloudFrontDefaultCertificate": False,
                "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
        )
        answer = json.loads(run("edge_request", "HEAD", "http://www.example.net/"))
        assert answer["distribution_id"] == site.id
        assert answer["location"] == "https://www.example.net/"

    def test_it_reads_the_deployed_config_not_the_pending_one(self, make_distribution, settings):
        site = make_distribution([("/images/*", "allow-all")])
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        run("set_viewer_protocol_policy", site.id, "/images/*", "https-only")
        url = f"http://{site.domain_name}/images/a.jpg"
        assert json.loads(run("edge_request", "GET", url))["status"] == 200
        SimulatedDistribution.objects.filter(pk=site.id).update(deploy_ready_at="2000-01-01T00:00:00Z")
        assert json.loads(run("edge_request", "GET", url))["status"] == 403

    @pytest.mark.parametrize(
        "method, url, message",
        [
            ("GET", "ftp://x.cloudfront.net/", "not an http"),
            ("GET", "not a url", "not an http"),
            ("BREW", "http://d111111abcdef8.cloudfront.net/", "not a method"),
            ("GET", "http://unknown.example.com/", "No distribution serves"),
        ],
    )
    def test_bad_requests_fail_with_one_line(self, db, method, url, message):
        with pytest.raises(CommandError, match=message):
            run("edge_request", method, url)


class TestUsers:
    def test_createsuperuser_noinput_uses_the_standard_variables(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long password for root")
        monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
        call_command("createsuperuser", "--noinput", stdout=StringIO())
        assert get_user_model().objects.get(username="root").check_password("a long password for root")

    def test_the_demo_login_is_created_only_when_nobody_exists(self):
        assert "demo / demo" in run("ensure_demo_user")
        assert get_user_model().objects.get(username="demo").check_password("demo")
        get_user_model().objects.filter(username="demo").delete()
        get_user_model().objects.create_user("someone", password="x")
        assert "existing accounts" in run("ensure_demo_user")
        assert not get_user_model().objects.filter(username="demo").exists()


class TestSyncDistributions:
    def test_it_mirrors_the_backend_and_drops_what_is_gone(self, make_distribution):
        kept = make_distribution(comment="kept")
        gone = make_distribution(comment="gone")
        SimulatedDistribution.objects.filter(pk=gone.id).delete()
        Distribution.objects.filter(pk=kept.id).update(comment="stale")
        assert "Mirrored 1 distribution(s)" in run("sync_distributions")
        assert list(Distribution.objects.values_list("id", "comment")) == [(kept.id, "kept")]
