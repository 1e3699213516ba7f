from django.urls import path, register_converter
from django.views.generic import RedirectView

from . import behavior_views, change_views, list_views, settings_views, staff_views, views
from .sandbox import views as sandbox_views


class DistributionIdConverter:
    """CloudFront distribution IDs are letters and digits; anything else is a 404 before any lookup."""

    regex = "[A-Za-z0-9]{1,32}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(DistributionIdConverter, "distribution_id")

app_name = "distributions"

urlpatterns = [
    path("", list_views.distribution_list, name="distribution_list"),
    path("refresh/", views.distribution_refresh, name="distribution_refresh"),
    path("test-request/", sandbox_views.request_test, name="request_test"),
    path("certificates/create/", settings_views.certificate_create, name="certificate_create"),
    path("sandbox/reset/", sandbox_views.sandbox_reset, name="sandbox_reset"),
    # Before the distribution routes: "activity" would otherwise read as a distribution ID.
    path("activity/", staff_views.activity, name="activity"),
    # The old address, without the trailing slash, still works.
    path("activity", RedirectView.as_view(pattern_name="distributions:activity", query_string=True, permanent=True)),
    path("<distribution_id:distribution_id>/", views.distribution_general, name="distribution_general"),
    path("<distribution_id:distribution_id>/origins/", views.distribution_origins, name="distribution_origins"),
    path("<distribution_id:distribution_id>/behaviors/", views.distribution_behaviors, name="distribution_behaviors"),
    path("<distribution_id:distribution_id>/behaviors/edit/", behavior_views.behavior_edit, name="behavior_edit"),
    path("<distribution_id:distribution_id>/behaviors/order/", change_views.behavior_order, name="behavior_order"),
    # The origin ID travels in the query string (?origin=…): CloudFront allows "/", spaces and any
    # Unicode in it, which no path converter holds. The old address, with the ID in the path, redirects.
    path("<distribution_id:distribution_id>/origins/edit/", change_views.origin_edit, name="origin_edit"),
    path(
        "<distribution_id:distribution_id>/origins/<path:origin_id>/edit/",
        change_views.origin_edit_old_address,
        name="origin_edit_old_address",
    ),
    path(
        "<distribution_id:distribution_id>/invalidations/",
        change_views.distribution_invalidations,
        name="distribution_invalidations",
    ),
    path(
        "<distribution_id:distribution_id>/settings/edit/",
        settings_views.distribution_settings_edit,
        name="distribution_settings_edit",
    ),
    path("<distribution_id:distribution_id>/usage/", sandbox_views.distribution_usage, name="distribution_usage"),
    path("<distribution_id:distribution_id>/status/", views.distribution_status, name="distribution_status"),
    path("<distribution_id:distribution_id>/history/", staff_views.distribution_history, name="distribution_history"),
    path(
        "<distribution_id:distribution_id>/history/<int:entry_id>/restore/",
        staff_views.history_restore,
        name="history_restore",
    ),
    path(
        "<distribution_id:distribution_id>/history/<int:entry_id>/revert/",
        staff_views.history_revert,
        name="history_revert",
    ),
    path("change-requests/", staff_views.change_request_list, name="change_request_list"),
    path("change-requests/<int:pk>/", staff_views.change_request_detail, name="change_request_detail"),
    path("change-requests/<int:pk>/decide/", staff_views.change_request_decide, name="change_request_decide"),
]
