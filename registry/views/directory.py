"""The public directory: registered organizations (/directory/), their profiles
(/directory/<credit code>/) and filed community groups (/community-groups/).

Who may use it: anyone, anonymous included; read-only. Rows come from
``registry.directory`` (public rows and columns only) through the same filter sets as
the API, so a page never shows what the API would not, and the other way round.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from hepingorgs.extensions import sections
from hepingorgs.opendata import public, public_cache, public_paginator, throttle
from registry import creditcode, directory
from registry.filters import PublicCommunityGroupFilter, organization_filterset
from registry.models import FilingStatus, OrgStatus, OrgType

PAGE_SIZE = 20
# Filters kept in the address but not offered on the page (they serve mirrors).
HIDDEN_FILTERS = ("updated_since",)


def _labelled(rows, **labels):
    """Each row with ``<field>_label`` set from ``labels`` (field: choices), translated
    once per page: ``get_<field>_display`` rebuilds the field's choices on every call."""
    translated = {
        field: {value: str(label) for value, label in choices} for field, choices in labels.items()
    }
    for row in rows:
        for field, names in translated.items():
            value = getattr(row, field)
            setattr(row, f"{field}_label", names.get(value, value))
    return rows


def _list(request, filterset_class, queryset, template, labels):
    filterset = filterset_class(request.GET, queryset=queryset)
    page, status = None, 200
    if filterset.is_valid():
        page = public_paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        _labelled(page, **labels)
    else:
        status = 400
    query = request.GET.copy()
    query.pop("page", None)
    # The drop-down filters depend on the filters chosen alone (their choices change
    # rarely): rendered once per choice of filters, language and list for
    # PUBLIC_FILTERS_SECONDS, a search or a page of the list included (``_search_form``).
    chosen = sorted((name, values) for name, values in query.lists() if name != "q")
    return render(
        request,
        template,
        {
            "filter": filterset,
            "search": filterset.form["q"],
            "filters": [
                field
                for field in filterset.form
                if field.name != "q" and field.name not in HIDDEN_FILTERS
            ],
            "hidden": [field for field in filterset.form if field.name in HIDDEN_FILTERS],
            "filters_open": any(name != "q" for name in filterset.form.changed_data),
            "page": page,
            "query": query.urlencode(),
            "filters_key": f"{request.path}|{get_language()}|{chosen}",
            "filters_seconds": settings.PUBLIC_FILTERS_SECONDS,
            "today": timezone.localdate(),
            # The profiles' address up to the credit code, reversed once per page.
            "profiles": reverse("directory:organization", args=["-"]).removesuffix("-/"),
        },
        status=status,
    )


@public
@throttle("pages")
@public_cache
def organization_list(request):
    return _list(
        request,
        organization_filterset(),
        directory.public_organizations(),
        "directory/organization_list.html",
        {"org_type": OrgType.choices, "status": OrgStatus.choices},
    )


@public
@throttle("pages")
@public_cache
def organization_detail(request, credit_code):
    code = creditcode.normalize(credit_code)
    if code != credit_code:
        return redirect("directory:organization", credit_code=code, permanent=True)
    organization = get_object_or_404(directory.public_organizations(), credit_code=code)
    return render(
        request,
        "directory/organization_detail.html",
        {
            "org": organization,
            "grade": directory.grade_in_force(organization),
            "credit_status": directory.credit_status(organization),
            "inspections": organization.annual_reports.order_by("-year").only(
                "year", "result", "organization_id"
            ),
            "credit_records": organization.credit_records.order_by("-decided_on", "-pk"),
            # Each cell with its column's label, for the stacked layout on a phone.
            "sections": [
                (section, [list(zip(section.header, row, strict=False)) for row in section.rows])
                for section in sections("profile_sections", organization)
            ],
            "today": timezone.localdate(),
        },
    )


@public
@throttle("pages")
@public_cache
def group_list(request):
    return _list(
        request,
        PublicCommunityGroupFilter,
        directory.public_groups(),
        "directory/group_list.html",
        {"status": FilingStatus.choices},
    )
