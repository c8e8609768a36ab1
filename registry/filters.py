"""Filter sets, one per resource, shared by the HTML lists and (later) the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from hepingorgs import access
from registry.models import (
    Community,
    CommunityGroup,
    FilingCategory,
    FilingStatus,
    ServiceTarget,
    Street,
)
from registry.search import search_groups


class CommunityGroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("search"), method="filter_q", help_text=_("Name, pinyin, filing number or leader")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("street"), queryset=Street.objects.all(), empty_label=_("all streets")
    )
    community = django_filters.ModelChoiceFilter(
        label=_("community"), queryset=Community.objects.none(), empty_label=_("all communities")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("category"), queryset=FilingCategory.objects.all(), empty_label=_("all categories")
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=FilingStatus.choices, empty_label=_("all statuses")
    )
    service_target = django_filters.ChoiceFilter(
        label=_("service target"),
        choices=ServiceTarget.choices,
        method="filter_target",
        empty_label=_("all service targets"),
    )

    class Meta:
        model = CommunityGroup
        fields = ["q", "street", "community", "category", "status", "service_target"]

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        user = request.user
        queryset = access.filings_for(user, queryset)
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["community"].queryset = access.communities_for(user)
        if not access.is_district_staff(user):
            # A clerk's street is fixed; offering the choice would only invite tampering.
            del self.filters["street"]

    def filter_q(self, queryset, name, value):
        # The workspace is internal: clerks and staff may find a group by its leader.
        found = search_groups(queryset, value, private=True)
        return found.order_by("search_rank", *CommunityGroup._meta.ordering)

    def filter_target(self, queryset, name, value):
        return queryset.filter(service_targets__contains=[value])
