"""Load scenario for ``bench/console/run.py``: people browsing the console and editing behaviors.

Every simulated user takes one of the sessions the driver signed in through the
login page (``BENCH_SESSIONS``, a JSON list of cookie dicts). The console runs
with ``DJANGO_DEBUG=false``, so its cookies are marked ``Secure``, and an HTTP
client keeps them to itself over plain HTTP. This user therefore keeps its own
cookie dict, updated from every response's ``Set-Cookie``, and sends it as an
explicit ``Cookie`` header on every request.

On start, each user loads the list page and, as a browser with an empty cache does,
the style sheets and scripts it names (served by whitenoise inside gunicorn, with
far-future caching, so a browser fetches them once).

Tasks (weights): distribution list 4 (a page, a search or a later page),
Behaviors tab 3, General tab 2, Yes, Edit 1 (GET the edit page, POST, follow
the 302). A POST answered 409 is the conflict page (someone else edited that
distribution between this user's GET and POST): an expected outcome, counted
as such and not a failure. Status codes of every request go to
``BENCH_STATUS_FILE`` when locust quits.
"""

import collections
import itertools
import json
import os
import pathlib
import random
import re
import threading
import time

from locust import HttpUser, between, events, task

SESSIONS = json.loads(pathlib.Path(os.environ["BENCH_SESSIONS"]).read_text())
FLEET = json.loads(pathlib.Path(os.environ["BENCH_FLEET"]).read_text())  # [{"id": ..., "behaviors": [...]}, ...]
THINK = [float(x) for x in os.environ.get("BENCH_THINK", "0.5,1.5").split(",")]
POLICIES = ["allow-all", "redirect-to-https", "https-only"]
CONFIRMATIONS = {"confirm_path_patterns": "on", "confirm_order": "on", "confirm_origins": "on"}

_next_session = itertools.cycle(SESSIONS).__next__
_lock = threading.Lock()
STATUS = collections.Counter()
OUTCOMES = collections.Counter()
PAGE_MS = []  # [seconds since the first request, ms] of every request but the static files: the p95
_STARTED = []
STATIC = "static file (first visit)"


@events.request.add_listener
def _count(request_type, name, response, exception, **kwargs):
    code = getattr(response, "status_code", None) or 0
    STATUS[f"{request_type} {name} {code}"] += 1
    if name != STATIC:
        now = time.monotonic()
        if not _STARTED:
            _STARTED.append(now)
        PAGE_MS.append([round(now - _STARTED[0], 3), kwargs.get("response_time") or 0])


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["BENCH_STATUS_FILE"], "w") as out:
        json.dump({"status": STATUS, "outcomes": OUTCOMES, "page_ms": PAGE_MS}, out)


def _field(body, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', body)
    return match.group(1) if match else None


class ConsoleUser(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        with _lock:
            self.jar = dict(_next_session())
        page = self._send("GET", "/distributions/", "/distributions/")
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
            self._send("GET", asset, STATIC)

    def _send(self, method, url, name, **kwargs):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, url, name=name, headers=headers, catch_response=True, **kwargs) as response:
            for key, value in response.cookies.items():
                if value:
                    self.jar[key] = value
                else:
                    self.jar.pop(key, None)
            self.client.cookies.clear()  # the explicit header is the only source of cookies
            if response.status_code >= 500 or (response.status_code >= 400 and response.status_code != 409):
                response.failure(f"HTTP {response.status_code}")
            elif response.status_code == 302 and "/login/" in response.headers.get("Location", ""):
                response.failure("signed out (302 to the login page)")
            else:
                response.success()
            return response

    @task(4)
    def distribution_list(self):
        roll = random.random()
        if roll < 0.6:
            self._send("GET", "/distributions/", "/distributions/")
        elif roll < 0.8:
            self._send("GET", "/distributions/?page=2", "/distributions/?page=N")
        else:
            self._send("GET", f"/distributions/?q={random.choice(FLEET)['id'][:6]}", "/distributions/?q=…")

    @task(3)
    def behaviors_tab(self):
        self._send("GET", f"/distributions/{random.choice(FLEET)['id']}/behaviors/", "/distributions/[id]/behaviors/")

    @task(2)
    def general_tab(self):
        self._send("GET", f"/distributions/{random.choice(FLEET)['id']}/", "/distributions/[id]/")

    @task(1)
    def yes_edit(self):
        distribution = random.choice(FLEET)
        url = f"/distributions/{distribution['id']}/behaviors/edit/"
        pattern = random.choice(distribution["behaviors"])
        page = self._send("GET", url, "/distributions/[id]/behaviors/edit/ GET", params={"behavior": pattern})
        etag, token = _field(page.text, "etag"), _field(page.text, "csrfmiddlewaretoken")
        if page.status_code != 200 or not etag or not token:
            OUTCOMES["edit page unusable"] += 1
            return
        answer = self._send(
            "POST",
            url,
            "/distributions/[id]/behaviors/edit/ POST",
            data={
                "csrfmiddlewaretoken": token,
                "etag": etag,
                "behavior": pattern,
                "policy": random.choice(POLICIES),
                **CONFIRMATIONS,
            },
        )
        if answer.status_code == 302:
            OUTCOMES["applied"] += 1
            self._send("GET", answer.headers["Location"], "/distributions/[id]/behaviors/ (after Yes, Edit)")
        elif answer.status_code == 409:
            OUTCOMES["conflict"] += 1
        elif answer.status_code == 200:
            OUTCOMES["form shown again (200)"] += 1
        else:
            OUTCOMES[f"other {answer.status_code}"] += 1
