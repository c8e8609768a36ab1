"""The money rules and states the database itself enforces, whatever writes the row
(bulk updates included), and the same rules as Chinese form messages in the admin."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from projects import workflow
from projects.models import (
    Evaluation,
    Project,
    ProjectStatus,
    Review,
    Round,
    ServiceContract,
    Tranche,
)
from tests.projects.conftest import advance, make_contract, make_project


def violates(name, write):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert name in str(caught.value)


@pytest.fixture
def approved(reviewing):
    return advance(reviewing, "in_progress")


def test_award_within_request_and_positive(approved):
    rows = Project.objects.filter(pk=approved.pk)
    violates("project_award_within_request", lambda: rows.update(awarded=Decimal("100000.01")))
    violates("project_award_iff_approved", lambda: rows.update(awarded=0))
    violates("project_award_iff_approved", lambda: rows.update(awarded=None))
    violates("project_award_iff_approved", lambda: rows.update(status=ProjectStatus.REVIEWING))


def test_paid_never_exceeds_the_award(approved):
    rows = Project.objects.filter(pk=approved.pk)
    violates("project_paid_within_award", lambda: rows.update(paid=Decimal("100000.01")))
    violates("project_paid_within_award", lambda: rows.update(paid=Decimal("-1")))
    tranche = approved.tranches.get(number=1)
    tranches = Tranche.objects.filter(pk=tranche.pk)
    violates(
        "tranche_paid_within_plan",
        lambda: tranches.update(
            paid=tranche.planned + Decimal("0.01"), paid_on=datetime.date.today()
        ),
    )
    violates("tranche_paid_within_plan", lambda: tranches.update(paid=tranche.planned))
    violates("tranche_planned_positive", lambda: tranches.update(planned=0))
    violates(
        "tranche_unique_number",
        lambda: Tranche.objects.create(project=approved, number=1, planned=Decimal("1")),
    )


def test_requests_and_amounts_are_positive(round_, organization):
    violates(
        "project_request_positive",
        lambda: make_project(round_, organization, requested=Decimal("0")),
    )
    violates(
        "project_request_positive",
        lambda: make_project(round_, organization, co_funding=Decimal("-1")),
    )
    violates(
        "servicecontract_amount_positive",
        lambda: make_contract(organization, amount=Decimal("-5")),
    )


def test_two_decimal_places_are_stored(round_, organization):
    project = make_project(round_, organization, requested=Decimal("1234.5"))
    project.refresh_from_db()
    assert project.requested == Decimal("1234.50")
    assert str(project.requested) == "1234.50"


def test_applicant_is_an_organization_or_a_hosted_group(round_, organization, filed_group, hub):
    violates("project_one_applicant", lambda: make_project(round_, group=filed_group))
    violates(
        "project_one_applicant",
        lambda: make_project(round_, organization, applicant_group=filed_group, host=hub),
    )
    violates("project_one_applicant", lambda: make_project(round_, organization, host=hub))
    assert make_project(round_, group=filed_group, host=hub).host == hub


def test_states_carry_their_dates_and_reasons(reviewing):
    rows = Project.objects.filter(pk=reviewing.pk)
    violates("project_rejection_has_reason", lambda: rows.update(status=ProjectStatus.REJECTED))
    project = advance(reviewing, "approved")
    rows = Project.objects.filter(pk=project.pk)
    violates("project_notice_dated", lambda: rows.update(status=ProjectStatus.NOTICE))
    violates("project_termination_dated", lambda: rows.update(status=ProjectStatus.TERMINATED))
    violates("project_plan_ordered", lambda: rows.update(planned_end=datetime.date(2016, 1, 1)))


def test_round_rules(round_):
    rows = Round.objects.filter(pk=round_.pk)
    violates("round_tranches_add_up", lambda: rows.update(first_tranche=60))
    violates("round_tranches_add_up", lambda: rows.update(first_tranche=0, second_tranche=80))
    violates("round_cap_within_budget", lambda: rows.update(cap=Decimal("1000000.01")))
    violates("round_money_positive", lambda: rows.update(cap=0))
    violates("round_window_ordered", lambda: rows.update(closes_on=datetime.date(2016, 1, 1)))


def test_scores_in_range(reviewing, expert):
    values = {"need": 20, "design": 20, "capacity": 20, "budget": 20, "sustainability": 20}
    Review.objects.create(project=reviewing, expert=expert, **values)
    violates(
        "review_scores_in_range",
        lambda: Review.objects.filter(project=reviewing).update(need=21),
    )
    violates(
        "review_one_per_expert",
        lambda: Review.objects.create(project=reviewing, expert=expert, **values),
    )
    project = advance(reviewing, "midterm")
    violates(
        "evaluation_score_in_range",
        lambda: Evaluation.objects.filter(project=project).update(score=Decimal("100.1")),
    )


def test_contract_period(organization):
    violates(
        "servicecontract_period_ordered",
        lambda: make_contract(organization, ends_on=datetime.date(2016, 1, 1)),
    )
    assert ServiceContract.objects.count() == 0


def test_updated_at_moves_on_bulk_updates(project):
    before = Project.objects.get(pk=project.pk).updated_at
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(title="新的名称")
    after = Project.objects.get(pk=project.pk).updated_at
    assert after > before


def test_the_workflow_refuses_what_the_column_would_round(reviewing):
    with pytest.raises(workflow.TransitionError):
        workflow.approve(reviewing, "100.005")
    reviewing.refresh_from_db()
    assert reviewing.awarded is None


def test_null_never_slips_through_a_check(approved):
    """A CHECK passes when its condition is NULL: each nullable column is tested."""
    rows = Project.objects.filter(pk=approved.pk)
    violates("project_award_iff_approved", lambda: rows.update(awarded=None, paid=0))
    tranche = approved.tranches.get(number=2)
    tranches = Tranche.objects.filter(pk=tranche.pk)
    violates("tranche_paid_within_plan", lambda: tranches.update(paid_on=datetime.date.today()))
