"""Public, read-only, anonymous API of the venture projects: the same rows and the same
filter set (``q``, ``round``, ``year``, ``field``, ``street``, ``updated_since``) as the
public list at ``/projects/``. The integrator registers ``ProjectViewSet`` as
``projects`` under ``/api/v1/``.

Fields are listed explicitly, with English names: nothing private can slip in when the
model grows.
"""

from rest_framework import permissions, serializers, viewsets

from projects.filters import ProjectFilter
from projects.models import Project, public_projects


class ProjectSerializer(serializers.ModelSerializer):
    round = serializers.CharField(source="round.name")
    year = serializers.IntegerField(source="round.year")
    applicant = serializers.CharField(source="applicant_name")
    applicant_credit_code = serializers.SerializerMethodField()
    host = serializers.CharField(source="host.name", default=None)
    streets = serializers.SerializerMethodField()
    evaluation_grade = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "round",
            "year",
            "title",
            "applicant",
            "applicant_credit_code",
            "host",
            "field",
            "streets",
            "awarded",
            "paid",
            "status",
            "evaluation_grade",
            "updated_at",
        ]

    def get_applicant_credit_code(self, project) -> str | None:
        """The registered applicant's code; null for a filed community group."""
        org = project.applicant_organization
        return org.credit_code if org else None

    def get_streets(self, project) -> list[str]:
        return [street.name for street in project.streets.all()]

    def get_evaluation_grade(self, project) -> str | None:
        return project.grade or None


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProjectSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = ProjectFilter

    def get_queryset(self):
        return public_projects()
