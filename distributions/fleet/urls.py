from django.urls import path

from . import views

app_name = "fleet"

urlpatterns = [
    path("", views.posture, name="posture"),
    path("plans/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/apply/", views.plan_apply, name="plan_apply"),
]
