"""``hepingorgs.opendata.row_writer``: the public lists and downloads write their rows
without DRF's per-cell machinery, and must write exactly what DRF writes."""

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import translation
from rest_framework import serializers

from hepingorgs import api, opendata
from hepingorgs.opendata import (
    ChoiceLabelField,
    PublicListSerializer,
    PublicReadOnlyViewSet,
    row_writer,
)
from registry.api import OrganizationSerializer, OrganizationViewSet
from registry.models import OrgStatus, Street


def _public_viewsets():
    return [
        (name, viewset)
        for name, viewset in api.public_resources()
        if issubclass(viewset, PublicReadOnlyViewSet)
    ]


def _list_serializer(viewset_class, rows):
    view = viewset_class(
        request=RequestFactory().get("/"), format_kwarg=None, action="list", args=(), kwargs={}
    )
    return view.get_serializer(rows, many=True)


def test_every_public_resource_lists_through_the_row_writer():
    names = set()
    for name, viewset in _public_viewsets():
        names.add(name)
        assert isinstance(_list_serializer(viewset, []), PublicListSerializer), name
    assert {"organizations", "community-groups", "projects"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_are_what_drf_writes_for_every_demo_row(demo_district, db, language):
    with translation.override(language):
        for name, viewset in _public_viewsets():
            view = viewset(
                request=RequestFactory().get("/"),
                format_kwarg=None,
                action="list",
                args=(),
                kwargs={},
            )
            rows = list(view.get_queryset())
            assert len(rows) >= 3, name
            listed = _list_serializer(viewset, rows)
            drf = [serializers.Serializer.to_representation(listed.child, row) for row in rows]
            assert listed.data == drf, name
            assert [row_writer(listed.child)(row) for row in rows] == drf, name


class _Odd(serializers.Serializer):
    """Cells the writer hands back to DRF: defaults, optional cells, methods met on the
    way, related fields, whole-row fields, labels of unknown values."""

    name = serializers.CharField()
    code_default = serializers.CharField(source="street.code", default="none")
    missing_optional = serializers.CharField(source="nothing_here", required=False)
    missing_default = serializers.CharField(source="nothing_either", default="dflt")
    method = serializers.CharField(source="shout")
    street = serializers.PrimaryKeyRelatedField(read_only=True)
    whole = serializers.SerializerMethodField()
    status_label = ChoiceLabelField(OrgStatus.choices, source="status")
    funds = serializers.DecimalField(max_digits=14, decimal_places=2)
    since = serializers.DateField()

    def get_whole(self, row):
        return f"<{row.name}>"


class _Row:
    def __init__(self, name, street, status, funds):
        self.name, self.street, self.status, self.funds = name, street, status, funds
        self.since = datetime.date(2016, 3, 1)

    def shout(self):
        return self.name.upper()


@pytest.mark.django_db
def test_cells_drf_would_treat_specially_are_written_as_drf_writes_them():
    street = Street.objects.create(code="120101999", name="测试街道")
    rows = [
        _Row("alpha", street, OrgStatus.ACTIVE, Decimal("3.5")),
        _Row("beta", None, "unknown", None),
    ]
    serializer = _Odd(rows, many=True)
    expected = [_Odd().to_representation(row) for row in rows]
    assert [row_writer(serializer.child)(row) for row in rows] == expected
    assert expected[1]["code_default"] == "none"  # a missing relation: the default
    assert "missing_optional" not in expected[0]
    assert expected[0]["method"] == "ALPHA" and expected[1]["status_label"] == "unknown"
    # Rows given as mappings go through DRF's own reading.
    mapping = {
        "name": "gamma",
        "street": None,
        "status": OrgStatus.ACTIVE,
        "funds": 1,
        "since": datetime.date(2020, 1, 1),
        "shout": "G",
        "nothing_either": "x",
    }

    class _Mapped(_Odd):
        whole = None

    assert row_writer(_Mapped())(mapping) == _Mapped().to_representation(mapping)


def test_a_resource_sets_up_its_fields_once_for_each_language(demo_district, db, monkeypatch):
    """``PublicListSerializer`` keeps each resource's row writer, one for each language:
    the fields are made once, and the labels are the language's."""
    opendata._list_writers.clear()
    made = []
    get_fields = OrganizationSerializer.get_fields

    def counted(serializer):
        made.append(translation.get_language())
        return get_fields(serializer)

    monkeypatch.setattr(OrganizationSerializer, "get_fields", counted)
    rows = list(_list_serializer(OrganizationViewSet, []).child.Meta.model.objects.all()[:3])
    labels = {}
    for language in ["zh-hans", "en", "zh-hans", "en"]:
        with translation.override(language):
            data = _list_serializer(OrganizationViewSet, rows).data
            reference = OrganizationSerializer()
            assert data == [reference.to_representation(row) for row in rows]
        labels.setdefault(language, data[0]["status_label"])
        assert data[0]["status_label"] == labels[language]
    assert labels["zh-hans"] != labels["en"]
    # Once for each language's writer, and once for each DRF comparison above.
    assert made.count("zh-hans") == 1 + 2 and made.count("en") == 1 + 2
