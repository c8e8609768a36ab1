from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from rest_framework.routers import DefaultRouter

from hepingorgs.health import healthz
from registry.api import CommunityGroupViewSet

router = DefaultRouter()
router.register("filings", CommunityGroupViewSet, basename="api-filing")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="filings:list", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("filings/", include("registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(router.urls)),
    path("healthz", healthz, name="healthz"),
]
