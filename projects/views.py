"""Public pages of the projects app: the list of approved venture projects.

Who may use them: everybody, anonymous included; read-only. They show public data only:
no contacts, no people's names, no applications that were not approved.
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from projects.filters import ProjectFilter
from projects.models import public_projects

PAGE_SIZE = 30


@require_safe
def project_list(request):
    filterset = ProjectFilter(request.GET or None, queryset=public_projects())
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
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
    )
