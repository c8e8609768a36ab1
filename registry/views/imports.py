"""Importing Excel ledgers: upload (dry run), preview, commit, error report, template.

Two places, one set of views:

- ``/imports/`` for district civil-affairs staff, every kind (linked from the admin
  index);
- ``/filings/import/`` in the clerks' workspace, community-group filings only; a clerk's
  rows of another street are errors, so nothing of such a file is written.

The uploaded file waits between the dry run and the commit in an ``ImportBatch`` row on
the server (never in the session cookie), found only through its id AND the user who
uploaded it: anybody else gets 404.
"""

import hashlib
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hepingorgs import access
from hepingorgs.imports import ACTION_LABELS, MAX_BYTES, Report, error_report_rows
from hepingorgs.xlsx import XLSX_CONTENT_TYPE, template_bytes, workbook_bytes
from registry.imports import importer_for, template_sheet
from registry.models import ImportBatch, ImportKind
from registry.views.filings import filing_user_required

# Errors listed on the page; the downloadable report has all of them.
ERRORS_SHOWN = 500


def district_staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.is_district_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class Place:
    """Where the views run: the staff pages or the clerks' workspace."""

    def __init__(self, namespace, kinds):
        self.namespace = namespace
        self.kinds = kinds

    def url(self, name, *args):
        return reverse(f"{self.namespace}:{name}", args=args)


STAFF = Place("imports", list(ImportKind))
WORKSPACE = Place("filings", [ImportKind.COMMUNITY_GROUPS])


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"))
    file = forms.FileField(
        label=gettext_lazy("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0].value
            self.fields["kind"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB; split it into several files.")
                % {"limit": MAX_BYTES // (1024 * 1024)}
            )
        return upload


def _batch_or_404(request, pk, place):
    """An upload of this user, of a kind this place imports; else 404."""
    try:
        return ImportBatch.objects.defer("content").get(
            pk=pk, uploaded_by=request.user, kind__in=place.kinds
        )
    except ImportBatch.DoesNotExist as exc:
        raise Http404 from exc


def _upload(request, place):
    form = UploadForm(request.POST or None, request.FILES or None, kinds=place.kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        kind = form.cleaned_data["kind"]
        report = importer_for(kind, request.user).run(content)
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=upload.name[:255],
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=request.user,
            street=access.clerk_street(request.user),
            report=report.as_dict(),
        )
        return redirect(place.url("import_batch", batch.pk))
    recent = ImportBatch.objects.defer("content", "report").filter(
        uploaded_by=request.user, kind__in=place.kinds
    )[:10]
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "recent": recent,
            "place": place,
            "templates": [
                (kind.label, place.url("import_template", kind.value)) for kind in place.kinds
            ],
            "index_url": place.url("import"),
        },
    )


def _show(request, pk, place):
    batch = _batch_or_404(request, pk, place)
    report = Report.from_dict(batch.report)
    # In the order create, update, unchanged, errors (jsonb keeps keys in its own order).
    counts = [(label, report.counts.get(action, 0)) for action, label in ACTION_LABELS.items()]
    preview = [(number, ACTION_LABELS[action], label) for number, action, label in report.preview]
    return render(
        request,
        "imports/batch.html",
        {
            "batch": batch,
            "report": report,
            "counts": counts,
            "preview": preview,
            "errors": report.errors[:ERRORS_SHOWN],
            "more_errors": max(0, len(report.errors) - ERRORS_SHOWN),
            "commit_url": place.url("import_commit", batch.pk),
            "errors_url": place.url("import_errors", batch.pk),
            "index_url": place.url("import"),
            "can_commit": report.ok and batch.committed_at is None,
        },
    )


def _commit(request, pk, place):
    _batch_or_404(request, pk, place)
    with transaction.atomic():
        # Locked, so a double click commits once.
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if batch.committed_at is not None:
            messages.info(request, _("This file was already imported."))
            return redirect(place.url("import_batch", pk))
        previous = Report.from_dict(batch.report)
        if not previous.ok:
            messages.error(request, _("Correct the errors and upload the file again."))
            return redirect(place.url("import_batch", pk))
        report = importer_for(batch.kind, request.user).run(
            bytes(batch.content),
            commit=True,
            reason="import",
            file_name=batch.file_name,
            batch=batch.pk,
        )
        batch.report = report.as_dict()
        if report.committed:
            batch.committed_at = timezone.now()
        batch.save(update_fields=["report", "committed_at"])
    if report.committed:
        messages.success(
            request,
            _("Imported: %(create)d created, %(update)d updated, %(unchanged)d unchanged.")
            % report.counts,
        )
    else:
        messages.error(
            request,
            _("Nothing was imported: the data changed since the check. See the errors below."),
        )
    return redirect(place.url("import_batch", pk))


def _errors(request, pk, place):
    batch = _batch_or_404(request, pk, place)
    report = Report.from_dict(batch.report)
    if not report.errors:
        raise Http404
    content = bytes(ImportBatch.objects.values_list("content", flat=True).get(pk=batch.pk))
    rows = error_report_rows(content, report)
    header = next(rows)
    workbook = workbook_bytes([(_("errors"), header, rows)])
    stem = batch.file_name.rsplit(".", 1)[0]
    response = HttpResponse(workbook, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, stem + "-" + _("errors") + ".xlsx"
    )
    return response


def _template(request, kind, place):
    if kind not in place.kinds:
        raise Http404
    importer = importer_for(kind, request.user)
    header, sample, options = template_sheet(importer)
    content = template_bytes(str(ImportKind(kind).label), header, sample, options)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, str(ImportKind(kind).label) + "-" + _("template") + ".xlsx"
    )
    return response


# -- district staff: /imports/ ----------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@district_staff_required
def staff_upload(request):
    return _upload(request, STAFF)


@require_safe
@district_staff_required
def staff_batch(request, pk):
    return _show(request, pk, STAFF)


@require_POST
@district_staff_required
def staff_commit(request, pk):
    return _commit(request, pk, STAFF)


@require_safe
@district_staff_required
def staff_errors(request, pk):
    return _errors(request, pk, STAFF)


@require_safe
@district_staff_required
def staff_template(request, kind):
    return _template(request, kind, STAFF)


# -- the clerks' workspace: /filings/import/ ---------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@filing_user_required
def workspace_upload(request):
    return _upload(request, WORKSPACE)


@require_safe
@filing_user_required
def workspace_batch(request, pk):
    return _show(request, pk, WORKSPACE)


@require_POST
@filing_user_required
def workspace_commit(request, pk):
    return _commit(request, pk, WORKSPACE)


@require_safe
@filing_user_required
def workspace_errors(request, pk):
    return _errors(request, pk, WORKSPACE)


@require_safe
@filing_user_required
def workspace_template(request, kind):
    return _template(request, kind, WORKSPACE)
