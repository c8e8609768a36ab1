"""REST APIs of the registry.

The internal API of the filing workspace (``/api/filings/``, session login; clerks and
district staff) and, below it, the public read-only resources of ``/api/v1/``
(registered in ``hepingorgs.api``).

Internal API: read-only: filings change through the workspace's forms and workflow.
Rows come through ``access.filings_for`` and the list's own filter set, so the API can
show no more than the HTML list does; a filing of another street answers 404.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from hepingorgs import access
from hepingorgs.extensions import sections
from hepingorgs.opendata import ChoiceLabelField, PublicListSerializer, PublicReadOnlyViewSet
from registry import creditcode, directory
from registry.filters import (
    CommunityGroupFilter,
    PublicCommunityGroupFilter,
    organization_filterset,
)
from registry.forms import CommunityGroupForm
from registry.models import (
    AnnualReport,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    Field,
    FilingStatus,
    Grade,
    InspectionResult,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    PriorityCategory,
)


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


# ---------------------------------------------------------------------------------------
# Public, read-only API (/api/v1/): anonymous; fields listed one by one, public data only
# (never a phone, an ID number, a home address or a group leader).
# ---------------------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    # Fields listed one by one: public data only.
    uscc = serializers.CharField(
        source="credit_code",
        label=_("unified social credit code"),
        help_text=_("18 characters (GB 32100-2015); the resource's identifier."),
    )
    org_type_label = ChoiceLabelField(
        OrgType.choices, source="org_type", label=_("organization type (name)")
    )
    category = serializers.ChoiceField(
        source="priority_category",
        choices=PriorityCategory.choices,
        label=_("priority category"),
    )
    category_label = ChoiceLabelField(
        PriorityCategory.choices, source="priority_category", label=_("priority category (name)")
    )
    field_label = ChoiceLabelField(
        Field.choices, source="field", label=_("field of activity (name)")
    )
    street = serializers.CharField(
        source="street.name", default=None, label=_("street"), help_text=_("Street office.")
    )
    street_code = serializers.CharField(
        source="street.code",
        default=None,
        label=_("street code"),
        help_text=_("Statistical division code of the street office."),
    )
    status_label = ChoiceLabelField(OrgStatus.choices, source="status", label=_("status (name)"))
    evaluation_grade = serializers.SerializerMethodField(
        label=_("evaluation grade"), help_text=_("5A to 1A while in force; empty otherwise.")
    )
    evaluation_grade_expires_on = serializers.DateField(
        source="grade_expires_on", allow_null=True, label=_("grade expires on")
    )
    credit_status = serializers.SerializerMethodField(
        label=_("credit status"),
        help_text=_(
            "The credit list the organization is on today: none, abnormal (abnormal-activity "
            "list) or serious (serious violation and dishonesty list)."
        ),
    )
    party_organization = serializers.ChoiceField(
        source="party_form", choices=PartyForm.choices, label=_("Party organization")
    )

    class Meta:
        list_serializer_class = PublicListSerializer
        model = Organization
        fields = [
            "uscc",
            "name",
            "org_type",
            "org_type_label",
            "category",
            "category_label",
            "field",
            "field_label",
            "street",
            "street_code",
            "status",
            "status_label",
            "status_changed_on",
            "registered_on",
            "registration_authority",
            "supervisory_unit",
            "legal_representative",
            "registered_funds",
            "domicile",
            "business_scope",
            "evaluation_grade",
            "evaluation_grade_expires_on",
            "credit_status",
            "party_organization",
            "updated_at",
        ]
        extra_kwargs = {
            "org_type": {
                "help_text": _("1 social group, 2 private non-enterprise unit, 3 foundation.")
            },
            "field": {"help_text": _("Code of the official classification of fields.")},
            "registered_funds": {"help_text": _("Yuan, two decimal places.")},
            "domicile": {"help_text": _("The organization's registered address.")},
            "updated_at": {"help_text": _("Last change of the record (see updated_since).")},
        }

    @extend_schema_field(serializers.ChoiceField(choices=Grade.choices, allow_blank=True))
    def get_evaluation_grade(self, organization):
        return directory.grade_in_force(organization)

    @extend_schema_field(serializers.ChoiceField(choices=directory.CreditStatus.choices))
    def get_credit_status(self, organization):
        return str(directory.credit_status(organization))


class AnnualInspectionSerializer(serializers.ModelSerializer):
    result_label = ChoiceLabelField(InspectionResult.choices, source="result")

    class Meta:
        model = AnnualReport
        fields = ["year", "result", "result_label"]


class CreditListingSerializer(serializers.ModelSerializer):
    kind_label = ChoiceLabelField(CreditKind.choices, source="kind")

    class Meta:
        model = CreditRecord
        fields = [
            "kind",
            "kind_label",
            "reason",
            "decided_on",
            "authority",
            "removed_on",
            "removal_reason",
        ]


class SectionSerializer(serializers.Serializer):
    """A section another app adds to the profile (e.g. venture projects)."""

    title = serializers.CharField()
    header = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    note = serializers.CharField()

    def to_representation(self, section):
        return {
            "title": str(section.title),
            "header": [str(label) for label in section.header],
            "rows": [[_cell_text(value) for value in row] for row in section.rows],
            "note": str(section.note),
        }


def _cell_text(value):
    return "" if value is None else str(value)


class OrganizationDetailSerializer(OrganizationSerializer):
    annual_inspections = AnnualInspectionSerializer(
        source="annual_reports", many=True, label=_("annual inspections")
    )
    credit_records = CreditListingSerializer(many=True, label=_("credit records"))
    sections = serializers.SerializerMethodField(label=_("other sections"))

    class Meta(OrganizationSerializer.Meta):
        fields = [
            *OrganizationSerializer.Meta.fields,
            "annual_inspections",
            "credit_records",
            "sections",
        ]

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, organization):
        return SectionSerializer(sections("profile_sections", organization), many=True).data


@extend_schema_view(
    list=extend_schema(
        summary=_("Registered social organizations"),
        description=_(
            "The directory's rows, with the same search (q) and filters as /directory/, "
            "sorted by pinyin name unless sort says otherwise."
        ),
    ),
    retrieve=extend_schema(
        summary=_("One registered organization"),
        description=_(
            "By unified social credit code: the public profile with annual inspections, "
            "credit records and the sections other modules add (e.g. venture projects)."
        ),
    ),
)
class OrganizationViewSet(PublicReadOnlyViewSet):
    lookup_field = "credit_code"
    lookup_url_kwarg = "uscc"
    lookup_value_regex = "[0-9A-Za-z]{18}"
    download_title = _("registered organizations")

    @property
    def filterset_class(self):
        return organization_filterset()

    def get_queryset(self):
        queryset = directory.public_organizations()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("annual_reports", AnnualReport.objects.order_by("-year")),
                Prefetch("credit_records", CreditRecord.objects.order_by("-decided_on", "-pk")),
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OrganizationDetailSerializer
        return OrganizationSerializer

    def get_object(self):
        self.kwargs[self.lookup_url_kwarg] = creditcode.normalize(
            self.kwargs[self.lookup_url_kwarg]
        )
        return super().get_object()

    def download_queryset(self):
        return self.get_queryset().order_by("credit_code")


class PublicCommunityGroupSerializer(serializers.ModelSerializer):
    street = serializers.CharField(source="street.name", label=_("street"))
    street_code = serializers.CharField(source="street.code", label=_("street code"))
    community = serializers.CharField(source="community.name", label=_("community"))
    category = serializers.CharField(source="category.code", default=None, label=_("category"))
    category_label = serializers.CharField(
        source="category.name", default=None, label=_("category (name)")
    )
    status = serializers.ChoiceField(
        choices=directory.PUBLIC_GROUP_STATUS_CHOICES,
        label=_("status"),
        help_text=_("filed, or cancelled (filing cancelled later)."),
    )
    status_label = ChoiceLabelField(FilingStatus.choices, source="status", label=_("status (name)"))

    class Meta:
        list_serializer_class = PublicListSerializer
        model = CommunityGroup
        fields = [
            "filing_number",
            "name",
            "street",
            "street_code",
            "community",
            "category",
            "category_label",
            "filed_on",
            "status",
            "status_label",
            "updated_at",
        ]
        extra_kwargs = {
            "filing_number": {"help_text": _("The group's identifier, e.g. QYC-2016-0007.")},
            "updated_at": {"help_text": _("Last change of the record (see updated_since).")},
        }


@extend_schema_view(
    list=extend_schema(
        summary=_("Filed community groups"),
        description=_(
            "Filed and later cancelled community social organizations, with the same "
            "search (q) and filters as /community-groups/. No leader and no phone."
        ),
    ),
    retrieve=extend_schema(summary=_("One filed community group, by filing number")),
)
class PublicCommunityGroupViewSet(PublicReadOnlyViewSet):
    serializer_class = PublicCommunityGroupSerializer
    filterset_class = PublicCommunityGroupFilter
    lookup_field = "filing_number"
    lookup_value_regex = "[^/]+"
    download_title = _("filed community groups")

    def get_queryset(self):
        return directory.public_groups()

    def download_queryset(self):
        return self.get_queryset().order_by("filing_number")
