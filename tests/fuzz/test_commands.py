"""Every command that takes input, under hostile arguments and files: it succeeds, or exits non-zero with one
line (a CommandError, which manage.py prints as one line on stderr) and changes nothing; never a traceback."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import example, given
from hypothesis import strategies as st

from console import argv
from distributions.cloudfront import config as cfg
from distributions.sandbox.models import SimulatedDistribution

from .conftest import one_line, rolled_back, state
from .profiles import fuzz
from .strategies import argv_text, configs, distribution_configs, json_text, path_patterns, urls

pytestmark = pytest.mark.django_db


def run(*args):
    """``(exit status, stdout, stderr)`` of a command as manage.py would end it; a traceback fails the test."""
    refused = argv.refusal(list(args))  # manage.py's check of every argument, before any command runs
    if refused:
        return 1, "", refused
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        assert one_line(str(exc)), repr(str(exc))
        assert exc.returncode != 0
        return exc.returncode, out.getvalue(), str(exc)
    except SystemExit as exc:  # check_distribution's "the checklist found errors"
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def refused_without_change(*args):
    """Run a command; when it fails, nothing changed. Its exit status."""
    before = state()
    status, _, _ = run(*args)
    if status:
        assert state() == before, args
    return status


# --- files ------------------------------------------------------------------------------------------------------


def documents():
    """What an import file holds: a config in one of the three forms, or something else that parses."""
    wrapped = configs().flatmap(
        lambda c: st.sampled_from(
            [
                c,
                {"ETag": "E1", "DistributionConfig": c},
                {"ETag": "E1", "Distribution": {"Id": "E1", "DistributionConfig": c}},
            ]
        )
    )
    return wrapped | st.recursive(
        st.none() | st.booleans() | st.integers() | json_text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_text(10), inner, max_size=3),
        max_leaves=8,
    )


def file_bytes():
    """A file's bytes: a document as JSON (NaN and lone surrogates as Python's json writes them), or junk."""
    as_json = documents().map(lambda d: json.dumps(d).encode())
    truncated = as_json.flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n]))
    return st.one_of(as_json, as_json, truncated, st.binary(max_size=200), st.just(b"\xef\xbb\xbf{}"))


@pytest.fixture
def write(tmp_path):
    def write(content, name="config.json"):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


def test_import_distribution_imports_or_refuses_in_one_line_storing_nothing(world, write):
    @fuzz(examples=40)
    @given(content=file_bytes())
    @example(content=json.dumps({"DistributionConfig": {"Enabled": "no"}}).encode())
    def property(content):
        with rolled_back():
            count = SimulatedDistribution.objects.count()
            status, out, err = run("import_distribution", write(content))
            if status:
                assert status == 1
                assert SimulatedDistribution.objects.count() == count
            else:
                (created,) = out.split()[:1]
                cfg.validate(SimulatedDistribution.objects.get(pk=created).config)  # stored means CloudFront-valid

    property()


def test_check_distribution_reports_or_refuses_in_one_line(world, write):
    @fuzz(examples=25)
    @given(content=file_bytes(), text=st.booleans())
    def property(content, text):
        with rolled_back():
            status, _, _ = run("check_distribution", write(content), "--format", "text" if text else "json")
            assert status in (0, 1, 2)

    property()


def test_check_and_export_take_any_distribution_id(world):
    @fuzz(examples=15)
    @given(
        distribution_id=st.sampled_from([world.own.id, world.other.id])
        | argv_text().filter(lambda s: s and not s.startswith("-"))
    )
    def property(distribution_id):
        with rolled_back():
            source = distribution_id if not distribution_id.endswith(".json") else distribution_id + "x"
            assert run("check_distribution", source)[0] in (0, 1, 2)
            assert refused_without_change("export_distribution", distribution_id) in (0, 1)
            assert refused_without_change("export_distribution", world.own.id, "--user", distribution_id) in (0, 1)

    property()


# --- set_viewer_protocol_policy: the pipeline from the command line -----------------------------------------------


def test_set_viewer_protocol_policy_applies_or_changes_nothing(world):
    users = st.sampled_from([None, "fuzz-admin", "fuzz-reader", "fuzz-operator"]) | argv_text(20)

    @fuzz(examples=25)
    @given(
        distribution_id=st.sampled_from([world.own.id, world.other.id]) | argv_text(20),
        pattern=st.sampled_from(world.patterns) | path_patterns() | argv_text(),
        policy=st.sampled_from(cfg.VIEWER_PROTOCOL_POLICIES) | argv_text(20),
        user=users,
        acknowledge=st.booleans(),
    )
    def property(distribution_id, pattern, policy, user, acknowledge):
        args = ["set_viewer_protocol_policy", "--", distribution_id, pattern, policy]
        if user is not None:
            args[1:1] = ["--user", user]
        if acknowledge:
            args.insert(1, "--acknowledge-errors")
        with rolled_back():
            assert refused_without_change(*args) in (0, 1)

    property()


# --- the edge and certificates ------------------------------------------------------------------------------------


def test_edge_request_answers_or_refuses_in_one_line(world):
    @fuzz(examples=30)
    @given(
        method=st.sampled_from(["GET", "head", "DELETE", "OPTIONS"]) | argv_text(10),
        url=urls([world.own.domain_name, world.other.domain_name]).map(lambda s: s.replace("\x00", "")) | argv_text(),
        version=st.sampled_from(["1.0", "1.1", "2", "3"]),
    )
    @example(method="GET", url="http://[abc/", version="1.1")
    def property(method, url, version):
        with rolled_back():
            status, out, _ = run("edge_request", "--http-version", version, "--", method, url)
            assert status in (0, 1)
            if status == 0:
                assert {"status", "location", "path_pattern"} <= set(json.loads(out))

    property()


def test_certificate_commands_create_or_refuse_in_one_line(world, write):
    pem = world.certificate.certificate_pem.encode()
    key = world.certificate.private_key_pem.encode()

    def damaged(data):
        return st.sampled_from([data, data[:-40], data.replace(b"A", b"B", 1), b"", b"\x00" * 10]) | st.binary(
            max_size=100
        )

    @fuzz(examples=20)
    @given(
        names=st.lists(
            st.sampled_from(["*", "*.com", "*.co.uk", "a.*.example.org", "www.example.org"]) | argv_text(30),
            min_size=1,
            max_size=3,
        ),
        cert=damaged(pem),
        private=damaged(key),
        chain=st.none() | damaged(pem),
    )
    def property(names, cert, private, chain):
        with rolled_back():
            refused_without_change("create_certificate", "--", *names)
            args = ["import_certificate", write(cert, "cert.pem"), write(private, "key.pem")]
            if chain is not None:
                args += ["--chain", write(chain, "chain.pem")]
            refused_without_change(*args)

    property()


def test_create_access_key_takes_any_username(world):
    @fuzz(examples=10)
    @given(username=st.sampled_from(["fuzz-admin", "nobody"]) | argv_text(30))
    def property(username):
        with rolled_back():
            assert refused_without_change("create_access_key", "--", username) in (0, 1)

    property()


def test_fleet_commands_take_any_team_pattern_and_user(world):
    @fuzz(examples=10)
    @given(
        team=st.sampled_from(["red", "blue"]) | argv_text(20),
        exclude=st.lists(path_patterns() | argv_text(), max_size=2),
        user=st.sampled_from(["fuzz-admin", "fuzz-reader"]) | argv_text(20),
        ids=st.lists(st.sampled_from([world.own.id, world.other.id]) | argv_text(16), min_size=1, max_size=2),
    )
    def property(team, exclude, user, ids):
        with rolled_back():
            assert run("https_posture", "--team", team, "--format", "json")[0] in (0, 1)
            args = ["require_https", "--dry-run", "--user", user, "--distribution", *ids]
            if exclude:
                args += ["--exclude", *exclude]
            assert refused_without_change(*args) in (0, 1, 2)

    property()


def test_a_valid_config_imports_and_every_command_reads_it(world, write):
    """Whatever CloudFront accepts imports, exports to the same config, checks and answers viewers."""

    @fuzz(examples=10)
    @given(config=distribution_configs())
    def property(config):
        with rolled_back():
            status, out, err = run("import_distribution", write(json.dumps({"DistributionConfig": config}).encode()))
            assert status == 0, err
            distribution_id, domain = out.split()[:2]
            exported = json.loads(run("export_distribution", distribution_id)[1])["DistributionConfig"]
            assert exported["Comment"] == config["Comment"]
            assert [o["Id"] for o in exported["Origins"]["Items"]] == [o["Id"] for o in config["Origins"]["Items"]]
            assert cfg.behaviors(exported) == cfg.behaviors(config)
            assert run("check_distribution", distribution_id)[0] in (0, 1)
            assert run("edge_request", "GET", f"http://{domain}/index.html")[0] == 0

    property()


@pytest.mark.parametrize(
    "args",
    [
        ["export_distribution", b"\x80"],
        ["set_viewer_protocol_policy", b"E\xff", b"*", b"https-only"],
        ["create_access_key", b"caf\xe9"],
        ["edge_request", b"GET", b"http://\xe9.cloudfront.net/"],
    ],
)
def test_an_argument_that_is_not_utf8_is_one_line_and_exit_1(tmp_path, args):
    """Found by the fuzz suite: a shell argument that is not UTF-8 reached the database as lone surrogates
    and every command printed a UnicodeEncodeError traceback."""
    root = Path(__file__).resolve().parents[2]
    # No database at all: the arguments are refused before any command runs.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}", "CONSOLE_BACKEND": "simulator"}
    encoded = [a if isinstance(a, bytes) else a.encode() for a in args]
    result = subprocess.run(
        [sys.executable.encode(), b"manage.py", *encoded], cwd=root, env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stdout == b""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert b"is not valid UTF-8 text" in result.stderr


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["export_distribution", "E1\x1b[2J"], "U+001B"),  # an ESC sequence would clear the terminal
        (["set_viewer_protocol_policy", "E1\nCommandError: forged", "*", "https-only"], "U+000A"),
        (["check_distribution", "E1\u202etxt.exe"], "U+202E"),  # shown reversed
        (["edge_request", "GET", "http://d1.cloudfront.net/\x7f"], "U+007F"),
    ],
)
def test_an_argument_with_a_control_character_is_one_line_and_exit_1(tmp_path, args, shown):
    """Error lines echo arguments back: no argument may hold what drives or forges a terminal's lines."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}", "CONSOLE_BACKEND": "simulator"}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == b""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    line = result.stderr.decode("ascii")  # escaped: nothing but ASCII reaches the terminal
    assert f"holds the control character {shown}" in line and "\x1b" not in line


def test_an_ordinary_argument_passes():
    assert argv.refusal(["export_distribution", "E2QWRUHEXAMPLE", "--format", "json", "/tmp/a b/c.json"]) is None
    assert argv.refusal(["check_distribution", "نطاق.example"]) is None  # right-to-left letters are text
    assert argv.refusal(["shell", "-c", "import sys\nprint(sys.argv)"]) is None  # Django's own commands take code
