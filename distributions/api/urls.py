"""Mounted at ``sandbox-api/``: the access keys page, and every other path is the CloudFront API."""

from django.urls import path

from . import key_views, views

app_name = "sandbox_api"

urlpatterns = [
    path("keys/", key_views.key_list, name="key_list"),
    path("keys/create/", key_views.key_create, name="key_create"),
    path("keys/<str:access_key_id>/revoke/", key_views.key_revoke, name="key_revoke"),
    path("", views.endpoint, name="root"),
    path("<path:rest>", views.endpoint, name="endpoint"),
]
