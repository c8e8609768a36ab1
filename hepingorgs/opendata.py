"""Shared pieces of everything the public reads without logging in: the directory pages
of each app, the read-only API at ``/api/v1/`` and the bulk downloads.

- ``client_address``: whose requests are counted. Behind ``TRUSTED_PROXY_COUNT`` reverse
  proxies the client is the entry that many places from the right of X-Forwarded-For
  (each proxy appends the address it received from, so anything further left is what the
  client itself sent, and may be forged); with no proxy the header is ignored.
- ``PublicThrottle`` and ``throttle``: anonymous rate limits per client address for the
  API (DRF) and the HTML pages, answering 429 with a Chinese message and Retry-After.
- ``public_paginator`` and ``CappedPagination``: lists count matching rows exactly up to
  ``PUBLIC_COUNT_CAP`` (``registry.search.EstimatedCountPaginator``) and estimate
  above; pages and the API say which (``count_is_exact``).
- ``PublicFilterSet``: the base of each public resource's one filter set (HTML list and
  API): ``updated_since``, ``sort`` and search ranking; its drop-downs render as
  ``QuickSelect`` and read their rows with one plain query (``ListedModelChoices``).
- ``PublicReadOnlyViewSet``: the base of every public resource (anonymous, read-only,
  throttled, capped counts). ``hepingorgs.api`` registers them; ``/downloads/`` serves
  each registered one as CSV and JSON through its own serializer.
"""

import datetime
import hashlib
import math
from collections.abc import Mapping
from functools import wraps

import django_filters
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.forms.utils import flatatt
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import (
    exceptions,
    pagination,
    permissions,
    renderers,
    serializers,
    throttling,
    viewsets,
)
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response

from hepingorgs.clientip import client_ip
from hepingorgs.kept import Kept
from hepingorgs.markup import escaped
from registry.search import SEARCH_COUNT_CAP, EstimatedCountPaginator


def client_address(request):
    """The client's address: the one rule of ``hepingorgs.clientip.client_ip``."""
    return client_ip(request)


def too_many_requests_message(wait):
    if wait is None:
        return _("Too many requests from your address. Please try again later.")
    return ngettext(
        "Too many requests from your address. Please try again in %(wait)d second; "
        "the whole data set can be downloaded at /downloads/.",
        "Too many requests from your address. Please try again in %(wait)d seconds; "
        "the whole data set can be downloaded at /downloads/.",
        wait,
    ) % {"wait": wait}


class PublicThrottle(throttling.SimpleRateThrottle):
    """Requests per client address, whoever is logged in; rates from
    ``settings.PUBLIC_THROTTLE_RATES`` (read on each request, so tests can lower them)."""

    scope = "api"

    def __init__(self, scope=None):
        if scope:
            self.scope = scope
        super().__init__()

    def get_rate(self):
        return settings.PUBLIC_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class TooManyRequests(exceptions.Throttled):
    def __init__(self, wait=None):
        wait = math.ceil(wait) if wait is not None else None
        exceptions.APIException.__init__(self, too_many_requests_message(wait), "throttled")
        self.wait = wait


def cached_for_the_public(request, respond):
    """The answer ``respond()`` gives, from the cache when an anonymous visitor asked the
    same address in the same language within ``PUBLIC_CACHE_SECONDS`` (0: never).

    The public pages and API answers are the same for every anonymous visitor and make
    up most of the traffic; rendering one costs 25-40 ms of CPU, reading it from the
    cache none. So they may be up to ``PUBLIC_CACHE_SECONDS`` old (30 s by default;
    docs/deploy.md). Never cached: anything for a logged-in user (staff see the
    directory as it is), answers other than 200, streamed files, and any answer that
    sets a cookie or used the CSRF token (it would carry one visitor's token to
    another). The cache is Django's default cache (per process unless ``CACHES``
    names a shared one). Rate limits are checked before, so a cached answer still counts.
    """
    seconds = settings.PUBLIC_CACHE_SECONDS
    user = getattr(request, "user", None)
    if not seconds or request.method not in ("GET", "HEAD") or (user and user.is_authenticated):
        return respond()
    address = request.get_full_path().encode()
    key = f"public-answer:{get_language()}:{hashlib.sha256(address).hexdigest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    response = respond()

    def store(response):
        csrf_used = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        if response.status_code == 200 and not response.cookies and not csrf_used:
            cache.set(key, response, seconds)

    if response.streaming:
        return response
    if getattr(response, "is_rendered", True):
        store(response)
    else:  # a DRF Response: stored once rendered
        response.add_post_render_callback(store)
    return response


def public_cache(view):
    """Decorator for public HTML pages, below ``throttle`` (so that a cached answer still
    counts): served through ``cached_for_the_public``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return cached_for_the_public(request, lambda: view(request, *args, **kwargs))

    return wrapper


def throttle(scope):
    """Decorator for public HTML views and downloads: 429 page beyond the scope's rate."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limiter = PublicThrottle(scope)
            if not limiter.allow_request(request, None):
                wait = limiter.wait()
                wait = math.ceil(wait) if wait is not None else None
                response = render(
                    request, "429.html", {"message": too_many_requests_message(wait)}, status=429
                )
                if wait is not None:
                    response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def public(view):
    """Who may use it: anyone, anonymous included; read-only (GET and HEAD only)."""
    return require_safe(view)


def public_paginator(object_list, per_page, **kwargs):
    """The paginator of every public list (HTML and API): ``EstimatedCountPaginator``
    (exact counts up to ``PUBLIC_COUNT_CAP`` rows, fewer for a search, estimated above;
    search results ranked exact and prefix matches first) with the public caps."""
    cap = settings.PUBLIC_COUNT_CAP
    return EstimatedCountPaginator(
        object_list,
        per_page,
        cap=cap,
        search_cap=min(cap, SEARCH_COUNT_CAP),
        estimate_first=True,
        **kwargs,
    )


class QuickSelect(forms.Select):
    """``forms.Select`` with the same markup, written in Python instead of through the
    template engine (one template include per option). Every public list renders about a
    dozen drop-down filters on every view; through templates they cost about 0.1 ms of
    CPU per option, 8 ms of a 27 ms directory page and 13 ms of the community groups
    page with its 65 communities (bench/load.py, docs/benchmarks.md)."""

    def render(self, name, value, attrs=None, renderer=None):
        # Straight from the choices: Django's get_context() builds a dict per option
        # (deep-copying the widget's attributes for each), 4 ms of a directory page.
        # Each option's value and label escaped as format_html would (hepingorgs.markup).
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        wanted = set(self.format_value(value))
        parts = []
        for group_name, group_choices in self._grouped_choices():
            if group_name:
                parts.append(f'<optgroup label="{escaped(group_name)}">')
            for option_value, label in group_choices:
                option_value = "" if option_value is None else str(option_value)
                selected = option_value in wanted
                if selected and not self.allow_multiple_selected:
                    wanted = set()  # the first match only, as Django's Select
                parts.append(
                    f'<option value="{escaped(option_value)}"{" selected" if selected else ""}>'
                    f"{escaped(label)}</option>"
                )
            if group_name:
                parts.append("</optgroup>")
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(final_attrs),
            mark_safe("".join(parts)),  # noqa: S308 (each value in the parts is escaped)
        )

    def _grouped_choices(self):
        """(group label or None, [(value, label), ...]) as ``optgroups()`` sees them."""
        loose = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                if loose:
                    yield None, loose
                    loose = []
                yield option_value, label
            else:
                loose.append((option_value, label))
        if loose:
            yield None, loose


# Seconds a filter's drop-down choices of reference rows are kept in the process
# (``ListedModelChoices``); 0 reads them at every view.
REFERENCE_CHOICES_SECONDS = settings.PUBLIC_FILTERS_SECONDS
# (database, SQL, parameters, language, labelling function) -> [(value, label)]
_reference_choices = Kept()


class _OneQuery(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if not isinstance(self.field.widget, QuickSelect):  # another widget may want rows
            for obj in self.queryset.all():
                yield self.choice(obj)
            return
        queryset = self.queryset.all()
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        label = self.field.label_from_instance
        # A list among the parameters (an array's contents) makes the key unhashable:
        # such choices are read every time.
        key = (queryset.db, sql, tuple(params), get_language(), getattr(label, "__func__", label))
        yield from _reference_choices.get(
            key,
            REFERENCE_CHOICES_SECONDS,
            lambda: [(self.field.prepare_value(obj), label(obj)) for obj in queryset],
        )


class ListedModelChoices(django_filters.fields.ModelChoiceIterator, _OneQuery):
    """Choices of a drop-down of reference rows (streets, communities, categories) read
    with one plain query. Django reads them through ``QuerySet.iterator()``, a server-side
    cursor on PostgreSQL (``DECLARE ... WITH HOLD``, fetch, close): twice the time for a
    few dozen rows, on every view of a public list.

    Drawn by ``QuickSelect``, the (value, label) pairs are kept in the process for
    ``REFERENCE_CHOICES_SECONDS``, keyed by the query (so a clerk's communities, which
    are their street's, are never another street's), the language and the labelling:
    the clerks' workspace drew its three drop-downs from three queries and some 130
    rows made into model instances at every view, 5-8 ms of a page (bench/directory.py).
    A street or community added in the admin shows in the filters within that time;
    the forms that file a group read theirs afresh."""


class CappedPagination(pagination.PageNumberPagination):
    """DRF's ``count/next/previous/results`` plus ``count_is_exact``."""

    django_paginator_class = staticmethod(public_paginator)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # DRF answers 404 to any page it cannot show; a page that is not a number at
        # all is a refused parameter (400), as the other filters' are.
        number = request.query_params.get(self.page_query_param, "")
        numeric = number.isascii() and number.isdigit()
        if number and not (numeric or number in self.last_page_strings):
            raise exceptions.ValidationError(
                {self.page_query_param: [_("Enter a page number: a whole number from 1.")]}
            )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.count_is_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = _(
            "Number of matching rows: exact when count_is_exact, else estimated."
        )
        response["properties"]["count_is_exact"] = {
            "type": "boolean",
            "description": _("False when the count is an estimate (a very large result)."),
        }
        response["required"] = [*response.get("required", []), "count_is_exact"]
        return response


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.Field):
    """The display label of a choice field (``source`` names the field). Cheaper than
    ``source="get_x_display"``, which DRF inspects as a callable on every row."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))

    def list_representation(self):
        """``to_representation`` for the rows of one list (``row_writer``): the labels
        translated once, not once a row."""
        labels = {value: str(label) for value, label in self.labels.items()}

        def represent(value):
            label = labels.get(value)
            return str(value) if label is None else label

        return represent


_SKIPPED = object()


def row_writer(serializer):
    """A function writing one row as ``serializer.to_representation`` writes it, the
    same keys and values, for the rows of one list or download.

    DRF works out each field of each row anew: the fields' generator, ``source`` looked
    up through checks for mappings and callables, the field's ``to_representation`` (a
    choice label translated again each time). For a page of 50 organizations that was
    12 of the API's 55 ms (bench/directory.py). Here each field's reading is settled
    once: a plain attribute path (``street.name``) is read with ``getattr``; a field
    with ``list_representation`` (``ChoiceLabelField``) prepares its own. Anything else
    (a related field, a whole-row field, a callable or a missing relation met on the
    way, an attribute missing, a mapping for a row) goes through DRF's own
    ``get_attribute`` for that cell, so defaults, ``SkipField`` and nulls behave as they
    do there. ``tests/test_public_rows.py`` compares both writers on every public
    resource."""
    cells = [(field.field_name, *_cell_writers(field)) for field in serializer._readable_fields]

    def write(instance):
        row = {}
        by_drf = isinstance(instance, Mapping)
        for name, by_path, drf in cells:
            value = drf(instance) if by_drf else by_path(instance)
            if value is not _SKIPPED:
                row[name] = value
        return row

    return write


def _cell_writers(field):
    """(the cell read by its attribute path where it can be, the cell read by DRF)."""
    prepare = getattr(field, "list_representation", None)
    represent = prepare() if prepare else field.to_representation

    def by_drf(instance):
        try:
            attribute = field.get_attribute(instance)
        except serializers.SkipField:
            return _SKIPPED
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check is None else represent(attribute)

    attrs = field.source_attrs
    if (
        not attrs
        or isinstance(field, serializers.RelatedField | serializers.ManyRelatedField)
        or field.source == "*"
    ):
        return by_drf, by_drf

    def by_path(instance):
        value = instance
        for attr in attrs:
            if value is None:  # a missing relation: DRF's default, if any
                return by_drf(instance)
            value = getattr(value, attr, _SKIPPED)
            if value is _SKIPPED or callable(value):
                return by_drf(instance)
        return None if value is None else represent(value)

    return by_path, by_drf


class PublicListSerializer(serializers.ListSerializer):
    """The list of a public resource (``Meta.list_serializer_class``), written by
    ``row_writer``."""

    def to_representation(self, data):
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        key = (type(self.child), get_language())
        write = _list_writers.get(key)
        if write is None:
            # From a serializer of its own, without this request's context: the writer
            # outlives the request.
            write = _list_writers[key] = row_writer(type(self.child)())
        return [write(row) for row in rows]


# (serializer class, language) -> its row writer. A public resource's rows depend on the
# row and the language alone (its answers and downloads are cached and shared by every
# client), so its fields are set up once a process: building a ModelSerializer's fields
# (each model field inspected, each serializer field made) was 3 of the 45 ms an API
# search took (bench/directory.py). A field that needs its serializer (a method field)
# gets the one the writer was made with, which has no context (no request).
_list_writers = {}


class PublicReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Base of every public API resource. No authentication at all: everybody is an
    anonymous client counted by address, and no session is read or written.

    Subclasses set ``serializer_class`` (fields listed explicitly: public data only),
    ``filterset_class`` (the HTML list's) and ``get_queryset()`` (which must not depend
    on the request: ``/downloads/`` calls it too). ``download_title`` names the resource
    on the downloads page; ``download_queryset()`` may order the bulk file differently."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (PublicThrottle,)
    pagination_class = CappedPagination
    # JSON to browsers too: DRF's browsable page uses inline styles, which the
    # Content-Security-Policy blocks (console errors, an unstyled page). People explore
    # the API through Swagger UI at /api/docs/, served from our own static files.
    renderer_classes = (renderers.JSONRenderer,)

    def throttled(self, request, wait):
        raise TooManyRequests(wait)

    def list(self, request, *args, **kwargs):
        return cached_for_the_public(
            request, lambda: super(PublicReadOnlyViewSet, self).list(request, *args, **kwargs)
        )

    def retrieve(self, request, *args, **kwargs):
        return cached_for_the_public(
            request, lambda: super(PublicReadOnlyViewSet, self).retrieve(request, *args, **kwargs)
        )

    def download_queryset(self):
        return self.get_queryset()


UPDATED_SINCE_HELP = gettext_lazy(
    "Only rows changed at or after this time, ISO 8601, e.g. 2026-01-31T08:00:00+08:00 "
    "(without a zone: Beijing time)."
)
UPDATED_SINCE_ERROR = gettext_lazy(
    "updated_since: enter a date and time in ISO 8601 form, e.g. 2026-01-31T08:00:00+08:00."
)
YES_NO = [
    ("", gettext_lazy("either")),
    ("true", gettext_lazy("yes")),
    ("false", gettext_lazy("no")),
]
# Set by the search module on its results when it ranks them (0 exact, 1 prefix, 2 other
# matches; ascending); used as the first sort key whenever present.
SEARCH_RANK = "search_rank"


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time given in any zone, handed on in UTC: PostgreSQL refuses zone
    offsets beyond ±15:59 in a literal, which ISO 8601 allows up to ±23:59."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError as exc:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class PublicFilterSet(django_filters.FilterSet):
    """Base of each public resource's filter set: ``updated_since`` (every resource has
    an ``updated_at`` the database moves) and ordering. Subclasses declare ``q`` and a
    ``sort`` choice filter (``method="keep"``) and map each ``sort`` value to an ordering
    in ``SORTS`` (end it with the primary key, so pages are stable); the empty value
    means best match first when the search ranked the rows, else the first ordering."""

    SORTS = {}

    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=gettext_lazy("updated since"),
        help_text=UPDATED_SINCE_HELP,
        error_messages={"invalid": UPDATED_SINCE_ERROR},
    )

    def filter_queryset(self, queryset):
        # As django-filter does, but the search (``q``) last, once the other filters
        # narrow the rows: a search within one street then looks up that street's
        # n-grams alone (``registry.search._Terms.name_condition``).
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, data[name])
        sort = data.get("sort") or ""
        ordering = self.SORTS.get(sort) or next(iter(self.SORTS.values()))
        if not sort and SEARCH_RANK in queryset.query.annotations:
            # 0 exact, 1 prefix, 2 the rest: the best match has the lowest rank.
            ordering = (SEARCH_RANK, *ordering)
        return queryset.order_by(*ordering)

    def keep(self, queryset, name, value):
        return queryset

    def get_form_class(self):
        # Built once per filter set class: its fields do not depend on the request (no
        # public filter set changes its filters per instance), and each form deep-copies
        # them anyway. django-filter builds the class and every field afresh on each
        # request (about 2 ms of a public list's CPU).
        cls = type(self)
        form_class = cls.__dict__.get("_public_form_class")
        if form_class is None:
            form_class = quick_choices(super().get_form_class())
            cls._public_form_class = form_class
        return form_class


def quick_choices(form_class):
    """``form_class`` with its drop-downs drawn by ``QuickSelect`` and its model choices
    read by ``ListedModelChoices`` (one plain query): for the forms of filter sets."""
    for field in form_class.base_fields.values():
        if getattr(field, "iterator", None) is django_filters.fields.ModelChoiceIterator:
            field.iterator = ListedModelChoices
        if type(field.widget) is forms.Select:
            field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.widget.choices)
    return form_class
