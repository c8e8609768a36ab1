"""One filter set for the public list of venture projects, used by the HTML page
(``/projects/``) and the API (``projects.api``, ``/api/v1/projects/``)."""

import django_filters
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from hepingorgs.opendata import SEARCH_RANK, PublicFilterSet
from projects.models import Project, ProjectField, Round
from registry.models import Organization, Street
from registry.search import SEARCH_MAX_LENGTH, normalize, search_organizations


class ProjectFilter(PublicFilterSet):
    SORTS = {
        "-year": ("-round__year", "title", "pk"),
        "title": ("title", "pk"),
        "-awarded": ("-awarded", "pk"),
    }

    q = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH,
        label=_("search"),
        method="filter_q",
        help_text=_("Title or applicant"),
    )
    round = django_filters.ModelChoiceFilter(
        label=_("round"),
        queryset=Round.objects.order_by("-year", "name"),
        empty_label=_("all rounds"),
    )
    year = django_filters.NumberFilter(
        label=_("year"), field_name="round__year", min_value=1990, max_value=2199
    )
    field = django_filters.ChoiceFilter(
        label=_("service field"), choices=ProjectField.choices, empty_label=_("all fields")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("street"),
        field_name="streets",
        queryset=Street.objects.all(),
        empty_label=_("all streets"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("sort"),
        method="keep",
        choices=[
            ("-year", _("newest round first")),
            ("title", _("title")),
            ("-awarded", _("largest award first")),
        ],
        empty_label=_("best match, then newest round"),
    )

    # Shown on the HTML page; ``updated_since`` is for programs mirroring the list.
    FORM_FIELDS = ("q", "round", "year", "field", "street", "sort")

    class Meta:
        model = Project
        fields = []

    def filter_q(self, queryset, name, value):
        value = normalize(value)
        if not value:
            return queryset
        # The applicant's name as people type it (pinyin, initials, credit code) through
        # the registry's search; a filed group or a host by its plain name.
        organizations = search_organizations(Organization.objects.all(), value).values("pk")
        exact = Q(title=value) | Q(applicant_organization__name=value)
        prefix = Q(title__startswith=value) | Q(applicant_organization__name__startswith=value)
        return queryset.filter(
            Q(title__icontains=value)
            | Q(applicant_organization__in=organizations)
            | Q(host__in=organizations)
            | Q(applicant_group__name__icontains=value)
        ).annotate(
            **{
                SEARCH_RANK: Case(
                    When(exact, then=Value(0)),
                    When(prefix, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            }
        )
