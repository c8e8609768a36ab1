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


ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: detail for the request as a whole, or a list of messages "
    "for each parameter that was refused.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERROR_RESPONSES = {
    "400": "A parameter was refused: a NUL character, longer than allowed, or not one of "
    "its values. Each refused parameter names its messages.",
    "404": "No such row, or a page beyond the last.",
    "429": "Too many requests from this address; the Retry-After header says when to retry.",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation of the public API also
    answers 400, 404 and 429 with an ``Error`` body, and the schema says so (clients and
    the schemathesis test rely on every answer being documented)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


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
