from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from rest_framework.routers import DefaultRouter

from hepingorgs import downloads
from hepingorgs import views as site_views
from hepingorgs.health import healthz
from registry.api import CommunityGroupViewSet
from registry.urls import staff_import_urls

router = DefaultRouter()
router.register("filings", CommunityGroupViewSet, basename="api-filing")

urlpatterns = [
    path("", site_views.home, name="home"),
    path("stats/", site_views.stats, name="stats"),
    path("annual-stats/", site_views.annual_workbook, name="annual_workbook"),
    path("admin/", admin.site.urls),
    path("accounts/login/", site_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("filings/", include("registry.urls")),
    path("projects/", include("projects.urls")),
    path("incubator/", include("incubator.urls")),
    path("applications/", include("registry.urls_applications")),
    path("notices/", include("registry.urls_notices")),
    # The language switch in every page's footer. Without CSRF: choosing a language is
    # not worth forging, and a token would keep the public pages from being cached
    # (hepingorgs.opendata.cached_for_the_public).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("registry.urls_directory")),
    path("downloads/", include((downloads.urlpatterns, "downloads"))),
    path("", include("hepingorgs.api")),
    path("api/", include(router.urls)),
    path("imports/", include(staff_import_urls)),
    path("healthz", healthz, name="healthz"),
]

handler404 = site_views.page_not_found
