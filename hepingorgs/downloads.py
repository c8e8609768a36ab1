"""``/downloads/``: every public API resource (``hepingorgs.api``) in bulk, as CSV (UTF-8
with a byte-order mark, so that Excel reads the Chinese) and JSON, and a data dictionary.

Rows come from the resource's own viewset and serializer, so a download shows exactly
the fields the API shows, and a resource registered in ``hepingorgs.api`` has its
downloads without further code. Files are streamed from a server-side cursor
(``QuerySet.iterator``), so memory stays flat however many rows there are.
"""

import csv
import json
from decimal import Decimal

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.drainage import get_override
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from hepingorgs import api
from hepingorgs.opendata import PublicReadOnlyViewSet, public, row_writer, throttle

CHUNK = 2000
# Cells a spreadsheet would run as a formula (see hepingorgs.xlsx for workbooks).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Resource:
    """A registered public resource as the downloads see it."""

    def __init__(self, name, viewset_class, request):
        self.name = name
        self.view = viewset_class(
            request=request, format_kwarg=None, action="list", args=(), kwargs={}
        )
        self.title = str(getattr(self.view, "download_title", name))
        self.serializer = self.view.get_serializer()

    def rows(self):
        represent = row_writer(self.serializer)
        for obj in self.view.download_queryset().iterator(chunk_size=CHUNK):
            yield represent(obj)

    @property
    def fields(self):
        return list(self.serializer.fields.items())


def resources(request):
    return [
        Resource(name, viewset, request)
        for name, viewset in api.public_resources()
        if issubclass(viewset, PublicReadOnlyViewSet)
    ]


def resource_or_404(request, name):
    for resource in resources(request):
        if resource.name == name:
            return resource
    raise Http404


def field_type(field):
    """The field's kind in words, for the data dictionary."""
    if isinstance(field, serializers.SerializerMethodField):
        method = getattr(field.parent, field.method_name)
        declared = get_override(method, "field")
        if isinstance(declared, serializers.Field):
            return field_type(declared)
        return _("text")
    if isinstance(field, serializers.ChoiceField):
        choices = "; ".join(
            f"{value or '(' + _('empty') + ')'} = {label}" for value, label in field.choices.items()
        )
        return _("code: %(choices)s") % {"choices": choices}
    if isinstance(field, serializers.BooleanField):
        return _("true or false")
    if isinstance(field, serializers.DateTimeField):
        return _("date and time, ISO 8601 with time zone")
    if isinstance(field, serializers.DateField):
        return _("date, YYYY-MM-DD")
    if isinstance(field, serializers.DecimalField):
        return _("number with two decimal places")
    if isinstance(field, serializers.IntegerField):
        return _("whole number")
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        return _("list (separated by 、 in CSV)")
    return _("text")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "、".join(_csv_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, cls=JSONEncoder)
    value = str(value)
    if value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text):
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


class _Echo:
    def write(self, value):
        return value


def csv_stream(resource):
    writer = csv.writer(_Echo())
    names = [name for name, _field in resource.fields]
    yield "\ufeff" + writer.writerow(names)
    batch = []
    for row in resource.rows():
        batch.append(writer.writerow([_csv_cell(row.get(name)) for name in names]))
        if len(batch) >= CHUNK:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def json_stream(resource):
    yield "[\n"
    separator = ""
    for row in resource.rows():
        yield separator + json.dumps(row, ensure_ascii=False, cls=JSONEncoder)
        separator = ",\n"
    yield "\n]\n"


FORMATS = {
    "csv": (csv_stream, "text/csv; charset=utf-8"),
    "json": (json_stream, "application/json; charset=utf-8"),
}


@public
def index(request):
    return render(request, "downloads/index.html", {"resources": resources(request)})


@public
def dictionary(request):
    tables = [
        (
            resource,
            [
                (name, field.label, field.help_text or "", field_type(field))
                for name, field in resource.fields
            ],
        )
        for resource in resources(request)
    ]
    return render(request, "downloads/dictionary.html", {"tables": tables})


@public
@throttle("downloads")
def download(request, name, fmt):
    resource = resource_or_404(request, name)
    if fmt not in FORMATS:
        raise Http404
    stream, content_type = FORMATS[fmt]
    response = StreamingHttpResponse(stream(resource), content_type=content_type)
    filename = f"hepingorgs-{name}-{timezone.localdate().isoformat()}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


app_name = "downloads"
urlpatterns = [
    path("", index, name="index"),
    path("dictionary/", dictionary, name="dictionary"),
    path("<slug:name>.<slug:fmt>", download, name="file"),
]
