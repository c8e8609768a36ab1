"""The import checks the models' check constraints in Python (no query per row); for each
constraint it must agree with PostgreSQL, which checks them again on writing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hepingorgs.imports import constraint_errors
from registry.models import AnnualReport, CommunityGroup, FilingStatus, Organization
from tests.conftest import make_group, make_organization

pytestmark = pytest.mark.django_db


def database_says(obj):
    """Messages of the constraints the database's own check (Django's Q.check) fails."""
    messages = []
    for constraint in obj._meta.constraints:
        if hasattr(constraint, "condition") and type(constraint).__name__ == "CheckConstraint":
            try:
                constraint.validate(type(obj), obj)
            except ValidationError as error:
                messages.extend(error.messages)
    return sorted(messages)


def variants_of_a_group(quanyechang, qyc_community):
    group = make_group(quanyechang, qyc_community)
    yield group
    for changes in [
        {"status": FilingStatus.FILED},  # no number
        {"status": FilingStatus.FILED, "filing_number": "QYC-2016-0001", "filed_on": None},
        {"status": FilingStatus.FILED, "filing_number": "X", "filed_on": datetime.date(2016, 1, 1)},
        {"status": FilingStatus.SUBMITTED, "leader_phone": ""},
        {"status": FilingStatus.RETURNED, "return_reason": ""},
        {
            "status": FilingStatus.CANCELLED,
            "filing_number": "X",
            "filed_on": datetime.date(2016, 1, 1),
            "cancelled_on": None,
            "cancel_reason": "",
        },
        {"service_targets": ["elderly", "aliens"]},
        {"upgrade_partner_id": 1, "upgrade_since": None},
        {"member_count": None, "status": FilingStatus.DRAFT},
    ]:
        copy = CommunityGroup.objects.get(pk=group.pk)
        for name, value in changes.items():
            setattr(copy, name, value)
        yield copy


def variants_of_an_organization():
    organization = make_organization()
    yield organization
    for changes in [
        {"credit_code": "91110000600037341N"},
        {"org_type": "2"},
        {"registered_funds": Decimal("-1")},
        {"status": "deregistered"},
        {"status": "revoked", "status_changed_on": datetime.date(2016, 1, 1), "status_reason": "x"},
        {"grade": "5A"},
        {
            "grade": "5A",
            "grade_awarded_on": datetime.date(2016, 1, 1),
            "grade_expires_on": datetime.date(2015, 1, 1),
        },
        {"registered_funds": None},
    ]:
        copy = Organization.objects.get(pk=organization.pk)
        for name, value in changes.items():
            setattr(copy, name, value)
        yield copy


def variants_of_a_report():
    organization = make_organization()
    for values in [
        {"year": 2016},
        {"year": 1980},
        {"year": 2016, "revenue": Decimal("-1")},
        {"year": 2016, "staff_total": 3, "staff_bachelor_plus": 5},
        {"year": 2016, "net_assets": Decimal("-100")},
    ]:
        yield AnnualReport(organization=organization, result="qualified", **values)


def test_python_and_postgresql_agree_on_every_check_constraint(quanyechang, qyc_community):
    objects = [
        *variants_of_a_group(quanyechang, qyc_community),
        *variants_of_an_organization(),
        *variants_of_a_report(),
    ]
    failing = 0
    for obj in objects:
        assert sorted(constraint_errors(obj)) == database_says(obj), obj.__dict__
        failing += bool(database_says(obj))
    assert failing >= 15  # the variants do break constraints
