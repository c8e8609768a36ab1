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
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, gettext_noop

from hepingorgs.extensions import sections
from hepingorgs.markup import html_join
from hepingorgs.opendata import public, public_cache, public_paginator, throttle
from registry import creditcode, directory
from registry.filters import PublicCommunityGroupFilter, organization_filterset
from registry.models import FilingStatus, OrgStatus, OrgType

PAGE_SIZE = 20
# Filters kept in the address but not offered on the page (they serve mirrors).
HIDDEN_FILTERS = ("updated_since",)


def _labels(**choices):
    """{field: {value: label}}, each label translated once per page:
    ``get_<field>_display`` rebuilds the field's choices on every call."""
    return {
        field: {value: str(label) for value, label in pairs} for field, pairs in choices.items()
    }


def _cells(*labels):
    """The cells' labels (the stacked layout on a phone), translated once per page;
    each marked for the catalogue where it is written (``gettext_noop``)."""
    return [gettext(label) for label in labels]


# The rows of a list page, written in Python (``hepingorgs.markup.html_join``, each value
# escaped) rather than by the template's loop: 20 rows of six cells through the template
# language were a quarter of a directory page's time (13 of 50 ms, pyinstrument, at a
# million organizations); the same HTML.
ORGANIZATION_ROW = (
    '<tr><td data-label="{0}"><a href="{1}{2}/">{3}</a>{4}</td>'
    '<td data-label="{5}"><span class="code">{2}</span></td>'
    '<td data-label="{6}">{7}</td><td data-label="{8}">{9}</td>'
    '<td data-label="{10}">{11}</td>'
    '<td data-label="{12}"><span class="status status-org-{13}">{14}</span></td></tr>\n'
)
GROUP_ROW = (
    '<tr><td data-label="{0}">{1}</td><td data-label="{2}">{3}</td>'
    '<td data-label="{4}">{5}</td><td data-label="{6}">{7}</td>'
    '<td data-label="{8}"><span class="code">{9}</span></td><td data-label="{10}">{11}</td>'
    '<td data-label="{12}"><span class="status status-{13}">{14}</span></td></tr>\n'
)


def _day(value):
    return value.isoformat() if value else ""


def organization_rows(page, profiles):
    """The table rows of a page of organizations; ``profiles``: the profiles' address
    up to the credit code."""
    name, code, kind, street, registered, status = _cells(
        gettext_noop("name"),
        gettext_noop("credit code"),
        gettext_noop("type"),
        gettext_noop("street"),
        gettext_noop("registered"),
        gettext_noop("status"),
    )
    labels = _labels(org_type=OrgType.choices, status=OrgStatus.choices)
    listed = format_html(
        ' <span class="status status-listed">{}</span>', gettext("on a credit list")
    )
    return html_join(
        ORGANIZATION_ROW,
        (
            (
                name,
                profiles,
                org.credit_code,
                org.name,
                listed if org.on_serious_list or org.on_abnormal_list else "",
                code,
                kind,
                labels["org_type"].get(org.org_type, org.org_type),
                street,
                org.street.name if org.street and org.street.name else "—",
                registered,
                _day(org.registered_on),
                status,
                org.status,
                labels["status"].get(org.status, org.status),
            )
            for org in page
        ),
    )


def group_rows(page):
    """The table rows of a page of filed community groups."""
    name, street, community, category, number, filed, status = _cells(
        gettext_noop("name"),
        gettext_noop("street"),
        gettext_noop("community"),
        gettext_noop("category"),
        gettext_noop("filing number"),
        gettext_noop("filing date"),
        gettext_noop("status"),
    )
    labels = _labels(status=FilingStatus.choices)
    return html_join(
        GROUP_ROW,
        (
            (
                name,
                group.name,
                street,
                group.street.name if group.street else "",
                community,
                group.community.name if group.community else "",
                category,
                group.category.name if group.category and group.category.name else "—",
                number,
                group.filing_number or "",
                filed,
                _day(group.filed_on),
                status,
                group.status,
                labels["status"].get(group.status, group.status),
            )
            for group in page
        ),
    )


def _list(request, filterset_class, queryset, template, write_rows):
    filterset = filterset_class(request.GET, queryset=queryset)
    page, rows, status = None, "", 200
    if filterset.is_valid():
        page = public_paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = write_rows(page)
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
            "rows": rows,
            "query": query.urlencode(),
            "filters_key": f"{request.path}|{get_language()}|{chosen}",
            "filters_seconds": settings.PUBLIC_FILTERS_SECONDS,
            "today": timezone.localdate(),
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
        # The profiles' address up to the credit code, reversed once per page.
        lambda page: organization_rows(
            page, reverse("directory:organization", args=["-"]).removesuffix("-/")
        ),
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
        group_rows,
    )
