"""Serving concerns: health, production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
class TestHealthz:
    def test_it_needs_no_login_and_reports_database_and_backend(self, client):
        response = client.get(reverse("healthz"))
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "backend": "simulator",
            "checks": {"database": "ok", "backend": "ok"},
        }

    def test_an_unreachable_backend_is_a_503(self, client, settings, monkeypatch):
        settings.CONSOLE_BACKEND = "aws"
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        from distributions.backends import aws

        monkeypatch.setattr(aws, "_session", None)
        response = client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json()["checks"]["backend"] == "error: NoCredentials"

    def test_it_rejects_post(self, client):
        assert client.post(reverse("healthz")).status_code == 405


def clean_environment():
    """This process's environment without what other tests set for themselves (the browser tests' async flag)."""
    return {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SECRET_KEY"}}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_environment(), **env},
    )


def test_check_deploy_with_production_settings_prints_no_warnings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-0123456789",
        DJANGO_ALLOWED_HOSTS="console.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", DJANGO_DEBUG="false", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("CONSOLE_BACKEND", "azure", "CONSOLE_BACKEND must be one of simulator, aws"),
        ("CONSOLE_SIMULATOR_DEPLOY_SECONDS", "soon", "must be a number of seconds"),
        ("CONSOLE_SIMULATOR_DEPLOY_SECONDS", "-1", "must not be negative"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be true or false"),
        ("DJANGO_LOG_LEVEL", "LOUD", "DJANGO_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_bad_settings_stop_start_up_with_a_message(tmp_path, name, value, message):
    result = manage("check", **{name: value, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_log_level_in_lower_case_is_accepted(tmp_path):
    result = manage("check", DJANGO_LOG_LEVEL="info", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
class TestSignInSecurity:
    def test_pages_carry_a_content_security_policy_without_unsafe_inline(self, signed_in):
        policy = signed_in.get(reverse("distributions:distribution_list"))["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    def test_repeated_wrong_passwords_lock_the_login(self, client, user):
        for _ in range(5):
            client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        locked = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery staple"})
        assert locked.status_code == 429
        assert b"Too many failed sign-in attempts" in locked.content
        assert "_auth_user_id" not in client.session

    def test_another_user_is_not_locked_by_them(self, client, user):
        from .factories import UserFactory

        UserFactory(username="bob", password="bobs long password")
        for _ in range(5):
            client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        response = client.post(reverse("login"), {"username": "bob", "password": "bobs long password"})
        assert response.status_code == 302

    def test_the_test_clients_login_still_works(self, client, user):
        assert client.login(username="alice", password="correct horse battery staple")
