"""Access keys: the create_access_key command, the keys page, and secrets encrypted at rest."""

import re

import pytest
from django.core.management import ManagementUtility, call_command
from django.test import Client
from django.urls import reverse

from distributions.api import crypto
from distributions.api.keys import create_access_key
from distributions.api.models import AccessKey

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
KEY_ID = re.compile(r"AKIA[A-Z0-9]{16}")


class TestCreateAccessKeyCommand:
    def test_it_prints_the_two_variables_and_nothing_else(self, user, capsys):
        call_command("create_access_key", "alice")
        lines = capsys.readouterr().out.splitlines()
        assert [line.split("=", 1)[0] for line in lines] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        key_id, secret = (line.split("=", 1)[1] for line in lines)
        assert KEY_ID.fullmatch(key_id) and len(secret) == 40
        key = AccessKey.objects.get(pk=key_id)
        assert key.user == user and key.secret == secret
        assert secret not in key.secret_encrypted

    def test_an_unknown_user_is_one_line_on_stderr_and_exit_1(self, db, capsys):
        with pytest.raises(SystemExit) as exited:
            ManagementUtility(["manage.py", "create_access_key", "nobody"]).execute()
        captured = capsys.readouterr()
        assert exited.value.code == 1
        assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
        assert "nobody" in captured.err


class TestSecretsAtRest:
    def test_a_secret_survives_a_secret_key_rotation_listed_in_fallbacks(self, user, settings):
        key, secret = create_access_key(user)
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-new-secret-key"
        assert AccessKey.objects.get(pk=key.pk).secret == secret

    def test_without_the_old_secret_key_the_secret_is_gone(self, user, settings):
        key, _ = create_access_key(user)
        settings.SECRET_KEY = "a-new-secret-key"
        assert AccessKey.objects.get(pk=key.pk).secret is None
        assert crypto.decrypt("not a token") is None


class TestKeysPage:
    def test_it_lists_only_the_users_own_keys(self, signed_in, user):
        own, _ = create_access_key(user)
        theirs, _ = create_access_key(UserFactory(username="bob"))
        page = signed_in.get(reverse("sandbox_api:key_list")).content.decode()
        assert own.access_key_id in page and theirs.access_key_id not in page
        assert 'href="/sandbox-api/keys/"' in page  # the side navigation links to it

    def test_a_new_secret_is_shown_once(self, signed_in, user):
        response = signed_in.post(reverse("sandbox_api:key_create"))
        assert response.status_code == 302 and response.url == reverse("sandbox_api:key_list")
        key = AccessKey.objects.get(user=user)
        shown = signed_in.get(response.url)
        assert f"AWS_SECRET_ACCESS_KEY={key.secret}" in shown.content.decode()
        assert "no-store" in shown["Cache-Control"]
        assert key.secret not in signed_in.get(response.url).content.decode()

    def test_revoking_a_key(self, signed_in, user):
        key, _ = create_access_key(user)
        response = signed_in.post(reverse("sandbox_api:key_revoke", args=[key.access_key_id]))
        assert response.status_code == 302
        assert AccessKey.objects.get(pk=key.pk).revoked_at is not None
        assert "Revoked" in signed_in.get(response.url).content.decode()

    def test_another_users_key_cannot_be_revoked(self, signed_in):
        theirs, _ = create_access_key(UserFactory(username="bob"))
        assert signed_in.post(reverse("sandbox_api:key_revoke", args=[theirs.access_key_id])).status_code == 404
        assert AccessKey.objects.get(pk=theirs.pk).revoked_at is None

    def test_it_rejects_get_on_actions_and_posts_without_csrf(self, user):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.get(reverse("sandbox_api:key_create")).status_code == 405
        assert client.post(reverse("sandbox_api:key_create")).status_code == 403
        assert not AccessKey.objects.exists()

    def test_it_requires_sign_in(self, client):
        response = client.get(reverse("sandbox_api:key_list"))
        assert response.status_code == 302 and "/login/" in response.url

    def test_it_is_not_there_outside_sandbox_mode(self, signed_in, settings):
        settings.CONSOLE_BACKEND = "aws"
        assert signed_in.get(reverse("sandbox_api:key_list")).status_code == 404
        assert signed_in.post(reverse("sandbox_api:key_create")).status_code == 404
