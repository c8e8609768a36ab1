"""Public, read-only, anonymous API of the venture projects: the same rows and the same
filter set (``q``, ``round``, ``year``, ``field``, ``street``, ``updated_since``) as the
public list at ``/projects/``. ``hepingorgs.api`` registers ``ProjectViewSet`` as
``projects`` under ``/api/v1/``, so ``/downloads/`` and the schema cover it too.

Fields are listed explicitly, with English names: nothing private can slip in when the
model grows.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from hepingorgs.opendata import PublicListSerializer, PublicReadOnlyViewSet
from projects.filters import ProjectFilter
from projects.models import EvaluationGrade, Project, public_projects


class ProjectSerializer(serializers.ModelSerializer):
    # Fields listed one by one: public data only (no contacts, no people's names).
    round = serializers.CharField(source="round.name", label=_("round"))
    year = serializers.IntegerField(source="round.year", label=_("year"))
    applicant = serializers.CharField(source="applicant_name", label=_("applicant"))
    applicant_credit_code = serializers.SerializerMethodField(
        label=_("applicant's credit code"),
        help_text=_("The registered applicant's code; empty for a filed community group."),
    )
    host = serializers.CharField(source="host.name", default=None, label=_("host organization"))
    streets = serializers.SerializerMethodField(label=_("streets served"))
    evaluation_grade = serializers.SerializerMethodField(label=_("evaluation grade"))

    class Meta:
        list_serializer_class = PublicListSerializer
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

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_streets(self, project):
        return [street.name for street in project.streets.all()]

    @extend_schema_field(serializers.ChoiceField(choices=EvaluationGrade.choices, allow_null=True))
    def get_evaluation_grade(self, project):
        return project.grade or None


@extend_schema_view(
    list=extend_schema(
        summary=_("Public-benefit venture projects"),
        description=_(
            "Approved venture projects, with the same search (q) and filters as "
            "/projects/, newest round first unless sort says otherwise."
        ),
    ),
    retrieve=extend_schema(summary=_("One venture project, by id")),
)
class ProjectViewSet(PublicReadOnlyViewSet):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    download_title = _("public-benefit venture projects")

    def get_queryset(self):
        return public_projects()

    def download_queryset(self):
        return self.get_queryset().order_by("pk")
