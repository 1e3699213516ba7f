from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from distributions.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="distributions:distribution_list"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("distributions/", include("distributions.urls")),
    path("sandbox-api/", include("distributions.api.urls")),
]
