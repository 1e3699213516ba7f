"""`manage.py check_distribution`: the checklist for scripts, where the exit status is the interface."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from distributions.sandbox import certificates

from .factories import ALL_METHODS, distribution_config

ROOT = Path(__file__).resolve().parent.parent

SHADOWED = distribution_config(
    [("/images/*", "https-only"), ("/images/a.jpg", "https-only")], default_policy="https-only"
)
WARNINGS_ONLY = distribution_config([("/api/*", "redirect-to-https", ALL_METHODS)])
CLEAN = distribution_config(default_policy="https-only")


def write_json(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def cli(tmp_path, *args):
    """Run the command as a script would; the database file is never created or migrated."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CONSOLE_BACKEND": "simulator",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check_distribution", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


class TestFiles:
    def test_it_exits_1_and_reports_an_error_in_text(self, tmp_path):
        path = write_json(tmp_path, "config.json", {"ETag": "E2QWRUHAPOMQZL", "DistributionConfig": SHADOWED})
        result = cli(tmp_path, path)
        assert result.returncode == 1, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == f"== {path} =="
        assert lines[1].startswith("ERROR shadowed-behavior [/images/a.jpg]: ")
        assert lines[-1] == f"{path}: 1 error, 0 warnings, 0 info"
        assert result.stderr == ""

    def test_warnings_alone_exit_0(self, tmp_path):
        result = cli(tmp_path, write_json(tmp_path, "api.json", WARNINGS_ONLY))
        assert result.returncode == 0, result.stderr
        assert "WARNING redirect-307-methods [/api/*]: " in result.stdout
        assert "WARNING allows-http [*]: " in result.stdout

    def test_a_clean_config_exits_0(self, tmp_path):
        path = write_json(tmp_path, "clean.json", CLEAN)
        result = cli(tmp_path, path)
        assert result.returncode == 0
        assert result.stdout.splitlines() == [f"== {path} ==", f"{path}: 0 errors, 0 warnings, 0 info"]

    def test_it_prints_json_with_the_source(self, tmp_path):
        path = write_json(tmp_path, "config.json", {"ETag": "E1", "DistributionConfig": SHADOWED})
        result = cli(tmp_path, path, "--format", "json")
        assert result.returncode == 1
        (finding,) = json.loads(result.stdout)
        assert {k: finding[k] for k in ("code", "severity", "path_pattern", "origin_id", "source")} == {
            "code": "shadowed-behavior",
            "severity": "error",
            "path_pattern": "/images/a.jpg",
            "origin_id": None,
            "source": path,
        }
        assert "/images/*" in finding["message"]

    def test_json_of_a_clean_config_is_an_empty_list(self, tmp_path):
        result = cli(tmp_path, write_json(tmp_path, "clean.json", CLEAN), "--format", "json")
        assert (result.returncode, json.loads(result.stdout)) == (0, [])

    def test_it_reads_get_distribution_output_and_a_bare_config(self, tmp_path):
        wrapped = write_json(
            tmp_path, "dist.json", {"ETag": "E1", "Distribution": {"Id": "E1", "DistributionConfig": WARNINGS_ONLY}}
        )
        bare = write_json(tmp_path, "bare.json", WARNINGS_ONLY)
        result = cli(tmp_path, wrapped, bare, "--format", "json")
        assert result.returncode == 0
        rows = json.loads(result.stdout)
        assert [r["source"] for r in rows if r["code"] == "redirect-307-methods"] == [wrapped, bare]

    def test_a_path_without_the_json_suffix_is_a_file_when_it_exists(self, tmp_path):
        path = write_json(tmp_path, "saved-config", {"ETag": "E1", "DistributionConfig": SHADOWED})
        assert cli(tmp_path, path).returncode == 1

    def test_several_sources_get_one_block_each_and_any_error_exits_1(self, tmp_path):
        clean = write_json(tmp_path, "clean.json", CLEAN)
        shadowed = write_json(tmp_path, "shadowed.json", SHADOWED)
        result = cli(tmp_path, clean, shadowed)
        assert result.returncode == 1
        headers = [line for line in result.stdout.splitlines() if line.startswith("== ")]
        assert headers == [f"== {clean} ==", f"== {shadowed} =="]


class TestUnusableInput:
    @pytest.mark.parametrize(
        "name, content, says",
        [
            ("missing.json", None, "cannot read"),
            ("bad.json", "{not json", "not valid JSON"),
            ("list.json", "[1, 2]", "JSON object"),
            ("empty-object.json", "{}", "DistributionConfig: missing required member"),
            ("odd-items.json", json.dumps({**CLEAN, "CacheBehaviors": {"Quantity": 1, "Items": ["/a/*"]}}), "CacheBehaviors"),
        ],
    )  # fmt: skip
    def test_it_exits_2_with_one_line(self, tmp_path, name, content, says):
        path = tmp_path / name
        if content is not None:
            path.write_text(content)
        result = cli(tmp_path, str(path))
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
        assert str(path) in result.stderr and says in result.stderr
        assert "Traceback" not in result.stderr

    def test_an_id_without_a_migrated_database_exits_2_with_one_line(self, tmp_path):
        result = cli(tmp_path, "E2QWRUHAPOMQZL")
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1 and "E2QWRUHAPOMQZL" in result.stderr

    def test_one_unusable_source_prints_no_report_for_the_others(self, tmp_path):
        good = write_json(tmp_path, "good.json", SHADOWED)
        result = cli(tmp_path, good, str(tmp_path / "missing.json"))
        assert (result.returncode, result.stdout) == (2, "")


@pytest.mark.django_db
class TestDistributionIds:
    def run(self, *args):
        out = StringIO()
        try:
            call_command("check_distribution", *args, stdout=out)
        except SystemExit as exc:
            return exc.code, out.getvalue()
        return 0, out.getvalue()

    def test_it_checks_a_distribution_the_backend_knows(self, make_distribution):
        row = make_distribution([("/images/*", "https-only"), ("/images/a.jpg", "https-only")])
        status, out = self.run(row.id)
        assert status == 1
        assert out.splitlines()[0] == f"== {row.id} =="
        assert "ERROR shadowed-behavior [/images/a.jpg]: " in out

    def test_a_distribution_without_errors_exits_0(self, make_distribution):
        row = make_distribution(default_policy="https-only")
        status, out = self.run(row.id, "--format", "json")
        assert (status, json.loads(out)) == (0, [])

    def test_ids_and_files_mix(self, make_distribution, tmp_path):
        row = make_distribution(default_policy="allow-all")
        path = write_json(tmp_path, "clean.json", CLEAN)
        status, out = self.run(row.id, path, "--format", "json")
        assert status == 0
        assert [(r["source"], r["code"]) for r in json.loads(out)] == [(row.id, "allows-http")]

    def test_it_reports_an_alias_the_backends_certificate_does_not_cover(self, make_distribution):
        # Created before the sandbox held the certificate (CloudFront checks coverage at the API when it can);
        # the certificate the backend holds now does not cover shop.example.org.
        arn = "arn:aws:acm:us-east-1:123456789012:certificate/0c7e2d1a-4b5f-4e8a-9d3c-6a1b2c3d4e5f"
        row = make_distribution(
            default_policy="https-only",
            aliases=["www.example.org", "shop.example.org"],
            ViewerCertificate={"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only"},
        )
        certificates.ensure_sandbox_certificate(arn, ["www.example.org"])
        status, out = self.run(row.id, "--format", "json")
        assert status == 1
        assert [(r["code"], r["alias"]) for r in json.loads(out)] == [("alias-not-covered", "shop.example.org")]

    def test_an_unknown_id_is_unusable_input(self, db):
        with pytest.raises(CommandError) as caught:
            call_command("check_distribution", "ENOSUCHDIST", stdout=StringIO())
        assert caught.value.returncode == 2
        assert "NoSuchDistribution" in str(caught.value) and "\n" not in str(caught.value)
