"""The clerks' filing workspace at /filings/ (not the Django admin).

Who may use it: street-office clerks (their own street's filings only) and district
civil-affairs staff (every street, plus review and cancellation). Everybody else gets
the login page (anonymous) or 403 (other roles). Every row is fetched through
``hepingorgs.access``: a filing of another street answers 404.
"""

import hashlib
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hepingorgs import access
from hepingorgs.history import history_for
from hepingorgs.links import row_links
from hepingorgs.markup import html_join
from hepingorgs.xlsx import XLSX_CONTENT_TYPE, workbook_bytes
from registry import filings, search
from registry.filters import CommunityGroupFilter
from registry.forms import (
    CancelForm,
    CommunityGroupForm,
    ReturnForm,
    duplicate_name_message,
    name_conflicts,
)
from registry.models import CommunityGroup, FilingCategory, FilingStatus

PAGE_SIZE = 50


def filing_user_required(view):
    """Clerks with a street, and district staff."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_use_filings(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def reviewer_required(view):
    """District staff only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Refused before any row is looked up, so a clerk learns nothing about the filing.
        if not access.can_review_filings(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _list_rows(queryset):
    return queryset.select_related("street", "community", "category").only(
        "name",
        "status",
        "filing_number",
        "filed_on",
        "member_count",
        "leader_name",
        "service_targets",
        "updated_at",
        "street__name",
        "community__name",
        "category__name",
    )


# One row of the list, as the template drew it (each cell labelled for the stacked layout
# on a phone).
ROW_HTML = (
    '<tr><td data-label="{}"><a href="{}">{}</a></td><td data-label="{}">{}</td>'
    '<td data-label="{}">{}{}</td><td data-label="{}">{}</td>'
    '<td data-label="{}"><span class="status status-{}">{}</span></td>'
    '<td data-label="{}">{}</td></tr>'
)


def _rows_html(groups, with_street):
    """The list's table rows, written in Python as ``hepingorgs.opendata.QuickSelect``
    writes its options: through the template engine, 50 rows of six cells cost a third
    of the page's rendering (bench/directory.py, 3,000,000 groups). ``with_street``: the
    street before the community (district staff see every street)."""
    # Once per page rather than per row: reverse() and get_status_display() (which
    # rebuilds the choices' dict at each call) were half of the rows' time.
    detail = row_links("filings:detail")
    statuses = {value: str(name) for value, name in FilingStatus.choices}
    label = {
        "name": _("name"),
        "number": _("filing number"),
        "community": _("community"),
        "category": _("category"),
        "status": _("status"),
        "members": _("members"),
    }
    return html_join(
        ROW_HTML,
        (
            (
                label["name"],
                detail(group.pk),
                group.name,
                label["number"],
                group.filing_number or "—",
                label["community"],
                f"{group.street.name} · " if with_street else "",
                group.community.name,
                label["category"],
                group.category.name if group.category_id else "—",
                label["status"],
                group.status,
                statuses.get(group.status, group.status),
                label["members"],
                localize(group.member_count) if group.member_count else "—",
            )
            for group in groups
        ),
    )


# Seconds the sampled counts of a scope are kept (in the process's cache): they are shown
# as estimates ("≈"), and at half a million groups a minute's filings do not move them;
# taking them costs a sample query and its rows at every view (5-10 ms, bench/directory.py).
SAMPLED_COUNTS_SECONDS = 60


def _counts(scope):
    """Groups by status and, of the filed ones, by category, for the counts at the top of
    the list: exact at a district's size, scaled from a sample of the scope's rows when
    the planner expects more than ``search.EXACT_COUNTS_UP_TO`` (a street with half a
    million groups); the third value says which. Two queries: the planner's estimate and
    one count grouped by both status and category (``search.sampled_counts``); the
    second is skipped for a minute once a scope's counts are sampled."""
    estimate = search.planner_estimate(scope)
    exact = estimate <= search.EXACT_COUNTS_UP_TO
    columns = ("status", "category")
    if exact:
        both = search.sampled_counts(scope, columns, estimate, exact=True)
    else:
        key = "filing-counts:" + hashlib.sha256(str(scope.query).encode()).hexdigest()
        both = cache.get(key)
        if both is None:
            both = search.sampled_counts(scope, columns, estimate, exact=False)
            cache.set(key, both, SAMPLED_COUNTS_SECONDS)
    by_status, by_category = {}, {}
    for (status, category), n in both.items():
        by_status[status] = by_status.get(status, 0) + n
        if status == FilingStatus.FILED:
            by_category[category] = by_category.get(category, 0) + n
    status_counts = [
        (value, label, by_status.get(value, 0)) for value, label in FilingStatus.choices
    ]
    category_counts = [
        (category, by_category.get(category.pk, 0)) for category in FilingCategory.objects.all()
    ]
    return status_counts, category_counts, exact


@require_safe
@filing_user_required
def filing_list(request):
    filterset = CommunityGroupFilter(request.GET or None, request=request)
    paginator = search.StaffPaginator(_list_rows(filterset.qs), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    scope = access.filings_for(request.user)
    street = access.clerk_street(request.user)
    if street is None and filterset.is_bound and filterset.is_valid():
        chosen = filterset.form.cleaned_data.get("street")
        if chosen:
            scope, street = scope.filter(street=chosen), chosen
    status_counts, category_counts, counts_exact = _counts(scope)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "filings/list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": _rows_html(page, access.can_review_filings(request.user)),
            "street": street,
            "status_counts": status_counts,
            "category_counts": category_counts,
            "counts_exact": counts_exact,
            "query": query.urlencode(),
        },
    )


EXPORT_COLUMNS = (
    "name",
    "filing_number",
    "filed_on",
    "street",
    "community",
    "category",
    "service_targets",
    "leader_name",
    "leader_phone",
    "member_count",
    "founded_on",
    "venue",
    "guiding_unit",
    "status",
    "upgrade_since",
    "upgrade_partner",
)


def _export_row(group):
    return [
        group.name,
        group.filing_number or "",
        group.filed_on,
        group.street.name,
        group.community.name,
        group.category.name if group.category else "",
        "、".join(str(label) for label in group.get_service_targets_display()),
        group.leader_name,
        group.leader_phone,
        group.member_count,
        group.founded_on,
        group.venue,
        group.guiding_unit,
        group.get_status_display(),
        group.upgrade_since,
        group.upgrade_partner.name if group.upgrade_partner else "",
    ]


@require_safe
@filing_user_required
def filing_export(request):
    """The list as the user filtered it, as an Excel workbook (internal: it carries the
    leaders' personal data, so it is for clerks and staff only, like the list)."""
    filterset = CommunityGroupFilter(request.GET or None, request=request)
    groups = filterset.qs.select_related("street", "community", "category", "upgrade_partner")
    header = [CommunityGroup._meta.get_field(name).verbose_name for name in EXPORT_COLUMNS]
    title = str(CommunityGroup._meta.verbose_name_plural)
    content = workbook_bytes([(title, header, (_export_row(g) for g in groups.iterator()))])
    street = access.clerk_street(request.user)
    stem = "-".join(
        part
        for part in (title, street.name if street else "", timezone.localdate().isoformat())
        if part
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}.xlsx")
    return response


@require_safe
@filing_user_required
def filing_detail(request, pk):
    group = access.get_filing_or_404(
        request.user,
        pk,
        CommunityGroup.objects.select_related(
            "street", "community", "category", "registered_as", "upgrade_partner"
        ),
    )
    return render(
        request,
        "filings/detail.html",
        {
            "group": group,
            "history": history_for(group),
            "can_edit": access.can_edit_filing(request.user, group),
            "return_form": ReturnForm(),
            "cancel_form": CancelForm(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@filing_user_required
def filing_create(request):
    form = CommunityGroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        group = form.save(commit=False)
        group.created_by = request.user
        if _save_unless_name_taken(form, group):
            messages.success(request, _("Draft saved. Submit it when it is complete."))
            return redirect("filings:detail", pk=group.pk)
    return render(request, "filings/form.html", {"form": form, "group": None})


def _save_unless_name_taken(form, group):
    """Save; if another clerk took the name between validation and saving (the database's
    unique constraint fires), report it on the name field instead of failing."""
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
        if constraint != "communitygroup_unique_active_name":
            raise
        same, _similar = name_conflicts(group.name, group.street_id, group.pk)
        form.add_error("name", duplicate_name_message(same) if same else str(error))
        return False
    return True


def _conflicts(group, seen_version):
    """Fields changed by someone else since ``seen_version``: (field, then, now, who)."""
    seen = group.events.filter(version=seen_version).order_by("-pgh_id").first()
    if seen is None:
        return []
    latest = group.events.select_related("pgh_context").order_by("-pgh_id").first()
    who = ""
    if latest is not None and latest.pgh_context_id:
        who = latest.pgh_context.metadata.get("username", "")
    changed = []
    for name in CommunityGroupForm.Meta.fields:
        field = CommunityGroup._meta.get_field(name)
        then, now = getattr(seen, field.attname), getattr(group, field.attname)
        if then != now:
            changed.append((field, then, now, who))
    return changed


@require_http_methods(["GET", "HEAD", "POST"])
@filing_user_required
def filing_edit(request, pk):
    if request.method != "POST":
        group = access.get_filing_or_404(request.user, pk)
        if not access.can_edit_filing(request.user, group):
            messages.error(request, _("Only drafts and returned filings can be edited."))
            return redirect("filings:detail", pk=group.pk)
        form = CommunityGroupForm(instance=group, user=request.user)
        return render(request, "filings/form.html", {"form": form, "group": group})

    with transaction.atomic():
        # The row lock makes "compare version, then save" one step for concurrent editors.
        group = access.get_filing_or_404(request.user, pk, for_update=True)
        if not access.can_edit_filing(request.user, group):
            messages.error(request, _("Only drafts and returned filings can be edited."))
            return redirect("filings:detail", pk=group.pk)
        form = CommunityGroupForm(request.POST, instance=group, user=request.user)
        if not form.is_valid():
            return render(request, "filings/form.html", {"form": form, "group": group})
        seen_version = form.cleaned_data.get("version")
        current = CommunityGroup.objects.get(pk=group.pk)
        if seen_version != current.version:
            return _render_conflict(request, current, seen_version)
        group = form.save(commit=False)
        group.version = current.version + 1
        if not _save_unless_name_taken(form, group):
            return render(request, "filings/form.html", {"form": form, "group": current})
    messages.success(request, _("Changes saved."))
    return redirect("filings:detail", pk=group.pk)


def _render_conflict(request, current, seen_version):
    """Refuse a stale save: show what the other person changed, keep both sides' work.

    The form is filled with the user's input, except for the fields the other person
    changed, which keep the saved values, so saving again loses nothing of theirs.
    """
    conflicts = _conflicts(current, seen_version or 0)
    data = request.POST.copy()
    form_for_names = CommunityGroupForm(instance=current, user=request.user)
    for field, _then, _now, _who in conflicts:
        value = form_for_names.initial.get(field.name)
        if isinstance(value, list):
            data.setlist(field.name, [str(v) for v in value])
        else:
            data[field.name] = "" if value is None else str(value)
    data["version"] = str(current.version)
    form = CommunityGroupForm(data, instance=current, user=request.user)
    form.is_valid()
    rows = [
        (
            field.verbose_name,
            _display(field, request.POST.getlist(field.name), form_for_names),
            _display(field, form_for_names.initial.get(field.name), form_for_names),
            who,
        )
        for field, _then, _now, who in conflicts
    ]
    messages.error(
        request,
        _(
            "Someone else saved this filing while you were editing it. Your changes were "
            "not saved. The fields they changed now show their values; check them and "
            "save again."
        ),
    )
    return render(
        request,
        "filings/form.html",
        {"form": form, "group": current, "conflicts": rows},
        status=409,
    )


def _display(field, value, form):
    """A form value in words, using the form field's choices where it has them."""
    form_field = form.fields[field.name]
    values = value if isinstance(value, list) else [value]
    values = [v for v in values if v not in (None, "")]
    choices = getattr(form_field, "choices", None)
    if choices is not None:
        labels = {str(k): str(v) for k, v in choices}
        return "、".join(labels.get(str(v), str(v)) for v in values) or "—"
    return "、".join(str(v) for v in values) or "—"


def _transition(request, pk, action, **kwargs):
    """Run a workflow step on a filing the user may see; a refusal becomes a message.
    Returns the updated filing, or None when the step was refused."""
    with transaction.atomic():
        group = access.get_filing_or_404(request.user, pk, for_update=True)
        try:
            return action(group, **kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return None


@require_POST
@filing_user_required
def filing_submit(request, pk):
    # filings.submit itself refuses anything but a draft or a returned filing.
    if _transition(request, pk, filings.submit):
        messages.success(request, _("Submitted to the district civil affairs bureau for review."))
    return redirect("filings:detail", pk=pk)


@require_safe
@reviewer_required
def review_queue(request):
    queryset = _list_rows(
        access.filings_for(request.user).filter(status=FilingStatus.SUBMITTED)
    ).order_by("updated_at")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "filings/review.html", {"page": page, "return_form": ReturnForm()})


@require_POST
@reviewer_required
def filing_accept(request, pk):
    group = _transition(request, pk, filings.accept)
    if group is not None:
        messages.success(
            request,
            _("Accepted and filed as %(number)s.") % {"number": group.filing_number},
        )
    return _back(request, pk)


@require_POST
@reviewer_required
def filing_return(request, pk):
    form = ReturnForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""  # empty: refused below
    if _transition(request, pk, filings.return_for_correction, reason=reason):
        messages.success(request, _("Returned to the street office for correction."))
    return _back(request, pk)


def _back(request, pk):
    """Back to the review queue when the action came from there, else to the filing."""
    target = request.POST.get("next", "")
    if target == reverse("filings:review"):
        return redirect(target)
    return redirect("filings:detail", pk=pk)


@require_POST
@reviewer_required
def filing_cancel(request, pk):
    access.get_filing_or_404(request.user, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        for name, field_errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}：{' '.join(field_errors)}")
        return redirect("filings:detail", pk=pk)
    if _transition(
        request,
        pk,
        filings.cancel,
        reason=form.cleaned_data["reason"],
        on=form.cleaned_data["cancelled_on"],
    ):
        messages.success(request, _("The filing was cancelled."))
    return redirect("filings:detail", pk=pk)
