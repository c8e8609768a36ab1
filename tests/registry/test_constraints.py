"""Every database constraint of Organization, AnnualReport and CreditRecord: refused by
PostgreSQL whatever the write path (create without clean, bulk_create, QuerySet.update),
and explained to staff in the admin form, with nothing saved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from registry import creditcode
from registry.models import AnnualReport, CreditRecord, Organization, OrgType
from tests.conftest import client_for, make_organization, valid_code
from tests.registry.test_admin import (
    ORGANIZATION_FORM,
    add_inline_row,
    admin_url,
    changeform_data,
    constraint_message,
    on_page,
    post_add,
    post_change,
)

MAY_1 = datetime.date(2024, 5, 1)
APRIL_1 = datetime.date(2024, 4, 1)

# (constraint, values that break only it). Credit codes here are well formed apart from
# the broken part, so no other constraint fires first.
ORGANIZATION_CASES = [
    pytest.param(
        "organization_credit_code_format",
        {"credit_code": "91110000600037341L"},
        id="code-not-civil-affairs",
    ),
    pytest.param(
        "organization_credit_code_format",
        {"credit_code": "51120101IJ0000018X"},
        id="code-with-letter-I",
    ),
    pytest.param(
        "organization_type_matches_code",
        {"org_type": OrgType.FOUNDATION, "credit_code": valid_code(OrgType.SOCIAL_GROUP)},
        id="type-differs-from-code",
    ),
    pytest.param(
        "organization_funds_nonnegative",
        {"registered_funds": Decimal("-0.01")},
        id="negative-funds",
    ),
    pytest.param(
        "organization_status_change_dated",
        {"status": "deregistered"},
        id="deregistered-without-date-and-reason",
    ),
    pytest.param(
        "organization_status_change_dated",
        {"status": "revoked", "status_changed_on": MAY_1},
        id="revoked-without-reason",
    ),
    pytest.param(
        "organization_status_change_dated",
        {"status": "deregistered", "status_reason": "自行解散"},
        id="deregistered-without-date",
    ),
    pytest.param(
        "organization_grade_expiry_after_award",
        {"grade": "4A", "grade_awarded_on": MAY_1, "grade_expires_on": APRIL_1},
        id="grade-expires-before-award",
    ),
    pytest.param(
        "organization_grade_expiry_after_award",
        {"grade": "4A", "grade_awarded_on": MAY_1, "grade_expires_on": MAY_1},
        id="grade-expires-on-award-day",
    ),
    pytest.param("organization_grade_dated", {"grade": "3A"}, id="grade-without-award-date"),
]

ANNUAL_REPORT_CASES = [
    pytest.param("annualreport_amounts_nonnegative", {"revenue": -1}, id="negative-revenue"),
    pytest.param(
        "annualreport_amounts_nonnegative", {"expenditure": -1}, id="negative-expenditure"
    ),
    pytest.param("annualreport_amounts_nonnegative", {"tax_paid": -1}, id="negative-tax"),
    pytest.param(
        "annualreport_bachelor_within_staff",
        {"staff_total": 3, "staff_bachelor_plus": 4},
        id="more-bachelors-than-staff",
    ),
    pytest.param("annualreport_year_plausible", {"year": 1989}, id="year-before-1990"),
]

CREDIT_RECORD_CASES = [
    pytest.param(
        "creditrecord_removal_after_decision",
        {"decided_on": MAY_1, "removed_on": APRIL_1, "removal_reason": "已整改"},
        id="removed-before-decided",
    ),
    pytest.param(
        "creditrecord_removal_has_reason",
        {"decided_on": APRIL_1, "removed_on": MAY_1},
        id="removed-without-reason",
    ),
]


def report_values(**values):
    return {"year": 2023, "result": "qualified", "staff_total": 5, **values}


def record_values(**values):
    return {"kind": "abnormal", "reason": "未按时提交年度报告", "decided_on": APRIL_1, **values}


def refused(constraint):
    return pytest.raises(IntegrityError, match=constraint)


@pytest.fixture
def organization(db):
    return make_organization()


# In the database -------------------------------------------------------------------------


def test_valid_rows_are_accepted(organization):
    """The baseline the cases below break one value of."""
    AnnualReport.objects.create(organization=organization, **report_values())
    CreditRecord.objects.create(organization=organization, **record_values())
    assert organization.annual_reports.count() == organization.credit_records.count() == 1


@pytest.mark.parametrize(("constraint", "values"), ORGANIZATION_CASES)
def test_database_refuses_organization_on_create(db, constraint, values):
    with refused(constraint), transaction.atomic():
        make_organization(**values)
    assert not Organization.objects.exists()


@pytest.mark.parametrize(("constraint", "values"), ORGANIZATION_CASES)
def test_database_refuses_organization_on_update(organization, constraint, values):
    with refused(constraint), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(**values)


def test_database_refuses_a_duplicate_credit_code(organization):
    with refused("organization_unique_credit_code"), transaction.atomic():
        make_organization(credit_code=organization.credit_code)
    other = make_organization()
    with refused("organization_unique_credit_code"), transaction.atomic():
        Organization.objects.filter(pk=other.pk).update(credit_code=organization.credit_code)


@pytest.mark.parametrize(
    "values",
    [
        {"field": "99"},
        {"priority_category": "sports"},
        {"status": "suspended"},
        {"party_form": "cell"},
        {"org_type": "9", "credit_code": "59120101MJ0000018X"},
    ],
    ids=["field", "category", "status", "party-form", "type"],
)
def test_database_refuses_a_code_outside_its_list(organization, values):
    """Each coded column holds one of its listed values, whatever the write path: the
    directory's filters stand for "any value" with the list of them."""
    with refused("organization_codes_listed"), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(**values)


def test_a_grade_is_given_its_expiry_and_the_database_refuses_one_without(organization):
    """A grade lasts five years: saving fills the date in from the award (29 February
    gives 28 February), and the database refuses a grade without one by any other path
    (the directory's "grade in force" relies on it)."""
    graded = make_organization(grade="4A", grade_awarded_on=datetime.date(2024, 2, 29))
    assert graded.grade_expires_on == datetime.date(2029, 2, 28)
    graded.refresh_from_db()
    assert graded.grade_expires_on == datetime.date(2029, 2, 28)
    with refused("organization_grade_expires"), transaction.atomic():
        Organization.objects.filter(pk=graded.pk).update(grade_expires_on=None)
    with refused("organization_grade_expires"), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(
            grade="3A", grade_awarded_on=MAY_1, grade_expires_on=None
        )
    with refused("organization_grade_expires"), transaction.atomic():
        Organization.objects.bulk_create(
            [
                Organization(
                    name="和平区未填有效期协会",
                    credit_code=valid_code(OrgType.SOCIAL_GROUP),
                    org_type=OrgType.SOCIAL_GROUP,
                    field="04",
                    legal_representative="王某",
                    registered_funds=Decimal("30000.00"),
                    domicile="天津市和平区南京路1号",
                    registered_on=MAY_1,
                    grade="2A",
                    grade_awarded_on=MAY_1,
                )
            ]
        )
    # Without a grade, or without its award (which organization_grade_dated refuses
    # with its own message), no expiry is asked for.
    Organization.objects.filter(pk=organization.pk).update(grade="", grade_expires_on=None)


@pytest.mark.parametrize(("constraint", "values"), ANNUAL_REPORT_CASES)
def test_database_refuses_annual_report(organization, constraint, values):
    with refused(constraint), transaction.atomic():
        AnnualReport.objects.create(organization=organization, **report_values(**values))
    with refused(constraint), transaction.atomic():
        AnnualReport.objects.bulk_create(
            [AnnualReport(organization=organization, **report_values(**values))]
        )
    report = AnnualReport.objects.create(organization=organization, **report_values())
    with refused(constraint), transaction.atomic():
        AnnualReport.objects.filter(pk=report.pk).update(**values)


def test_database_refuses_a_second_report_for_the_same_year(organization):
    AnnualReport.objects.create(organization=organization, **report_values())
    with refused("annualreport_unique_year"), transaction.atomic():
        AnnualReport.objects.create(organization=organization, **report_values())
    other_year = AnnualReport.objects.create(organization=organization, **report_values(year=2022))
    with refused("annualreport_unique_year"), transaction.atomic():
        AnnualReport.objects.filter(pk=other_year.pk).update(year=2023)


def test_database_accepts_negative_net_assets(organization):
    report = AnnualReport.objects.create(
        organization=organization, **report_values(net_assets=Decimal("-12500.50"))
    )
    report.refresh_from_db()
    assert report.net_assets == Decimal("-12500.50")


@pytest.mark.parametrize(("constraint", "values"), CREDIT_RECORD_CASES)
def test_database_refuses_credit_record(organization, constraint, values):
    with refused(constraint), transaction.atomic():
        CreditRecord.objects.create(organization=organization, **record_values(**values))
    record = CreditRecord.objects.create(organization=organization, **record_values())
    with refused(constraint), transaction.atomic():
        CreditRecord.objects.filter(pk=record.pk).update(**values)


@pytest.mark.parametrize(
    "child",
    [
        lambda org: AnnualReport.objects.create(organization=org, **report_values()),
        lambda org: CreditRecord.objects.create(organization=org, **record_values()),
    ],
    ids=["annual-report", "credit-record"],
)
def test_an_organization_with_reports_or_records_cannot_be_deleted(organization, child):
    child(organization)
    with pytest.raises(ProtectedError), transaction.atomic():
        organization.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).delete()
    assert Organization.objects.filter(pk=organization.pk).exists()


# In the admin form ------------------------------------------------------------------------
# The credit-code checks of Organization.clean and the MinValueValidators of the fields
# catch some cases before the constraint does, with a message that says more: the form
# shows that message instead of the constraint's.

CODE_CONSTRAINTS = ("organization_credit_code_format", "organization_type_matches_code")


def organization_message(constraint, values):
    if constraint in CODE_CONSTRAINTS:

        def message():
            with pytest.raises(ValidationError) as caught:
                creditcode.validate(values["credit_code"], values.get("org_type", "1"))
            return caught.value.messages[0]

        return on_page(message)
    if constraint == "organization_funds_nonnegative":
        return on_page(MinValueValidator(0).message, limit_value=0)
    return on_page(constraint_message(Organization, constraint))


def annual_report_message(constraint):
    if constraint == "annualreport_year_plausible":
        return on_page(MinValueValidator(1990).message, limit_value=1990)
    return on_page(constraint_message(AnnualReport, constraint))


def as_form(values):
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()}


@pytest.fixture
def staff_client(client, district_staff):
    return client_for(client, district_staff)


@pytest.mark.parametrize(("constraint", "values"), ORGANIZATION_CASES)
def test_admin_add_form_explains_organization_constraint(staff_client, constraint, values):
    values = {"credit_code": valid_code(), **values}
    response = post_add(staff_client, Organization, {**ORGANIZATION_FORM, **as_form(values)})
    assert response.status_code == 200
    assert organization_message(constraint, values) in response.content.decode()
    assert not Organization.objects.exists()


@pytest.mark.parametrize(("constraint", "values"), ORGANIZATION_CASES)
def test_admin_change_form_explains_organization_constraint(
    staff_client, organization, constraint, values
):
    before = Organization.objects.values().get(pk=organization.pk)
    response = post_change(staff_client, organization, as_form(values))
    assert response.status_code == 200
    values = {"org_type": organization.org_type, **values}
    assert organization_message(constraint, values) in response.content.decode()
    assert Organization.objects.values().get(pk=organization.pk) == before


@pytest.mark.parametrize(
    "entered",
    [
        pytest.param(lambda code: code, id="same"),
        pytest.param(lambda code: code.lower(), id="lower-case"),
        pytest.param(lambda code: f"{code[:8]} {code[8:]}", id="with-space"),
    ],
)
def test_admin_form_explains_duplicate_credit_code(staff_client, organization, entered):
    values = {**ORGANIZATION_FORM, "credit_code": entered(organization.credit_code)}
    response = post_add(staff_client, Organization, values)
    assert response.status_code == 200
    message = constraint_message(Organization, "organization_unique_credit_code")
    assert on_page(message) in response.content.decode()
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(("constraint", "values"), ANNUAL_REPORT_CASES)
def test_admin_form_explains_annual_report_constraint(
    staff_client, organization, constraint, values
):
    response = post_add(
        staff_client, AnnualReport, {"organization": organization.pk, **report_values(**values)}
    )
    assert response.status_code == 200
    assert annual_report_message(constraint) in response.content.decode()
    assert not AnnualReport.objects.exists()

    report = AnnualReport.objects.create(organization=organization, **report_values())
    response = post_change(staff_client, report, values)
    assert response.status_code == 200
    assert annual_report_message(constraint) in response.content.decode()
    assert AnnualReport.objects.values().get() == {
        **AnnualReport.objects.values().get(),
        **report_values(),
    }


@pytest.mark.parametrize(("constraint", "values"), ANNUAL_REPORT_CASES)
def test_organization_inline_explains_annual_report_constraint(
    staff_client, organization, constraint, values
):
    url = admin_url(Organization, "change", organization.pk)
    page = staff_client.get(url)
    data = add_inline_row(page, changeform_data(page), "annual_reports", report_values(**values))
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert annual_report_message(constraint) in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_admin_forms_explain_a_second_report_for_the_same_year(staff_client, organization):
    AnnualReport.objects.create(organization=organization, **report_values())
    message = annual_report_message("annualreport_unique_year")

    response = post_add(
        staff_client, AnnualReport, {"organization": organization.pk, **report_values()}
    )
    assert response.status_code == 200
    assert message in response.content.decode()

    url = admin_url(Organization, "change", organization.pk)
    page = staff_client.get(url)
    data = add_inline_row(page, changeform_data(page), "annual_reports", report_values())
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AnnualReport.objects.count() == 1


def test_admin_accepts_negative_net_assets(staff_client, organization):
    response = post_add(
        staff_client,
        AnnualReport,
        {"organization": organization.pk, **report_values(net_assets="-12500.50")},
    )
    assert response.status_code == 302
    assert AnnualReport.objects.get().net_assets == Decimal("-12500.50")


@pytest.mark.parametrize(("constraint", "values"), CREDIT_RECORD_CASES)
def test_admin_form_explains_credit_record_constraint(
    staff_client, organization, constraint, values
):
    message = on_page(constraint_message(CreditRecord, constraint))
    response = post_add(
        staff_client,
        CreditRecord,
        {"organization": organization.pk, **as_form(record_values(**values))},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CreditRecord.objects.exists()

    record = CreditRecord.objects.create(organization=organization, **record_values())
    response = post_change(staff_client, record, as_form(values))
    assert response.status_code == 200
    assert message in response.content.decode()
    record.refresh_from_db()
    assert record.removed_on is None
