"""The README's walk by API, with the real AWS CLI (awscli v1 from the package index, in its own venv).

From ``create_access_key`` to the viewer's 301: list-distributions,
get-distribution-config, a one-line edit, update-distribution --if-match, and
``aws cloudfront wait distribution-deployed``, against a live console. In CI
(``CI`` set) a failure to install awscli fails the test; a local run skips it
only when the package index cannot be reached.
"""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from distributions.models import AuditEntry

from .awscli import AwsCliUnavailable, ensure_awscli, index_reachable

pytestmark = [pytest.mark.awscli, pytest.mark.django_db(transaction=True)]

STATIC_SITE = "DistributionList.Items[?starts_with(Comment, 'Static website')].[Id, DomainName]"
# The README's one-line edit: only the default behavior's viewer protocol policy changes.
EDIT = (
    'import json; d = json.load(open("cfg.json"))["DistributionConfig"]; '
    'd["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "redirect-to-https"; json.dump(d, open("dist.json", "w"))'
)


@pytest.fixture(scope="module")
def aws_executable():
    try:
        return str(ensure_awscli())
    except (AwsCliUnavailable, subprocess.TimeoutExpired, OSError) as exc:
        if os.environ.get("CI") or index_reachable():
            pytest.fail(f"Could not install the AWS CLI: {exc}")
        pytest.skip(f"The package index cannot be reached, so the AWS CLI cannot be installed: {exc}")


@pytest.fixture
def aws(aws_executable, api_url, tmp_path, user):
    """``aws(*args)`` runs ``aws cloudfront ARGS --endpoint-url <sandbox API>`` with alice's new key, in tmp_path."""
    out = StringIO()
    call_command("create_access_key", user.username, stdout=out)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        **dict(line.split("=", 1) for line in out.getvalue().splitlines()),
    }

    def run(*args, check=True):
        result = subprocess.run(
            [aws_executable, "cloudfront", *args, "--endpoint-url", api_url],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert not check or result.returncode == 0, result.stderr
        return result

    return run


def test_the_walk_by_api_ends_in_a_301_for_http_viewers(aws, tmp_path):
    call_command("load_sandbox", stdout=StringIO())
    distribution_id, domain = aws("list-distributions", "--query", STATIC_SITE, "--output", "text").stdout.split()
    (tmp_path / "cfg.json").write_text(aws("get-distribution-config", "--id", distribution_id).stdout)
    etag = json.loads((tmp_path / "cfg.json").read_text())["ETag"]
    subprocess.run([sys.executable, "-c", EDIT], cwd=tmp_path, check=True)

    updated = aws(
        "update-distribution", "--id", distribution_id, "--if-match", etag, "--distribution-config", "file://dist.json"
    )
    assert json.loads(updated.stdout)["ETag"] != etag
    aws("wait", "distribution-deployed", "--id", distribution_id)

    out = StringIO()
    call_command("edge_request", "GET", f"http://{domain}/index.html", stdout=out)
    decision = json.loads(out.getvalue())
    assert (decision["status"], decision["location"]) == (301, f"https://{domain}/index.html")
    entry = AuditEntry.objects.get(distribution_id=distribution_id, action="api-update")
    assert entry.changes == [["DefaultCacheBehavior.ViewerProtocolPolicy", "allow-all", "redirect-to-https"]]

    stale = aws(
        "update-distribution",
        "--id",
        distribution_id,
        "--if-match",
        etag,
        "--distribution-config",
        "file://dist.json",
        check=False,
    )
    assert stale.returncode != 0 and "PreconditionFailed" in stale.stderr
