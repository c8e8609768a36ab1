"""A throwaway URLconf that mounts the projects API the way the integrator will (as
``projects`` under ``/api/v1/``), for the API tests; the project's own URLconf is the
other engineer's to extend."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from projects.api import ProjectViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="api-project")

urlpatterns = [path("api/v1/", include(router.urls))]
