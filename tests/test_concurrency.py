"""Concurrent Yes, Edit over real HTTP: every submission is applied or reported as a conflict.

The issue: "50 concurrent Yes, Edit submissions on different behaviors of one
distribution, over real HTTP on PostgreSQL, each end either applied or reported
to its user as a conflict; none is lost and none silently overwrites another."

Design
------
- One distribution at CloudFront's quota: 25 cache behaviors plus the default,
  26 behaviors in all, every one starting at ``allow-all``. A distribution
  cannot hold 50 behaviors, so the 50 submissions go round the 26 behaviors:
  submission ``i`` edits behavior ``i % 26``; the first 26 set
  ``redirect-to-https`` and the last 24 set ``https-only``, so behaviors 0–23
  are the target of two submissions each, with *different* policies (a later
  applied submission must visibly replace an earlier one, never the reverse).
- 50 users, each signed in with its own session (``force_login``'s cookie
  copied into its own HTTP client), each GETs the edit page, and once all 50
  hold the same ETag they all POST Yes, Edit at once (a barrier).
- Round 1: with one ETag, exactly one push can win. Every response must be a
  302 to the Behaviors tab or the 409 conflict page; no 5xx; exactly one 302;
  the stored config is the initial one with the winner's change and nothing
  else.
- Round 2: every conflicted user follows the conflict page's "Start again" link
  (a fresh GET, a new ETag) and posts again, until all 50 are applied. Then the
  history of pushes must be one linear chain of ETags (each push began from
  the ETag the previous one produced: nothing forked, nothing overwritten), and
  the stored config is exactly the fold of the 50 changes in that order.

PostgreSQL runs the 50-client test through pytest-django's ``live_server``
(a threaded server, one database connection per request). On SQLite that
fixture shares the test's single in-memory connection between all server
threads, so concurrent requests would interleave inside one transaction: a
harness artefact, not how the console runs. The SQLite variant therefore runs
the console as it is deployed on SQLite (``make serve``: gunicorn, here with 3
workers × 4 threads) on a file database in a temporary folder, with 10 clients.
"""

import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from distributions.cloudfront import config as cfg
from distributions.models import AuditEntry, AuditOutcome, CacheBehavior, Distribution
from distributions.sandbox.models import SimulatedDistribution

from .factories import OriginFactory, UserFactory, distribution_config
from .support import CONFIRMATIONS, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
CONFLICT_TEXT = "The distribution changed while you were editing"
BEHAVIORS = 25  # CloudFront's quota of cache behaviors besides the default
TIMEOUT = 60.0


def quota_config():
    """25 cache behaviors (+ the default) on 2 origins, every one allowing HTTP."""
    origins = [OriginFactory(Id="origin-main"), OriginFactory(Id="origin-api")]
    behaviors = [(f"/section{n:02d}/*", "allow-all") for n in range(BEHAVIORS)]
    config = distribution_config(behaviors, origins=origins, comment="concurrency")
    for n, item in enumerate(config["CacheBehaviors"]["Items"]):
        item["TargetOriginId"] = origins[n % 2]["Id"]
    return config


def submissions(config, count):
    """``count`` (path pattern, policy) edits round the distribution's behaviors (see the module doc)."""
    patterns = [b.path_pattern for b in cfg.behaviors(config)]
    return [
        (patterns[i % len(patterns)], "redirect-to-https" if i < len(patterns) else "https-only") for i in range(count)
    ]


def field(body, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert match, f"no {name} field in the page"
    return html.unescape(match.group(1))


class Editor:
    """One signed-in person with a browser-like HTTP client (own cookies, no redirects followed)."""

    def __init__(self, base_url, session_cookie, pattern, policy):
        # Plain HTTP only: verify=False spares building a TLS context per client (≈ 50 ms each).
        self.http = httpx.Client(
            base_url=base_url, cookies={"sessionid": session_cookie}, timeout=TIMEOUT, verify=False
        )
        self.pattern, self.policy = pattern, policy
        self.etag = self.csrf = None

    def open_edit_page(self, distribution_id, url=None):
        """GET the edit page (Edit on the Behaviors tab, or a conflict page's Start again link): a fresh ETag."""
        if url is None:
            url = reverse("distributions:behavior_edit", args=[distribution_id])
            response = self.http.get(url, params={"behavior": self.pattern, "policy": self.policy})
        else:
            response = self.http.get(url)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        body = response.text
        self.etag, self.csrf = field(body, "etag"), field(body, "csrfmiddlewaretoken")
        return self.etag

    def yes_edit(self, distribution_id):
        return self.http.post(
            reverse("distributions:behavior_edit", args=[distribution_id]),
            data={
                "csrfmiddlewaretoken": self.csrf,
                "etag": self.etag,
                "behavior": self.pattern,
                "policy": self.policy,
                **CONFIRMATIONS,
            },
        )

    def close(self):
        self.http.close()


def outcome(response, distribution_id):
    """'applied' (302 to the Behaviors tab) or 'conflict' (the 409 page); anything else fails the test."""
    assert response.status_code < 500, f"server error {response.status_code}: {response.text[:2000]}"
    if response.status_code == 302:
        assert response.headers["location"] == reverse("distributions:distribution_behaviors", args=[distribution_id])
        return "applied"
    assert response.status_code == 409, f"neither applied nor a conflict: {response.status_code} {response.text[:2000]}"
    assert CONFLICT_TEXT in response.text
    return "conflict"


def restart_link(response, editor):
    """The conflict page's Start again link; it must bring back this user's own choice."""
    match = re.search(r'href="([^"]+)">Start again from the current configuration', response.text)
    assert match, "the conflict page has no Start again link"
    url = html.unescape(match.group(1))
    query = httpx.URL(url).params
    assert (query.get_list("behavior"), query.get("policy")) == ([editor.pattern], editor.policy)
    return url


def race(editors, distribution_id):
    """Every editor opens the edit page; once all hold an ETag they all press Yes, Edit at once."""
    barrier = threading.Barrier(len(editors), timeout=TIMEOUT)

    def one(editor):
        editor.open_edit_page(distribution_id)
        barrier.wait()
        return editor.yes_edit(distribution_id)

    with ThreadPoolExecutor(max_workers=len(editors)) as pool:
        return list(pool.map(one, editors))


def expected_after(config, edits):
    for pattern, policy in edits:
        config = cfg.set_viewer_protocol_policy(config, [pattern], policy)
    return config


def push_chain(pushes, first_etag):
    """Order pushes by ETag lineage; fails unless they form one unbroken chain from ``first_etag``."""
    by_before = {}
    for push in pushes:
        assert push["etag_before"] not in by_before, f"two pushes were applied on top of ETag {push['etag_before']}"
        by_before[push["etag_before"]] = push
    chain, etag = [], first_etag
    while etag in by_before:
        chain.append(by_before.pop(etag))
        etag = chain[-1]["etag_after"]
    assert not by_before, f"pushes outside the chain: {list(by_before)}"
    return chain, etag


def check_round_one(responses, edits, initial, initial_etag, final, final_etag):
    """Exactly one winner; the stored config is the initial one with its change and nothing else."""
    outcomes = [outcome(*r) for r in responses]
    winners = [i for i, o in enumerate(outcomes) if o == "applied"]
    assert len(winners) == 1, f"{len(winners)} submissions were applied from one ETag: {winners}"
    assert outcomes.count("conflict") == len(edits) - 1
    assert final == expected_after(initial, [edits[winners[0]]])
    assert final_etag != initial_etag
    # Each conflict page shows the losing user what the winner changed meanwhile, in words, without ETags.
    ((changed_path, _, _),) = cfg.diff(initial, final)
    for (response, _), result in zip(responses, outcomes, strict=False):
        if result == "conflict":
            assert changed_path in response.text and "changed by someone else" in response.text
    return winners[0]


def check_final(edits, pushes, initial, initial_etag, final, final_etag):
    """All edits applied, each once, as one chain of versions; the config is their fold in chain order."""
    chain, last_etag = push_chain(pushes, initial_etag)
    assert last_etag == final_etag
    assert len(chain) == len(edits)
    applied = [(p["pattern"], p["policy"]) for p in chain]
    assert sorted(applied) == sorted(edits), "an edit was lost or applied twice"
    assert final == expected_after(initial, applied)
    # Nothing but Viewer Protocol Policy changed, and every behavior holds the last applied policy.
    last = dict(applied)
    assert {b.path_pattern: b.viewer_protocol_policy for b in cfg.behaviors(final)} == {
        b.path_pattern: last.get(b.path_pattern, "allow-all") for b in cfg.behaviors(initial)
    }


# PostgreSQL: 50 clients through live_server.


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="50 concurrent pushes need a server database: set DATABASE_URL=postgres://… "
    "(on SQLite, live_server shares one in-memory connection between its threads; see the SQLite variant)",
)
def test_fifty_concurrent_yes_edits_are_each_applied_or_a_conflict_on_postgresql(live_server, make_distribution):
    assert connection.vendor == "postgresql"
    clients = 50
    initial = quota_config()
    distribution = make_distribution(
        initial["CacheBehaviors"]["Items"], origins=initial["Origins"]["Items"], comment="concurrency"
    )
    stored = SimulatedDistribution.objects.get(pk=distribution.id)
    initial, initial_etag = stored.config, stored.etag
    assert len(cfg.behaviors(initial)) == BEHAVIORS + 1
    edits = submissions(initial, clients)

    editors = []
    for n, (pattern, policy) in enumerate(edits):
        django_client = Client()
        django_client.force_login(UserFactory(username=f"editor{n:02d}"))
        editors.append(Editor(live_server.url, django_client.cookies["sessionid"].value, pattern, policy))
    try:
        # Round 1: all begin from the same ETag and press Yes, Edit together.
        responses = race(editors, distribution.id)
        assert {e.etag for e in editors} == {initial_etag}
        stored.refresh_from_db()
        winner = check_round_one(
            [(r, distribution.id) for r in responses], edits, initial, initial_etag, stored.config, stored.etag
        )
        assert AuditEntry.objects.filter(outcome=AuditOutcome.PUSHED).count() == 1
        assert AuditEntry.objects.filter(outcome=AuditOutcome.CONFLICT).count() == clients - 1

        # Round 2: each conflicted user starts again from the conflict page's link (one after the
        # other: 49 more concurrent rounds would take minutes and prove round 1 again each time).
        for n, response in enumerate(responses):
            if n == winner:
                continue
            editor = editors[n]
            assert editor.open_edit_page(distribution.id, restart_link(response, editor)) != initial_etag
            assert outcome(editor.yes_edit(distribution.id), distribution.id) == "applied"
    finally:
        for editor in editors:
            editor.close()

    stored.refresh_from_db()
    entries = AuditEntry.objects.filter(outcome=AuditOutcome.PUSHED).values("etag_before", "etag_after", "changes")
    pushes = applied_edits(entries, initial)
    check_final(edits, pushes, initial, initial_etag, stored.config, stored.etag)
    # The mirror (list page, fleet questions) agrees with the backend.
    mirror = Distribution.objects.get(pk=distribution.id)
    assert mirror.etag == stored.etag
    assert dict(
        CacheBehavior.objects.filter(distribution=mirror).values_list("path_pattern", "viewer_protocol_policy")
    ) == {b.path_pattern: b.viewer_protocol_policy for b in cfg.behaviors(stored.config)}


def applied_edits(entries, initial):
    """The audit trail's pushes as (ETags, path pattern, policy); each must have changed exactly one policy."""
    pushes = []
    for entry in entries:
        assert len(entry["changes"]) == 1, entry
        path, _, policy = entry["changes"][0]
        assert path.endswith(".ViewerProtocolPolicy"), path
        pushes.append({**entry, "pattern": behavior_at(initial, path), "policy": policy})
    return pushes


def behavior_at(config, path):
    """The path pattern named by a diff path such as ``CacheBehaviors.Items[3].ViewerProtocolPolicy``."""
    if path.startswith("DefaultCacheBehavior."):
        return "*"
    index = int(re.match(r"CacheBehaviors\.Items\[(\d+)\]\.", path).group(1))
    return config["CacheBehaviors"]["Items"][index]["PathPattern"]


# SQLite: 10 clients against gunicorn on a file database.

SETUP_SCRIPT = r"""
import json, sys
from django.test import Client
from django.contrib.auth import get_user_model
from distributions import mirror, publish
from distributions.sandbox.models import SimulatedDistribution
row_config = lambda pk: SimulatedDistribution.objects.get(pk=pk).config
row_etag = lambda pk: SimulatedDistribution.objects.get(pk=pk).etag
config = json.loads(sys.stdin.read())
row = publish.import_distribution(config)
row = mirror.sync_distribution(row.id)
sessions = []
for n in range(int(sys.argv[1])):
    user = get_user_model().objects.create_user(f"editor{n:02d}", password=None)
    client = Client()
    client.force_login(user)
    sessions.append(client.cookies["sessionid"].value)
print(json.dumps({"id": row.id, "sessions": sessions, "config": row_config(row.id), "etag": row_etag(row.id)}))
"""

REPORT_SCRIPT = r"""
import json
from distributions.models import AuditEntry, AuditOutcome, CacheBehavior, Distribution
from distributions.sandbox.models import SimulatedDistribution
row = SimulatedDistribution.objects.get()
mirror = Distribution.objects.get(pk=row.pk)
print(json.dumps({
    "config": row.config, "etag": row.etag, "mirror_etag": mirror.etag,
    "mirror_policies": dict(CacheBehavior.objects.filter(distribution=mirror).values_list("path_pattern", "viewer_protocol_policy")),
    "pushes": [{"etag_before": e.etag_before, "etag_after": e.etag_after, "changes": e.changes}
               for e in AuditEntry.objects.filter(outcome=AuditOutcome.PUSHED)],
    "conflicts": AuditEntry.objects.filter(outcome=AuditOutcome.CONFLICT).count(),
}))
"""


def manage(env, *args, stdin=None):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return (result.stdout.strip().splitlines() or [""])[-1]  # a script's JSON comes after the shell's banner


@pytest.fixture
def sqlite_console(tmp_path):
    """The console served as on a SQLite install: gunicorn workers sharing one database file."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}",
        "CONSOLE_BACKEND": "simulator",
        "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "0",
        "DJANGO_DEBUG": "true",  # session cookies without Secure, so they travel over plain HTTP
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    manage(env, "migrate", "--noinput", "-v0")
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed when the server stops)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "console.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", env, tmp_path / "gunicorn.log"
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_concurrent_yes_edits_on_sqlite_are_each_applied_or_a_conflict(sqlite_console):
    base_url, env, server_log = sqlite_console
    clients = 10
    initial = quota_config()
    made = json.loads(
        manage(env, "shell", "-c", SETUP_SCRIPT.replace("sys.argv[1]", str(clients)), stdin=json.dumps(initial))
    )
    distribution_id, initial, initial_etag = made["id"], made["config"], made["etag"]
    edits = submissions(initial, clients)
    editors = [Editor(base_url, session, *edit) for session, edit in zip(made["sessions"], edits, strict=False)]
    try:
        responses = race(editors, distribution_id)
        assert {e.etag for e in editors} == {initial_etag}
        middle = json.loads(manage(env, "shell", "-c", REPORT_SCRIPT))
        winner = check_round_one(
            [(r, distribution_id) for r in responses], edits, initial, initial_etag, middle["config"], middle["etag"]
        )
        assert (len(middle["pushes"]), middle["conflicts"]) == (1, clients - 1)
        for n, response in enumerate(responses):
            if n != winner:
                editors[n].open_edit_page(distribution_id, restart_link(response, editors[n]))
                assert outcome(editors[n].yes_edit(distribution_id), distribution_id) == "applied"
    finally:
        for editor in editors:
            editor.close()
    after = json.loads(manage(env, "shell", "-c", REPORT_SCRIPT))
    pushes = applied_edits(after["pushes"], initial)
    check_final(edits, pushes, initial, initial_etag, after["config"], after["etag"])
    assert after["mirror_etag"] == after["etag"]
    assert after["mirror_policies"] == {
        b.path_pattern: b.viewer_protocol_policy for b in cfg.behaviors(after["config"])
    }
    assert "Traceback" not in server_log.read_text()
