"""District staff's registration work at /applications/: the queue of open applications
sorted by the days left to decide, an application's page with its workflow steps, and
the printable certificates (登记证书, 备案证明) with a QR code to the public record.

Who may use it: district civil-affairs staff only. Anonymous visitors get the login page,
clerks and incubator staff 403 (before any row is looked up).
"""

import datetime
from functools import wraps
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from hepingorgs import access
from hepingorgs.history import history_for
from hepingorgs.limits import TEXT_MAX_LENGTH
from registry import applications
from registry.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationKind,
    CommunityGroup,
    FilingStatus,
    Organization,
    OrgStatus,
    OrgType,
    RegistrationApplication,
)
from registry.search import search_groups, search_organizations

PAGE_SIZE = 50


def staff_required(view):
    """District staff only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.is_district_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------
# Queue and application page
# ---------------------------------------------------------------------------------------


class QueueFilter(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("kind"),
        required=False,
        choices=[("", gettext_lazy("all kinds")), *ApplicationKind.choices],
    )


@require_safe
@staff_required
def queue(request):
    """Open applications, the least time left first; overdue and late ones marked.

    The open applications are few (those of the last weeks), so they are sorted in
    Python by the deadline rules and then paginated; two queries whatever their number."""
    form = QueueFilter(request.GET or None)
    rows = RegistrationApplication.objects.filter(status__in=OPEN_APPLICATION_STATUSES)
    if form.is_valid() and form.cleaned_data["kind"]:
        rows = rows.filter(kind=form.cleaned_data["kind"])
    rows = list(rows.select_related("organization").order_by("received_on", "pk"))
    applications.annotate_deadlines(rows)
    rows.sort(key=lambda a: a.deadline.sort_key)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/applications/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "overdue": sum(1 for a in rows if a.deadline.overdue),
            "late": sum(1 for a in rows if a.late_days),
        },
    )


class StepForm(forms.Form):
    """What a workflow step asks: a date, and for some a reason or what is missing."""

    on = forms.DateField(label=gettext_lazy("date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label=gettext_lazy("reason"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked the application against the register."),
        required=False,
    )


STEP_LABELS = {
    "accept": gettext_lazy("Accept (documents complete)"),
    "request_correction": gettext_lazy("Request a correction"),
    "receive_correction": gettext_lazy("Correction received"),
    "start_review": gettext_lazy("Start review"),
    "approve": gettext_lazy("Approve and register"),
    "refuse": gettext_lazy("Refuse registration"),
    "withdraw": gettext_lazy("Withdrawn by the applicant"),
}
TEXT_LABELS = {
    "note": gettext_lazy("what is missing"),
    "reason": gettext_lazy("reason"),
}


def _steps(application):
    steps = []
    for name in applications.AVAILABLE.get(application.status, ()):
        _function, asks = applications.TRANSITIONS[name]
        steps.append(
            {
                "name": name,
                "label": STEP_LABELS[name],
                "text_label": TEXT_LABELS.get(asks),
                "confirm": name == "approve",
                "danger": name in ("refuse", "withdraw"),
            }
        )
    return steps


@require_safe
@staff_required
def detail(request, pk):
    application = get_object_or_404(
        RegistrationApplication.objects.select_related("organization", "street"), pk=pk
    )
    applications.annotate_deadlines([application])
    return render(
        request,
        "registry/applications/detail.html",
        {
            "application": application,
            "changes": application.changes.all(),
            "documents": application.documents.all(),
            "steps": _steps(application),
            "today": timezone.localdate(),
            "history": history_for(application),
            "notice": getattr(application, "notice", None),
        },
    )


@require_POST
@staff_required
def step(request, pk, name):
    if name not in applications.TRANSITIONS:
        raise Http404
    function, asks = applications.TRANSITIONS[name]
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}：{' '.join(errors)}")
        return redirect("applications:detail", pk=pk)
    if name == "approve" and not form.cleaned_data["confirm"]:
        messages.error(
            request, _("Tick the confirmation box: approval changes the register at once.")
        )
        return redirect("applications:detail", pk=pk)
    kwargs = {"on": form.cleaned_data["on"]}
    if asks:
        kwargs[asks] = form.cleaned_data["text"]
    with transaction.atomic():
        application = get_object_or_404(RegistrationApplication, pk=pk)
        try:
            application = function(application, **kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("applications:detail", pk=pk)
    messages.success(
        request,
        _("%(step)s: done. The application is now %(status)s.")
        % {"step": STEP_LABELS[name], "status": application.get_status_display()},
    )
    return redirect("applications:detail", pk=pk)


# ---------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------


def public_url(path):
    return settings.PUBLIC_BASE_URL + path


def organization_profile_url(organization):
    return public_url(f"/directory/{organization.credit_code}/")


def group_lookup_url(group):
    return public_url(f"/community-groups/?q={quote(group.filing_number)}")


def qr_svg(url):
    """The QR code of ``url`` as inline SVG (no image file, no JavaScript)."""
    code = segno.make(url, error="m", micro=False)
    # A viewBox without a fixed size, so the print CSS sets the size in millimetres. Safe
    # markup: segno writes the SVG from the code's modules and escapes the title.
    return mark_safe(
        code.svg_inline(border=4, omitsize=True, title=url, svgclass="qr", light="#fff")
    )


CERTIFICATE_TITLES = {
    OrgType.SOCIAL_GROUP: gettext_lazy("Registration certificate of a social group legal person"),
    OrgType.PRIVATE_NON_ENTERPRISE: gettext_lazy(
        "Registration certificate of a private non-enterprise unit"
    ),
    OrgType.FOUNDATION: gettext_lazy("Registration certificate of a foundation legal person"),
}


@require_safe
@staff_required
def certificate_search(request):
    text = request.GET.get("q", "")
    organizations = groups = None
    if text.strip():
        organizations = list(
            search_organizations(Organization.objects.all(), text).order_by("name_pinyin")[:20]
        )
        groups = list(
            search_groups(
                CommunityGroup.objects.filter(
                    status__in=[FilingStatus.FILED, FilingStatus.CANCELLED]
                ),
                text,
            )
            .select_related("street")
            .order_by("name_pinyin")[:20]
        )
    return render(
        request,
        "registry/certificates/search.html",
        {"q": text, "organizations": organizations, "groups": groups},
    )


@require_safe
@staff_required
def organization_certificate(request, pk):
    organization = get_object_or_404(Organization.objects.select_related("street"), pk=pk)
    url = organization_profile_url(organization)
    return render(
        request,
        "registry/certificates/organization.html",
        {
            "organization": organization,
            "title": CERTIFICATE_TITLES[organization.org_type],
            "is_current": organization.status == OrgStatus.ACTIVE,
            "url": url,
            "qr": qr_svg(url),
            "authority": settings.REGISTRATION_AUTHORITY,
            "issued_on": _issue_date(request),
        },
    )


@require_safe
@staff_required
def group_certificate(request, pk):
    group = get_object_or_404(
        CommunityGroup.objects.select_related("street", "community", "category"),
        pk=pk,
        status__in=[FilingStatus.FILED, FilingStatus.CANCELLED],
    )
    url = group_lookup_url(group)
    return render(
        request,
        "registry/certificates/group.html",
        {
            "group": group,
            "is_current": group.status == FilingStatus.FILED,
            "url": url,
            "qr": qr_svg(url),
            "authority": settings.REGISTRATION_AUTHORITY,
            "issued_on": _issue_date(request),
        },
    )


def _issue_date(request):
    """Today, or the date asked for (?on=YYYY-MM-DD) when a certificate is reprinted."""
    try:
        return datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()
