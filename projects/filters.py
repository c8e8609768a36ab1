"""One filter set for the public list of venture projects, used by the HTML page
(``/projects/``) and the API (``projects.api``)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import ProjectField, Round
from registry.models import Organization, Street
from registry.search import normalize, search_organizations


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("search"), method="filter_q", help_text=_("Title or applicant")
    )
    round = django_filters.ModelChoiceFilter(
        label=_("round"),
        queryset=Round.objects.order_by("-year", "name"),
        empty_label=_("all rounds"),
    )
    year = django_filters.NumberFilter(label=_("year"), field_name="round__year")
    field = django_filters.ChoiceFilter(
        label=_("service field"), choices=ProjectField.choices, empty_label=_("all fields")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("street"),
        field_name="streets",
        queryset=Street.objects.all(),
        empty_label=_("all streets"),
    )
    updated_since = django_filters.IsoDateTimeFilter(
        label=_("updated since"), field_name="updated_at", lookup_expr="gte"
    )

    # Shown on the HTML page; ``updated_since`` is for programs mirroring the list.
    FORM_FIELDS = ("q", "round", "year", "field", "street")

    def filter_q(self, queryset, name, value):
        value = normalize(value)
        if not value:
            return queryset
        # The applicant's name as people type it (pinyin, initials, credit code) through
        # the registry's search; a filed group or a host by its plain name.
        organizations = search_organizations(Organization.objects.all(), value).values("pk")
        return queryset.filter(
            Q(title__icontains=value)
            | Q(applicant_organization__in=organizations)
            | Q(host__in=organizations)
            | Q(applicant_group__name__icontains=value)
        )
