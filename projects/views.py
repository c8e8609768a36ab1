"""Public pages of the projects app: the list of approved venture projects.

Who may use them: everybody, anonymous included; read-only. They show public data only:
no contacts, no people's names, no applications that were not approved.
"""

from django.shortcuts import render

from hepingorgs.opendata import public, public_cache, public_paginator, throttle
from projects.filters import ProjectFilter
from projects.models import public_projects

PAGE_SIZE = 30


@public
@throttle("pages")
@public_cache
def project_list(request):
    filterset = ProjectFilter(request.GET, queryset=public_projects())
    status = 200
    if filterset.is_valid():
        rows = filterset.qs
    else:
        rows, status = public_projects().none(), 400
    page = public_paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/list.html",
        {
            "filter": filterset,
            "form_fields": [filterset.form[name] for name in ProjectFilter.FORM_FIELDS],
            "page": page,
            "query": query.urlencode(),
        },
        status=status,
    )
