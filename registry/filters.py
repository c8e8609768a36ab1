"""Filter sets, one per resource, shared by the HTML lists and the API."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hepingorgs import access
from hepingorgs.extensions import hooks
from hepingorgs.opendata import YES_NO, PublicFilterSet, quick_choices
from registry import directory
from registry.models import (
    Community,
    CommunityGroup,
    Field,
    FilingCategory,
    FilingStatus,
    Grade,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    PriorityCategory,
    ServiceTarget,
    Street,
)
from registry.search import (
    SEARCH_MAX_LENGTH,
    search_groups,
    search_organizations,
    search_staff_groups,
)


class CommunityGroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH,
        label=_("search"),
        method="filter_q",
        help_text=_("Name, pinyin, filing number or leader"),
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

    def get_form_class(self):
        # Drawn as the public lists draw theirs (hepingorgs.opendata): the drop-downs in
        # Python rather than one template include per option, their rows read with one
        # plain query rather than a server-side cursor each (staff see 65 communities).
        return quick_choices(super().get_form_class())

    def filter_q(self, queryset, name, value):
        return queryset  # searched last, in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        text = self.form.cleaned_data.get("q")
        if not text:
            return queryset
        # The workspace is internal: clerks and staff may find a group by its leader.
        # Searched once the other filters are applied (search_staff_groups: the street
        # tested on each row the search indexes find).
        found = search_staff_groups(queryset, text)
        return found.order_by("search_rank", *CommunityGroup._meta.ordering)

    def filter_target(self, queryset, name, value):
        return queryset.filter(service_targets__contains=[value])


# ---------------------------------------------------------------------------------------
# The public directory (HTML pages and /api/v1/): anonymous, public rows only.
# ---------------------------------------------------------------------------------------


# The columns of the index ``organization_filter_keys`` in its order, with every value
# each may hold (constraint ``organization_codes_listed``), and the filter that asks for
# each; the street last, never listed.
FILTER_KEYS = (
    ("field", "field", Field.values),
    ("category", "priority_category", PriorityCategory.values),
    ("has_party_organization", "party_form", PartyForm.values),
    ("org_type", "org_type", OrgType.values),
    ("status", "status", OrgStatus.values),
    ("street", "street", None),
)
# At most this many ranges of the index for one list: each is a descent of the btree
# (about 17 us at a million organizations: all 2,520 for a street alone took 43 ms,
# where the street's own index serves better).
FILL_LIMIT = 64


def filter_key_fills(asked):
    """``{column: every value}`` for the columns of ``organization_filter_keys`` that
    none of the filters ``asked`` (names of ``OrganizationFilter``) narrows, before one
    that does: with them, the filters asked for are ranges of the index, one for each
    combination of values (the btree has no skip scan before PostgreSQL 18). Left to
    right, while the ranges stay within ``FILL_LIMIT``; the columns after the listed
    ones are tested within the ranges, so a list is kept only where a column asked for
    follows it (a street alone would be 14 ranges as long as the whole index). The rows
    are the same: a column holds one of its listed values."""
    fills, kept, ranges = {}, {}, 1
    for name, column, values in FILTER_KEYS:
        if name in asked:
            kept = dict(fills)  # the lists before a column asked for narrow the ranges
            continue
        if values is None or ranges * len(values) > FILL_LIMIT:
            break
        fills[column] = list(values)
        ranges *= len(values)
    return kept


class OrganizationFilter(PublicFilterSet):
    """The public directory of registered organizations. Use ``organization_filterset()``
    to get it with the yes/no filters other apps register
    (``hepingorgs.extensions.hooks.organization_filters``)."""

    SORTS = {
        "name": ("name_pinyin", "pk"),
        "-registered": ("-registered_on", "-pk"),
        "registered": ("registered_on", "pk"),
    }

    q = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH,
        label=_("search"),
        method="filter_q",
        help_text=_("Name, pinyin, initials or credit code (full or its last characters)"),
    )
    org_type = django_filters.ChoiceFilter(
        label=_("organization type"), choices=OrgType.choices, empty_label=_("all types")
    )
    category = django_filters.ChoiceFilter(
        field_name="priority_category",
        label=_("priority category"),
        choices=PriorityCategory.choices,
        empty_label=_("all categories"),
    )
    field = django_filters.ChoiceFilter(
        label=_("field of activity"), choices=Field.choices, empty_label=_("all fields")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("street"),
        queryset=Street.objects.all(),
        to_field_name="code",
        empty_label=_("all streets"),
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=OrgStatus.choices, empty_label=_("all statuses")
    )
    evaluation_grade = django_filters.ChoiceFilter(
        label=_("evaluation grade (in force)"),
        choices=Grade.choices,
        method="filter_grade",
        empty_label=_("any grade"),
    )
    credit_listed = django_filters.BooleanFilter(
        label=_("on a credit list now"),
        method="filter_credit_listed",
        widget=forms.Select(choices=YES_NO),
    )
    has_party_organization = django_filters.BooleanFilter(
        label=_("has a Party organization"),
        method="filter_party",
        widget=forms.Select(choices=YES_NO),
    )
    sort = django_filters.ChoiceFilter(
        label=_("sort"),
        method="keep",
        choices=[
            ("name", _("name (pinyin)")),
            ("-registered", _("newest registration first")),
            ("registered", _("oldest registration first")),
        ],
        empty_label=_("best match, then name"),
    )

    class Meta:
        model = Organization
        fields = []

    def filter_q(self, queryset, name, value):
        return search_organizations(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        fills = filter_key_fills({name for name, value in data.items() if value not in (None, "")})
        return queryset.filter(**{f"{column}__in": values for column, values in fills.items()})

    def filter_grade(self, queryset, name, value):
        # Every grade has its expiry date (constraint organization_grade_expires): the
        # grades in force are one range of organization_grade_expiry.
        return queryset.filter(grade=value, grade_expires_on__gte=timezone.localdate())

    def filter_credit_listed(self, queryset, name, value):
        if value:
            return queryset.filter(directory.on_credit_list())
        return queryset.filter(directory.off_credit_list())

    def filter_party(self, queryset, name, value):
        # Without one: the other forms, listed (a range of organization_filter_keys).
        forms = [
            form
            for form in PartyForm.values
            if (form in directory.PARTY_ORGANIZATION_FORMS) == value
        ]
        return queryset.filter(party_form__in=forms)


def _extension_filter(extension):
    def apply(queryset, name, value):
        return extension.apply(queryset, value)

    return django_filters.BooleanFilter(
        label=extension.label,
        method=apply,
        widget=forms.Select(choices=YES_NO),
    )


_extended = {}


def organization_filterset():
    """``OrganizationFilter`` with a yes/no filter for each registered
    ``OrganizationFilter`` hook (e.g. ``venture_funded`` from the projects app), built
    once per set of hooks (they are registered in ``AppConfig.ready()``)."""
    registered = dict(hooks.organization_filters)
    key = tuple((name, id(extension)) for name, extension in registered.items())
    if key not in _extended:
        extra = {name: _extension_filter(extension) for name, extension in registered.items()}
        _extended.clear()
        _extended[key] = type("OrganizationFilter", (OrganizationFilter,), extra)
    return _extended[key]


class PublicCommunityGroupFilter(PublicFilterSet):
    """The public list of filed community groups: no leader, no phone, no search by
    either."""

    SORTS = {
        "name": ("name_pinyin", "pk"),
        "-filed": ("-filed_on", "-pk"),
        "filed": ("filed_on", "pk"),
    }

    q = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH,
        label=_("search"),
        method="filter_q",
        help_text=_("Name, pinyin or filing number"),
    )
    street = django_filters.ModelChoiceFilter(
        label=_("street"),
        queryset=Street.objects.all(),
        to_field_name="code",
        empty_label=_("all streets"),
    )
    community = django_filters.ModelChoiceFilter(
        label=_("community"),
        queryset=Community.objects.all(),
        empty_label=_("all communities"),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("category"),
        queryset=FilingCategory.objects.all(),
        to_field_name="code",
        empty_label=_("all categories"),
    )
    status = django_filters.ChoiceFilter(
        label=_("status"),
        choices=directory.PUBLIC_GROUP_STATUS_CHOICES,
        empty_label=_("all statuses"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("sort"),
        method="keep",
        choices=[
            ("name", _("name (pinyin)")),
            ("-filed", _("newest filing first")),
            ("filed", _("oldest filing first")),
        ],
        empty_label=_("best match, then name"),
    )

    class Meta:
        model = CommunityGroup
        fields = []

    def filter_q(self, queryset, name, value):
        return search_groups(queryset, value)
