"""The import's way of validating rows (one form bound again for every row, fields
cleaned without BoundFields, repeated values cleaned once) gives exactly what Django's
own form machinery gives with a new form per row: the same errors with the same
messages, the same cleaned data and the same record, on messy rows in any order. Its
way of writing (new records copied from a blank one, values COPY takes as they are)
gives what Django's own instances and ``bulk_create`` give."""

import datetime
import random
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms.models import construct_instance

from hepingorgs.imports import (
    ImportFormMixin,
    Row,
    _passed_through,
    copy_create,
    new_instance,
)
from hepingorgs.lookups import _array_literal
from registry.imports import importer_for
from registry.models import AnnualReport, CommunityGroup, FilingCategory, Organization
from tests.conftest import valid_code

pytestmark = pytest.mark.django_db


def plain(form_class):
    """``form_class`` with Django's own field cleaning, exclusions and instance building."""

    class Plain(form_class):
        _clean_fields = forms.BaseForm._clean_fields

        def _get_validation_exclusions(self):
            return super(ImportFormMixin, self)._get_validation_exclusions()

        def _post_clean(self):
            exclude = self._get_validation_exclusions()
            try:
                self.instance = construct_instance(self, self.instance, self._meta.fields)
            except ValidationError as error:
                self._update_errors(error)
            try:
                self.instance.full_clean(
                    exclude=exclude, validate_unique=False, validate_constraints=False
                )
            except ValidationError as error:
                self._update_errors(error)

    return Plain


def outcome(form):
    valid = form.is_valid()
    instance = form.instance
    return (
        valid,
        {name: list(messages) for name, messages in form.errors.items()},
        dict(form.cleaned_data),
        {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields},
    )


def group_rows(rng):
    names = ["福明社区合唱团", "  福明社区 舞蹈队 ", "", "队" * 101, "读书会\n第二", None]
    phones = ["13800000000", "138 0000 0000", "022-23456789", "123", "", "0221234567-12", None]
    counts = [20, 0, -3, "", None, "25", "很多", 10**12, 20.0]
    dates = [datetime.date(2015, 3, 1), datetime.date(2999, 1, 1), "2015-03-01", "", None]
    targets = [["elderly", "residents"], [], ["nobody"], ["children"], None]
    texts = ["福明社区活动室", "", "室" * 201, None, "  "]
    rows = []
    for n in range(400):
        rows.append(
            {
                "name": rng.choice(names) if n % 3 else f"第{n}队",
                "leader_name": rng.choice(["张秀兰", "", "李" * 51, None]),
                "leader_phone": rng.choice(phones) if n % 4 else f"13{n:09d}",
                "member_count": rng.choice(counts),
                "founded_on": rng.choice(dates),
                "service_targets": rng.choice(targets),
                "venue": rng.choice(texts),
                "guiding_unit": rng.choice(texts),
            }
        )
    return rows


def organization_rows(rng):
    codes = [valid_code(), valid_code(), "51120101MJ0000001X", "", "abc"]
    rows = []
    for n in range(200):
        rows.append(
            {
                "name": rng.choice(["和平区示例协会", "", f"和平区协会{n}"]),
                "credit_code": rng.choice(codes),
                "org_type": rng.choice(["1", "2", "9", ""]),
                "priority_category": rng.choice(["other", "industry", "x", ""]),
                "field": rng.choice(["04", "99", ""]),
                "legal_representative": rng.choice(["王某", ""]),
                "registered_funds": rng.choice([Decimal("30000.00"), Decimal("-1"), None]),
                "registered_on": rng.choice([datetime.date(2016, 5, 1), None]),
                "domicile": rng.choice(["南京路1号", ""]),
                "status": rng.choice(["active", "revoked", "x", ""]),
                "party_form": rng.choice(["none", "single", ""]),
                "party_members": rng.choice([0, 3, 12, None, -1]),
            }
        )
        if n % 5 == 0:  # a row that passes
            rows[-1].update(
                name=f"和平区协会{n}",
                credit_code=codes[0],
                org_type="1",
                priority_category="other",
                field="04",
                legal_representative="王某",
                registered_funds=Decimal("30000.00"),
                registered_on=datetime.date(2016, 5, 1),
                domicile="南京路1号",
                status="active",
                party_form="none",
                party_members=0,
            )
    return rows


@pytest.mark.parametrize(
    ("kind", "model", "rows"),
    [
        ("community-groups", CommunityGroup, group_rows),
        ("organizations", Organization, organization_rows),
    ],
)
def test_same_outcome_as_a_new_django_form_per_row(district_staff, kind, model, rows):
    rng = random.Random(10)
    rows = rows(rng)
    importer = importer_for(kind, district_staff)
    reference = plain(importer.form_class)

    def data(row):  # as the importer fills it: the model's defaults, then the row's values
        return importer.form_data(Row(2, [], values=dict(row), instance=model()))

    expected = [
        outcome(reference(data=data(row), instance=model(), **importer.form_kwargs()))
        for row in rows
    ]
    assert any(valid for valid, *_rest in expected), expected[0][1]
    assert any(not valid for valid, *_rest in expected)
    for _round in range(2):  # the second round is answered from what was remembered
        order = list(range(len(rows)))
        rng.shuffle(order)
        for index in order:
            form = importer.bind(data(rows[index]), model())
            assert outcome(form) == expected[index], rows[index]


SAMPLES = {
    str: "和平区 ABC",
    int: 42,
    bool: True,
    datetime.date: datetime.date(2016, 5, 1),
}


@pytest.mark.parametrize("model", [CommunityGroup, Organization, AnnualReport])
def test_values_copy_passes_through_are_what_django_would_send(model):
    """For every field whose values COPY receives unprepared, Django's own preparation
    gives the very same value (and None for None)."""
    checked = 0
    for model_field in model._meta.concrete_fields:
        for kind in _passed_through(model_field):
            value = SAMPLES[kind]
            prepared = model_field.get_db_prep_save(value, connection)
            assert prepared == value and type(prepared) is kind, model_field
            assert model_field.get_db_prep_save(None, connection) is None, model_field
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("model", [CommunityGroup, Organization, AnnualReport])
def test_a_new_instance_is_what_the_model_builds(model):
    built, copied = model(), new_instance(model)
    fields = [f.attname for f in model._meta.concrete_fields]
    assert [getattr(copied, f) for f in fields] == [getattr(built, f) for f in fields]
    assert copied._state.adding and copied._state.db is None
    again = new_instance(model)
    for f in model._meta.concrete_fields:  # a callable default is called for each
        if f.has_default() and callable(f.default) and isinstance(f.get_default(), list):
            assert getattr(again, f.attname) is not getattr(copied, f.attname)


def test_copy_writes_what_bulk_create_writes(quanyechang, qyc_community):
    def group(name, number):
        return new_instance(
            CommunityGroup,
            name=name,
            street_id=quanyechang.pk,
            community_id=qyc_community.pk,
            service_targets=["elderly", "residents"],
            category=FilingCategory.objects.get(code="culture_sports"),
            leader_name="张秀兰",
            leader_phone="13800000000",
            member_count=20,
            founded_on=datetime.date(2015, 3, 1),
            filed_on=datetime.date(2016, 5, 1),
            filing_number=number,
            status="filed",
        )

    copied = group("福明社区合唱团", "QYC-2016-0001")
    created = group("福明社区书画社", "QYC-2016-0002")
    for g in (copied, created):
        g.fill_pinyin()
    copy_create(CommunityGroup, [copied])
    CommunityGroup.objects.bulk_create([created])
    skip = {"id", "name", "name_pinyin", "name_initials", "filing_number"}
    skip |= {"created_at", "updated_at"}
    columns = [f.attname for f in CommunityGroup._meta.concrete_fields if f.attname not in skip]
    rows = CommunityGroup.objects.order_by("filing_number").values_list(*columns)
    assert len(rows) == 2 and rows[0] == rows[1]


def test_the_file_keys_reach_postgresql_as_they_are():
    """AnyOf sends text keys as one array literal: every value comes back unchanged."""
    values = [
        "a",
        'b"c',
        "d\\e",
        "",
        " sp ",
        "{x}",
        "NULL",
        "中文,逗号",
        "'quote'",
        '\\"',
        "x" * 500,
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_array_literal(values)])
        assert cursor.fetchone()[0] == values
