"""Every change CloudFront applied has its audit entry, whatever fails after CloudFront said yes (issue 13, item 1).

A push is recorded pending before anything is sent and completed with CloudFront's answer. The
tests make the database refuse the completion with a trigger (PostgreSQL with DATABASE_URL=postgres://…,
SQLite otherwise: both have triggers), and kill a process between CloudFront's yes and the completion.
"""

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from distributions import publish, recording, tasks
from distributions.models import AuditEntry, AuditOutcome, Distribution
from distributions.sandbox.models import SimulatedDistribution

from .factories import distribution_config
from .support import CONFIRMATIONS

BASE_DIR = Path(__file__).resolve().parent.parent
TABLE = AuditEntry._meta.db_table


def refuse_audit_writes(when):
    """A trigger that makes the database refuse every write to the audit table for which ``when`` holds
    (SQL over NEW), as a full disk, a lost permission or a DBA's mistake would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'the audit table refuses this write'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_audit BEFORE INSERT OR UPDATE ON {TABLE} "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION refuse_audit()"
            )
        else:
            for event in ("INSERT", "UPDATE"):
                cursor.execute(
                    f"CREATE TRIGGER refuse_audit_{event.lower()} BEFORE {event} ON {TABLE} "
                    f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'the audit table refuses this write'); END"
                )


def allow_audit_writes():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER refuse_audit ON {TABLE}")
            cursor.execute("DROP FUNCTION refuse_audit()")
        else:
            cursor.execute("DROP TRIGGER refuse_audit_insert")
            cursor.execute("DROP TRIGGER refuse_audit_update")


def simulated(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.config, row.etag


def yes_edit(client, distribution, policy="https-only"):
    url = reverse("distributions:behavior_edit", args=[distribution.id])
    etag = client.get(url, {"behavior": "/images/*"}).context["snapshot"].etag
    return etag, client.post(url, {"etag": etag, "behavior": "/images/*", "policy": policy, **CONFIRMATIONS})


@pytest.mark.django_db
class TestTheDatabaseRefusesTheRecording:
    def test_after_cloudfront_accepted_the_change_has_its_entry_and_the_page_says_so(self, signed_in, static_site):
        config_before, _ = simulated(static_site.id)
        refuse_audit_writes("NEW.outcome = 'pushed'")

        etag, response = yes_edit(signed_in, static_site)
        page = signed_in.get(response.url)

        assert response.status_code == 302
        config_after, new_etag = simulated(static_site.id)
        assert config_after != config_before  # CloudFront applied it
        text = page.content.decode()
        assert recording.RECORDING_FAILED in text
        assert "nothing was changed" not in text.lower()
        # The change has its entry: pending, with who, what and both configs, waiting for CloudFront's answer.
        entry = AuditEntry.objects.get(distribution_id=static_site.id)
        assert entry.outcome == AuditOutcome.PENDING
        assert (entry.etag_before, entry.config_before, entry.config_after) == (etag, config_before, config_after)
        assert entry.username == "alice"
        # The mirror follows CloudFront, not the failed recording.
        assert Distribution.objects.get(pk=static_site.id).etag == new_etag

        # Once the database accepts again, the next read of the distribution completes the entry.
        allow_audit_writes()
        assert signed_in.get(reverse("distributions:distribution_history", args=[static_site.id])).status_code == 200
        entry.refresh_from_db()
        assert (entry.outcome, entry.etag_after) == (AuditOutcome.PUSHED, new_etag)
        assert new_etag in entry.note

    def test_a_refused_pending_entry_sends_nothing_and_says_so(self, signed_in, static_site):
        before = simulated(static_site.id)
        refuse_audit_writes("1 = 1" if connection.vendor == "postgresql" else "1")

        _, response = yes_edit(signed_in, static_site)

        assert response.status_code == 400
        assert recording.NOT_RECORDED in response.content.decode()
        assert simulated(static_site.id) == before
        allow_audit_writes()
        assert not AuditEntry.objects.exists()

    def test_a_worker_completes_the_entry_with_cloudfronts_own_answer(self, static_site, simulator):
        refuse_audit_writes("NEW.outcome = 'pushed'")
        snapshot, edited, summary = publish.edit_viewer_protocol_policy(
            static_site.id, ["*"], "https-only", publish.begin_edit(static_site.id, simulator).etag
        )
        pushed = publish.push_config(
            static_site.id, snapshot.config, snapshot.etag, edited, action="test", summary=summary, backend=simulator
        )
        assert pushed.recorded is False and pushed.row.etag == simulated(static_site.id)[1]
        entry = AuditEntry.objects.get()
        answer = {"etag_after": pushed.row.etag, "request_id": "the-request-id"}
        assert tasks.retry_recording.call(entry.pk, AuditOutcome.PUSHED, answer) == "still pending"

        allow_audit_writes()
        assert tasks.retry_recording.call(entry.pk, AuditOutcome.PUSHED, answer) == "recorded"
        entry.refresh_from_db()
        assert (entry.outcome, entry.etag_after, entry.request_id) == (
            AuditOutcome.PUSHED,
            pushed.row.etag,
            "the-request-id",
        )


@pytest.mark.django_db
class TestCompletion:
    def pending(self, **fields):
        return AuditEntry.objects.create(
            username="alice", distribution_id="E1", action="test", summary="s", outcome=AuditOutcome.PENDING, **fields
        )

    def test_a_pending_entry_is_completed_once(self):
        entry = self.pending()
        assert AuditEntry.objects.complete(entry.pk, AuditOutcome.PUSHED, etag_after="E2") == 1
        assert AuditEntry.objects.complete(entry.pk, AuditOutcome.ERROR, error_code="X") == 0
        entry.refresh_from_db()
        assert (entry.outcome, entry.etag_after, entry.error_code) == (AuditOutcome.PUSHED, "E2", "")

    @pytest.mark.parametrize(
        "outcome, fields",
        [
            (AuditOutcome.PENDING, {}),
            (AuditOutcome.PUSHED, {"summary": "rewritten"}),
            (AuditOutcome.PUSHED, {"config_after": {}}),
            (AuditOutcome.PUSHED, {"username": "mallory"}),
        ],
    )
    def test_completing_changes_only_the_outcome_and_cloudfronts_answer(self, outcome, fields):
        entry = self.pending()
        with pytest.raises(PermissionError):
            AuditEntry.objects.complete(entry.pk, outcome, **fields)

    def test_a_completed_entry_stays_append_only(self):
        entry = self.pending()
        AuditEntry.objects.complete(entry.pk, AuditOutcome.PUSHED)
        entry.refresh_from_db()
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
        with pytest.raises(PermissionError):
            entry.delete()


@pytest.mark.django_db
class TestSettle:
    """What a read concludes about a pending entry from what CloudFront holds."""

    @pytest.fixture
    def entry(self, static_site, simulator):
        snapshot = publish.begin_edit(static_site.id, simulator)
        _, edited, _ = publish.edit_viewer_protocol_policy(static_site.id, ["*"], "https-only", snapshot.etag)
        return recording.begin(
            {
                "username": "alice",
                "distribution_id": static_site.id,
                "action": "test",
                "summary": "s",
                "config_before": snapshot.config,
                "config_after": edited,
                "etag_before": snapshot.etag,
            }
        )

    @pytest.mark.parametrize(
        "held, age, outcome",
        [
            ("the change", timedelta(0), AuditOutcome.PUSHED),
            ("the change", recording.GRACE * 2, AuditOutcome.PUSHED),
            ("the change and a later one", timedelta(0), AuditOutcome.PUSHED),
            ("the version it started from", timedelta(0), AuditOutcome.PENDING),  # may still be on its way
            ("the version it started from", recording.GRACE * 2, AuditOutcome.ERROR),
            ("another change", timedelta(0), AuditOutcome.PENDING),
            ("another change", recording.GRACE * 2, AuditOutcome.UNCONFIRMED),
        ],
    )
    def test_verdicts(self, entry, held, age, outcome):
        config = dict(entry.config_before if held == "the version it started from" else entry.config_after)
        etag = entry.etag_before if held == "the version it started from" else "ENEWVERSION0001"
        if held == "another change":
            config = dict(entry.config_before, Comment="someone else's")
        if held == "the change and a later one":
            config["Comment"] = "a later change"
        recording.settle(entry.distribution_id, config, etag, now=entry.at + age)
        entry.refresh_from_db()
        assert entry.outcome == outcome
        if outcome == AuditOutcome.PUSHED:
            assert entry.etag_after == etag
        if outcome in (AuditOutcome.ERROR, AuditOutcome.UNCONFIRMED):
            assert entry.error_message and entry.etag_after == ""


# --- a process killed after CloudFront said yes --------------------------------------------------------------

PUSH_SCRIPT = r"""
import time
from distributions import pipeline, publish
from distributions.sandbox.simulator import SimulatorBackend

class AcceptThenStop(SimulatorBackend):
    # CloudFront applies the change; the process is then killed before its answer is recorded.
    def update_distribution(self, *args, **kwargs):
        answer = super().update_distribution(*args, **kwargs)
        print("accepted", flush=True)
        time.sleep(600)
        return answer

snapshot = publish.begin_edit("ID")
_, edited, summary = publish.edit_viewer_protocol_policy("ID", ["*"], "https-only", snapshot.etag)
pipeline.submit_reviewed(None, snapshot, edited, action="viewer-protocol-policy", summary=summary,
                         acknowledged=pipeline.ACKNOWLEDGE_ALL, backend=AcceptThenStop())
"""

REPORT_SCRIPT = r"""
import json
from distributions.models import AuditEntry, Distribution
from distributions.sandbox.models import SimulatedDistribution
row = SimulatedDistribution.objects.get(pk="ID")
print(json.dumps({
    "etag": row.etag, "policy": row.config["DefaultCacheBehavior"]["ViewerProtocolPolicy"],
    "mirror_etag": Distribution.objects.get(pk="ID").etag,
    "entries": [[e.outcome, e.etag_before, e.etag_after] for e in AuditEntry.objects.filter(distribution_id="ID")],
}))
"""


def database_url():
    """The test database as a URL that another process can open."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def shared_database(tmp_path, transactional_db):
    """Environment for other processes on a database this test can share with them: PostgreSQL's test
    database (committed, as the test is transactional), or a migrated SQLite file."""
    env = {
        **os.environ,
        "CONSOLE_BACKEND": "simulator",
        "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BASE_DIR),
    }
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = database_url()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'console.sqlite3'}"
        manage(env, "migrate", "--noinput", "-v0")
    return env


def manage(env, *args, stdin=None):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, input=stdin, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return (result.stdout.strip().splitlines() or [""])[-1]


def test_a_push_killed_after_cloudfront_accepted_it_is_recorded_by_the_recovery(shared_database, tmp_path):
    env = shared_database
    (tmp_path / "config.json").write_text(json.dumps({"DistributionConfig": distribution_config()}))
    distribution_id = manage(env, "import_distribution", str(tmp_path / "config.json")).split()[0]
    report = lambda: json.loads(manage(env, "shell", "-c", REPORT_SCRIPT.replace("ID", distribution_id)))  # noqa: E731
    start = report()

    push = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", PUSH_SCRIPT.replace("ID", distribution_id)],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for line in push.stdout:
            if line.strip() == "accepted":
                break
        else:
            pytest.fail(push.stderr.read()[-3000:])
        push.send_signal(signal.SIGKILL)
    finally:
        push.kill()
        push.wait(timeout=30)
        push.stdout.close()
        push.stderr.close()

    killed = report()
    assert killed["policy"] == "https-only" and killed["etag"] != start["etag"]  # CloudFront applied it
    assert killed["entries"] == [["pending", start["etag"], ""]]  # and the change has its entry, pending

    manage(env, "shell", "-c", "from distributions import tasks; tasks.settle_pending()")

    recovered = report()
    assert recovered["entries"] == [["pushed", start["etag"], killed["etag"]]]
    assert recovered["mirror_etag"] == killed["etag"]


def test_the_sweep_leaves_a_fresh_pending_push_alone(static_site, simulator):
    snapshot = publish.begin_edit(static_site.id, simulator)
    recording.begin(
        {
            "username": "alice",
            "distribution_id": static_site.id,
            "action": "test",
            "summary": "on its way",
            "config_before": snapshot.config,
            "config_after": dict(snapshot.config, Comment="on its way"),
            "etag_before": snapshot.etag,
        }
    )
    assert tasks.settle_pending(simulator) == 0
    assert AuditEntry.objects.get().outcome == AuditOutcome.PENDING
    assert AuditEntry.objects.get().at > timezone.now() - recording.GRACE
