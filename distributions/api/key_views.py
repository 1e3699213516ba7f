"""The signed-in user's access keys for the sandbox API: create (the secret shown once), list, revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST, require_safe

from . import keys
from .models import AccessKey
from .views import require_sandbox

NEW_KEY = "sandbox_api_new_key"  # session key holding a new pair until the list page has shown it once


@require_safe
def key_list(request):
    """The user's keys, and a key pair just created (its secret is never shown again)."""
    require_sandbox()
    new_key = request.session.pop(NEW_KEY, None)
    context = {
        "keys": AccessKey.objects.filter(user=request.user),
        "new_key": new_key,
        "endpoint_url": request.build_absolute_uri(reverse("sandbox_api:root")).rstrip("/"),
    }
    response = render(request, "sandbox_api/access_keys.html", context)
    add_never_cache_headers(response)
    return response


@require_POST
def key_create(request):
    require_sandbox()
    key, secret = keys.create_access_key(request.user)
    request.session[NEW_KEY] = {"access_key_id": key.access_key_id, "secret": secret}
    return redirect("sandbox_api:key_list")


@require_POST
def key_revoke(request, access_key_id):
    """Revoke one of the user's own keys (another user's key is a 404)."""
    require_sandbox()
    key = get_object_or_404(AccessKey, pk=access_key_id, user=request.user)
    key.revoke()
    messages.success(request, f"Access key {key.access_key_id} is revoked: requests signed with it are refused.")
    return redirect("sandbox_api:key_list")
