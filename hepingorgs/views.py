"""Pages of the site as a whole: the public home page ``/``, the public figures page
``/stats/`` and the annual statistics workbook download for district staff.

Who may use them: ``/`` and ``/stats/`` everyone (anonymous, read-only, aggregate public
figures only); the workbook district civil-affairs staff only (it carries every
record), others get the login page (anonymous) or 403.
"""

import tempfile
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.http import FileResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found as django_page_not_found

from hepingorgs import access, annual, figures
from hepingorgs.middleware import error_answer
from hepingorgs.svg import bar_chart, format_value
from hepingorgs.xlsx import XLSX_CONTENT_TYPE

FIRST_YEAR = 1990
# The indicators the home page shows, if an installed app gives them.
HEADLINE = [
    "登记社会组织总数",
    "社会团体",
    "民办非企业单位",
    "备案社区社会组织",
    "每万人拥有社会组织数",
    "党组织覆盖率",
    "本科以上学历人数",
    "营业收入(元)",
    "孵化中心入驻组织",
    "公益创投项目数",
]


def landing_url(user):
    """Where a user lands after logging in without ``next=``: their own workspace.

    District staff and street clerks the filings workspace, incubation-centre staff the
    incubator dashboard (if that app is installed), everyone else the home page.
    """
    if access.can_use_filings(user):
        return reverse("filings:list")
    if access.can_use_incubator(user):
        try:
            return reverse("incubator:dashboard")
        except NoReverseMatch:
            pass
    return reverse("home")


class LoginView(auth_views.LoginView):
    """Django's login page (throttled by django-axes); a safe ``next=`` still wins,
    otherwise the user lands on the page of their role (``landing_url``)."""

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


def latest_complete_year():
    """The last year whose figures are in: the latest an app reports (``latest_year()``
    in its stats module, e.g. the newest annual reports), never the running year."""
    last = timezone.localdate().year - 1
    known = [
        module.latest_year()
        for _config, module in figures.stats_modules()
        if callable(getattr(module, "latest_year", None))
    ]
    known = [year for year in known if year]
    return min(max(known), last) if known else last


def _indicators(parts):
    """(label, shown value, kind) of every summary indicator, in the apps' order."""
    rows, seen = [], set()
    for _label, part in parts:
        for indicator in part.summary:
            if indicator.label not in seen:
                seen.add(indicator.label)
                rows.append(indicator)
    return rows


def public_figures(year):
    """The figures of the completed ``year`` as the public pages show them: every
    summary indicator ``{"label", "value"}`` (formatted) and the charts. Kept in the
    cache for ``PUBLIC_FIGURES_SECONDS`` per year and language: they read every
    organization and group of the register (4 s at a million organizations, 22 queries),
    and a completed year changes only when a past record is corrected."""

    def compute():
        parts = figures.collect(year)
        indicators = [
            {"label": i.label, "value": format_value(i.value, i.kind)} for i in _indicators(parts)
        ]
        return {"indicators": indicators, "charts": _charts(parts)}

    seconds = settings.PUBLIC_FIGURES_SECONDS
    if not seconds:
        return compute()
    return cache.get_or_set(f"public-figures:{year}:{get_language()}", compute, seconds)


def _headline(indicators):
    by_label = {i["label"]: i for i in indicators}
    return [by_label[label] for label in HEADLINE if label in by_label]


@require_safe
def home(request):
    year = latest_complete_year()
    headline = _headline(public_figures(year)["indicators"])
    return render(request, "public/home.html", {"year": year, "headline": headline})


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        min_value=FIRST_YEAR,
        max_value=2199,  # the form's own bound; each form narrows it to the last year
        error_messages={
            "invalid": gettext_lazy("Year: enter a year such as 2016."),
            "min_value": gettext_lazy("Year: the register begins in %(limit_value)s."),
            "max_value": gettext_lazy(
                "Year: figures are complete up to %(limit_value)s; "
                "choose that year or an earlier one."
            ),
        },
    )

    def __init__(self, *args, last_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.last_year = last_year
        field = self.fields["year"]
        field.max_value = last_year
        field.validators = [
            *(v for v in field.validators if not isinstance(v, MaxValueValidator)),
            MaxValueValidator(last_year),
        ]
        field.widget.attrs.update({"min": FIRST_YEAR, "max": last_year})


def _year_form(request, last_year):
    """The chosen year (the latest complete one if none was asked for) and the form."""
    data = request.GET if request.GET.get("year") not in (None, "") else None
    form = YearForm(data, last_year=last_year, initial={"year": last_year})
    if data is None:
        return last_year, form
    if form.is_valid():
        return form.cleaned_data["year"], form
    return None, form


def _charts(parts):
    charts = []
    for _label, part in parts:
        for chart in part.charts:
            rows = [
                (str(label), format_value(value, chart.kind))
                for label, value in zip(chart.labels, chart.values, strict=True)
            ]
            charts.append({"title": str(chart.title), "svg": bar_chart(chart), "rows": rows})
    return charts


@require_safe
def stats(request):
    last_year = latest_complete_year()
    year, form = _year_form(request, last_year)
    context = {"form": form, "year": year, "last_year": last_year}
    if year is None:
        return render(request, "public/stats.html", context, status=400)
    context.update(public_figures(year))
    return render(request, "public/stats.html", context)


def district_staff_required(view):
    """District civil-affairs staff only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_export_annual_stats(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@district_staff_required
def annual_workbook(request):
    """Choose a year; with a valid year, the workbook itself. It is written to a
    temporary file (memory stays flat however large the register) and streamed from it."""
    last_year = timezone.localdate().year - 1
    year, form = _year_form(request, last_year)
    if "year" not in request.GET or year is None:
        return render(
            request,
            "stats/annual_workbook.html",
            {"form": form, "last_year": last_year},
            status=400 if form.is_bound else 200,
        )
    output = tempfile.TemporaryFile(suffix=".xlsx")
    annual.write_workbook(year, output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=annual.filename(year),
        content_type=XLSX_CONTENT_TYPE,
    )


def page_not_found(request, exception):
    """The 404 answer: JSON (``{"detail": ...}``, as DRF's) for an address under
    ``/api/`` that matches no route, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_answer(request, 404, _("There is no such resource."), "404.html")
    return django_page_not_found(request, exception)
