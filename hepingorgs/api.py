"""The public read-only API, version 1 (``/api/v1/``), and its OpenAPI schema.

Registering a public resource is one line here: a ``PublicReadOnlyViewSet`` subclass
(``hepingorgs.opendata``) under its English plural name. ``/downloads/`` serves every
resource registered here as CSV and JSON, and the schema documents them.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import permissions, renderers
from rest_framework.routers import APIRootView, DefaultRouter

from hepingorgs.opendata import PublicThrottle
from projects.api import ProjectViewSet
from registry.api import OrganizationViewSet, PublicCommunityGroupViewSet


class PublicAPIRootView(APIRootView):
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (PublicThrottle,)
    renderer_classes = (renderers.JSONRenderer,)  # as every public resource (opendata)


class PublicRouter(DefaultRouter):
    APIRootView = PublicAPIRootView


router = PublicRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("community-groups", PublicCommunityGroupViewSet, basename="community-group")
router.register("projects", ProjectViewSet, basename="project")


def public_resources():
    """(name, viewset class) of every registered public resource, in registration order."""
    return [(prefix, viewset) for prefix, viewset, _basename in router.registry]


schema_patterns = [path("api/v1/", include((router.urls, "api-v1")))]

urlpatterns = [
    *schema_patterns,
    path(
        "api/schema/",
        SpectacularAPIView.as_view(patterns=schema_patterns),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]
