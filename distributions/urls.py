from django.urls import path

from . import views

app_name = "distributions"

urlpatterns = [
    path("", views.distribution_list, name="distribution_list"),
    path("<str:distribution_id>/", views.distribution_general, name="distribution_general"),
    path("<str:distribution_id>/origins/", views.distribution_origins, name="distribution_origins"),
    path("<str:distribution_id>/behaviors/", views.distribution_behaviors, name="distribution_behaviors"),
    path("<str:distribution_id>/behaviors/edit/", views.behavior_edit, name="behavior_edit"),
    path("<str:distribution_id>/status/", views.distribution_status, name="distribution_status"),
]
