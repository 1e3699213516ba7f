"""import_distribution under malformed files: one line naming the member, exit 1, nothing stored.

The 50 files of tests/data/malformed/ (see its README) run on whichever database
DATABASE_URL names: `make test` runs SQLite, CI runs PostgreSQL too.
"""

import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from distributions.cloudfront import documents, rules, service_model
from distributions.models import Distribution
from distributions.sandbox.models import SimulatedDistribution

from .factories import distribution_config

ROOT = Path(__file__).resolve().parent.parent
MALFORMED = ROOT / "tests" / "data" / "malformed"
EXPECTED = json.loads((MALFORMED / "expected.json").read_text())

pytestmark = pytest.mark.django_db


def refusal(path):
    """The CommandError import_distribution raises for ``path``; fails the test if the file is accepted."""
    with pytest.raises(CommandError) as caught:
        call_command("import_distribution", str(path), stdout=StringIO())
    return caught.value


def assert_names(line, path, field):
    """The line is ``FILE: FIELD: problem``, or ``FILE: problem`` naming no member when ``field`` is None."""
    assert line.startswith(f"{path}: ")
    rest = line[len(f"{path}: ") :]
    if field is None:
        assert not rest.startswith(("DistributionConfig", "Distribution.")), rest
    else:
        assert rest.startswith(f"{field}: "), rest
        assert rest[len(field) + 2 :].strip(), "the problem is said, not only the member"


class TestMalformedFiles:
    def test_every_file_has_an_expectation_and_the_readme_lists_it(self):
        files = {p.name for p in MALFORMED.glob("*.json")} - {"expected.json"}
        readme = (MALFORMED / "README.md").read_text()
        assert files == set(EXPECTED)
        assert len(files) == 50
        assert all(f"`{name}`" in readme for name in files)

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_it_is_refused_with_one_line_naming_the_member(self, name):
        path = MALFORMED / name
        error = refusal(path)
        line = str(error)
        assert error.returncode == 1
        assert "\n" not in line and "\x00" not in line
        assert_names(line, path, EXPECTED[name]["field"])
        assert not SimulatedDistribution.objects.exists()
        assert not Distribution.objects.exists()

    def test_a_50_mb_comment_is_refused_quickly_without_reading_it_all(self, tmp_path):
        document = json.loads((MALFORMED / "comment-129-chars.json").read_text())
        document["DistributionConfig"]["Comment"] = "x" * (50 * 1024 * 1024)
        path = tmp_path / "junk.json"
        path.write_text(json.dumps(document))
        started = time.monotonic()
        line = str(refusal(path))
        assert time.monotonic() - started < 5  # generous: reading 50 MB and parsing it takes longer
        assert line == f"{path}: file too large: more than {documents.MAX_BYTES:,} bytes"
        assert not SimulatedDistribution.objects.exists()

    def test_one_bad_file_among_good_ones_stores_nothing(self, tmp_path):
        good = tmp_path / "good.json"
        good.write_text(json.dumps({"ETag": "E1", "DistributionConfig": distribution_config()}))
        error = refusal_many(good, MALFORMED / "enabled-no.json")
        assert "DistributionConfig.Enabled: expected a boolean, got a string ('no')" in str(error)
        assert not SimulatedDistribution.objects.exists()


def refusal_many(*paths):
    with pytest.raises(CommandError) as caught:
        call_command("import_distribution", *map(str, paths), stdout=StringIO())
    return caught.value


@pytest.mark.parametrize(
    "name", ["http-port-5000-digits.json", "lone-surrogate-in-comment.json", "top-level-list.json"]
)
def test_as_a_script_it_exits_1_with_one_line_and_no_traceback(tmp_path, name):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CONSOLE_BACKEND": "simulator"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_distribution", str(MALFORMED / name)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


class TestDocumentForms:
    """The three shapes the README promises, each checked where its DistributionConfig is."""

    @pytest.mark.parametrize(
        "wrap, field",
        [
            (lambda c: {"ETag": "E1", "DistributionConfig": c}, "DistributionConfig.Enabled"),
            (lambda c: {"ETag": "E1", "Distribution": {"Id": "E1", "DistributionConfig": c}}, "Distribution.DistributionConfig.Enabled"),
            (lambda c: c, "Enabled"),
        ],
    )  # fmt: skip
    def test_each_form_is_read_and_its_members_named_by_their_path(self, tmp_path, wrap, field):
        path = tmp_path / "d.json"
        path.write_text(json.dumps(wrap(distribution_config())))
        call_command("import_distribution", str(path), stdout=StringIO())
        assert SimulatedDistribution.objects.count() == 1
        path.write_text(json.dumps(wrap(distribution_config(Enabled="no"))))
        assert_names(str(refusal(path)), path, field)

    def test_a_rule_of_cloudfront_names_the_member_in_a_bare_config(self, tmp_path):
        path = tmp_path / "d.json"
        path.write_text(json.dumps(distribution_config(comment="c" * 129)))
        assert str(refusal(path)).startswith(f"{path}: Comment: InvalidArgument: ")

    def test_a_utf8_byte_order_mark_is_accepted(self, tmp_path):
        path = tmp_path / "d.json"
        path.write_bytes(b"\xef\xbb\xbf" + json.dumps(distribution_config()).encode())
        call_command("import_distribution", str(path), stdout=StringIO())
        assert SimulatedDistribution.objects.count() == 1


def nested(depth):
    return "[" * depth + "]" * depth


class TestParseLimits:
    @pytest.mark.parametrize(
        "text, accepted",
        [
            (nested(documents.MAX_DEPTH), True),
            (nested(documents.MAX_DEPTH + 1), False),
            ('{"a": "' + "[" * 5000 + '"}', True),  # brackets inside a string are not nesting
            ("1" * documents.MAX_DIGITS, True),
            ("1" * (documents.MAX_DIGITS + 1), False),
            ("-" + "1" * documents.MAX_DIGITS, True),
            ("1e400", False),
            ("-Infinity", False),
            ('{"a": 1, "a": 1}', False),
            ('"\\udc00"', False),
            ('"\\ud83d\\ude00"', True),  # a surrogate pair is one character
        ],
    )
    def test_parse_refuses_what_cloudfront_could_not_read(self, text, accepted):
        if accepted:
            documents.parse(text.encode())
        else:
            with pytest.raises(documents.DocumentError):
                documents.parse(text.encode())

    def test_the_depth_limit_is_above_what_the_model_nests(self):
        def depth(node, seen=()):
            if node.type_name == "structure":
                inner = [depth(m, (*seen, node.name)) for m in node.members.values() if m.name not in seen]
                return 1 + max(inner, default=0)
            return 1 + depth(node.member, seen) if node.type_name == "list" else 0

        assert depth(service_model.shape("GetDistributionResult")) <= documents.MAX_DEPTH

    def test_a_config_at_every_default_quota_fits_the_size_limit(self):
        config = distribution_config([(f"/path-{i:03}/*", "allow-all") for i in range(75)])
        origin = config["Origins"]["Items"][0]
        config["Origins"] = {"Quantity": 100, "Items": [{**origin, "Id": f"o{i:03}" + "x" * 124} for i in range(100)]}
        config["Aliases"] = {"Quantity": 100, "Items": [f"www{i}." + "a" * 60 + ".example.com" for i in range(100)]}
        assert len(json.dumps({"ETag": "E1", "DistributionConfig": config}, indent=4)) < documents.MAX_BYTES / 2


class TestTheModelOutsideImports:
    """The simulator checks every config with the same walk (lenient about unknown members), so
    a wrongly typed field can reach neither Test a request nor the edge by another way."""

    @pytest.mark.parametrize(
        "change, where",
        [
            (lambda c: c["Origins"]["Items"][0]["CustomOriginConfig"].update(HTTPPort=2**31), "hTTPPort"),
            (lambda c: c["DefaultCacheBehavior"].update(MinTTL=2**63), "minTTL"),
            (lambda c: c.update(Comment="a\x00b"), "comment"),
            (lambda c: c.update(TomorrowsField={"Name": "a\x00b"}), "tomorrowsField"),
        ],
    )
    def test_the_simulator_refuses_what_cloudfront_cannot_hold(self, simulator, change, where):
        config = distribution_config()
        change(config)
        with pytest.raises(Exception) as caught:
            simulator.create_distribution(config)
        assert caught.value.code == "MalformedXML" and where in caught.value.message
        assert not SimulatedDistribution.objects.exists()


class TestColumnsFitCloudFrontsLimits:
    """A config CloudFront accepts always fits the mirror: every column is at least CloudFront's limit."""

    @pytest.mark.parametrize(
        "model, column, limit",
        [
            (Distribution, "comment", rules.MAX_COMMENT),
            (Distribution, "default_root_object", rules.MAX_DEFAULT_ROOT_OBJECT),
            (Distribution, "http_version", max(map(len, service_model.enum("HttpVersion")))),
            (Distribution, "price_class", max(map(len, service_model.enum("PriceClass")))),
            ("Origin", "origin_id", rules.MAX_ORIGIN_ID),
            ("Origin", "domain_name", rules.MAX_DOMAIN_NAME),
            ("Origin", "protocol_policy", max(map(len, service_model.enum("OriginProtocolPolicy")))),
            ("CacheBehavior", "path_pattern", rules.patterns.MAX_LENGTH),
            ("CacheBehavior", "target_origin_id", rules.MAX_ORIGIN_ID),
            ("CacheBehavior", "viewer_protocol_policy", max(map(len, service_model.enum("ViewerProtocolPolicy")))),
        ],
    )
    def test_the_column_holds_the_longest_value_cloudfront_accepts(self, model, column, limit):
        from django.apps import apps

        model = apps.get_model("distributions", model) if isinstance(model, str) else model
        assert model._meta.get_field(column).max_length >= limit
