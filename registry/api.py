"""Internal REST API of the filing workspace (session login; clerks and district staff).

Read-only: filings change through the workspace's forms and workflow. Rows come through
``access.filings_for`` and the list's own filter set, so the API can show no more than
the HTML list does; a filing of another street answers 404.
"""

from rest_framework import permissions, serializers, viewsets

from hepingorgs import access
from registry.filters import CommunityGroupFilter
from registry.forms import CommunityGroupForm
from registry.models import CommunityGroup


class CanUseFilings(permissions.BasePermission):
    def has_permission(self, request, view):
        return access.can_use_filings(request.user)


class CommunityGroupSerializer(serializers.ModelSerializer):
    street = serializers.CharField(source="street.name")
    community = serializers.CharField(source="community.name")
    category = serializers.CharField(source="category.name", default=None)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = CommunityGroup
        fields = [
            "id",
            "filing_number",
            "filed_on",
            "status",
            "status_display",
            "street",
            *CommunityGroupForm.Meta.fields,
            "version",
            "updated_at",
        ]


class CommunityGroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommunityGroupSerializer
    permission_classes = [permissions.IsAuthenticated, CanUseFilings]
    filterset_class = CommunityGroupFilter

    def get_queryset(self):
        return access.filings_for(
            self.request.user,
            CommunityGroup.objects.select_related("street", "community", "category"),
        )
