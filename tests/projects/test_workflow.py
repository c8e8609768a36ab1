"""The venture-project workflow: every transition, every money rule, and every refusal
(a Chinese message naming what is wrong, and nothing half-saved)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from hepingorgs.history import acting_as
from projects import workflow
from projects.models import (
    Evaluation,
    EvaluationGrade,
    Project,
    ProjectStatus,
    RoundStatus,
    Tranche,
)
from tests.projects.conftest import START, advance, evaluation, make_project

CJK = re.compile("[\u4e00-\u9fff]")


def snapshot(project):
    """Everything a refused transition must leave as it was."""
    return (
        Project.objects.filter(pk=project.pk).values().get(),
        list(Tranche.objects.filter(project=project).values()),
        list(Evaluation.objects.filter(project=project).values()),
        project.events.count(),
    )


def refused(project, step, *args, contains=(), **kwargs):
    """Run a step that must be refused; return its (Chinese) message."""
    before = snapshot(project)
    with translation.override("zh-hans"), pytest.raises(workflow.TransitionError) as caught:
        step(project, *args, **kwargs)
    message = " ".join(caught.value.messages)
    assert CJK.search(message), message
    for part in contains:
        assert part in message, message
    assert snapshot(project) == before
    return message


def test_the_whole_way_with_history(reviewing, district_staff):
    with acting_as(district_staff):
        project = workflow.approve(reviewing, "99999.99", on=datetime.date(2016, 5, 20))
    assert project.status == ProjectStatus.APPROVED
    assert project.awarded == Decimal("99999.99")
    planned = list(project.tranches.values_list("number", "planned"))
    assert planned == [
        (1, Decimal("49999.99")),  # 50 %, less the cent the others gained by rounding
        (2, Decimal("30000.00")),
        (3, Decimal("20000.00")),
    ]
    assert sum(amount for _n, amount in planned) == project.awarded

    with acting_as(district_staff):
        workflow.publish_notice(project, datetime.date(2016, 5, 23), datetime.date(2016, 5, 29))
        workflow.start(project, on=START)
        workflow.pay_next_tranche(project, on=START)
        workflow.evaluate_midterm(project, **evaluation(on=datetime.date(2016, 10, 20)))
        workflow.pay_next_tranche(project, on=datetime.date(2016, 11, 1))
        workflow.complete(project, **evaluation(EvaluationGrade.EXCELLENT, served=260))
        project = workflow.pay_next_tranche(project, on=datetime.date(2017, 4, 1))
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    assert project.paid == project.awarded
    assert not project.tranches.filter(paid__isnull=True).exists()
    assert list(project.evaluations.values_list("kind", "grade")) == [
        ("midterm", "good"),
        ("final", "excellent"),
    ]
    statuses = [e.status for e in project.events.order_by("pgh_id")]
    for status in ["applied", "reviewing", "approved", "notice", "in_progress", "midterm"]:
        assert status in statuses
    assert statuses[-1] == "completed"
    last = project.events.order_by("-pgh_id").first()
    assert last.pgh_context.metadata["username"] == district_staff.username


def test_reject_records_the_reason(reviewing):
    project = workflow.reject(reviewing, "  预算不合理  ", on=datetime.date(2016, 5, 20))
    project.refresh_from_db()
    assert (project.status, project.rejection_reason) == (ProjectStatus.REJECTED, "预算不合理")
    assert project.awarded is None and not project.tranches.exists()


def test_a_two_tranche_round_plans_two(round_, organization):
    round_.first_tranche, round_.second_tranche, round_.final_tranche = 70, 0, 30
    round_.save()
    project = workflow.start_review(make_project(round_, organization))
    workflow.approve(project, "100000")
    assert list(project.tranches.values_list("number", "planned")) == [
        (1, Decimal("70000.00")),
        (3, Decimal("30000.00")),
    ]


# Money rules --------------------------------------------------------------------------


def test_award_above_the_request_is_refused(reviewing):
    refused(reviewing, workflow.approve, "100000.01", contains=["100000.01", "100000.00"])


def test_award_above_the_cap_is_refused(round_, organization):
    project = workflow.start_review(make_project(round_, organization, requested=300000))
    refused(project, workflow.approve, "250000.01", contains=["250000.00"])
    assert workflow.approve(project, "250000").awarded == Decimal("250000.00")


def test_award_beyond_the_remaining_budget_is_refused(round_, organization):
    round_.budget = Decimal("300000.00")
    round_.save()
    first = workflow.start_review(make_project(round_, organization, requested=200000))
    second = workflow.start_review(make_project(round_, organization, requested=200000))
    workflow.approve(first, "200000")
    refused(second, workflow.approve, "100000.01", contains=["100000.00"])
    assert workflow.approve(second, "100000").awarded == Decimal("100000.00")
    assert workflow.round_totals(round_) == (Decimal("300000.00"), Decimal("0.00"))


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc", "NaN"])
def test_award_must_be_positive_money_with_two_places(reviewing, amount):
    refused(reviewing, workflow.approve, amount)


def test_approval_needs_the_round_under_review(reviewing):
    reviewing.round.status = RoundStatus.OPEN
    reviewing.round.save()
    refused(reviewing, workflow.approve, "1000")


def test_terminated_awards_still_count_against_the_budget(round_, organization):
    round_.budget = round_.cap = Decimal("150000.00")
    round_.save()
    first = workflow.start_review(make_project(round_, organization))
    workflow.approve(first, "100000")
    workflow.terminate(first, "申报单位无法继续执行")
    second = workflow.start_review(make_project(round_, organization))
    refused(second, workflow.approve, "60000")


# Refused transitions ------------------------------------------------------------------


def test_only_applications_go_under_review(reviewing):
    refused(reviewing, workflow.start_review)


@pytest.mark.parametrize("status", ["applied", "approved", "rejected"])
def test_approve_and_reject_only_under_review(project, status):
    if status != "applied":
        workflow.start_review(project)
        if status == "approved":
            workflow.approve(project, "1000")
        else:
            workflow.reject(project, "不符合条件")
    refused(project, workflow.approve, "1000")
    refused(project, workflow.reject, "不符合条件")


def test_rejection_needs_a_reason(reviewing):
    refused(reviewing, workflow.reject, "   ")


def test_public_notice_rules(reviewing):
    refused(
        reviewing, workflow.publish_notice, datetime.date(2016, 6, 1), datetime.date(2016, 6, 7)
    )
    workflow.approve(reviewing, "1000", on=datetime.date(2016, 5, 20))
    refused(
        reviewing, workflow.publish_notice, datetime.date(2016, 6, 7), datetime.date(2016, 6, 1)
    )
    refused(
        reviewing, workflow.publish_notice, datetime.date(2016, 5, 1), datetime.date(2016, 5, 9)
    )
    refused(reviewing, workflow.publish_notice, None, None)


def test_delivery_starts_after_the_public_notice(reviewing):
    refused(reviewing, workflow.start, on=START)
    project = advance(reviewing, "notice")
    refused(project, workflow.start, on=datetime.date(2016, 5, 29), contains=["2016"])
    assert workflow.start(project, on=datetime.date(2016, 5, 30)).status == "in_progress"


def test_evaluations_follow_the_order(reviewing):
    project = advance(reviewing, "in_progress")
    refused(project, workflow.complete, **evaluation())
    refused(project, workflow.evaluate_midterm, **evaluation(on=datetime.date(2016, 6, 1)))
    refused(project, workflow.evaluate_midterm, **evaluation(grade="bad"))
    refused(project, workflow.evaluate_midterm, **evaluation(score="100.5"))
    refused(project, workflow.evaluate_midterm, **{**evaluation(), "evaluator": " "})
    workflow.evaluate_midterm(project, **evaluation(on=datetime.date(2016, 10, 20)))
    refused(project, workflow.evaluate_midterm, **evaluation())
    refused(project, workflow.complete, **evaluation(on=datetime.date(2016, 10, 1)))


@pytest.mark.parametrize("stage", ["approved", "notice", "in_progress", "midterm"])
def test_termination_at_any_point_after_approval(reviewing, stage):
    project = advance(reviewing, stage)
    refused(project, workflow.terminate, "")
    refused(project, workflow.terminate, "无法继续", on=datetime.date(2016, 1, 1))
    project = workflow.terminate(project, "负责人离职，无法继续执行", on=datetime.date(2016, 12, 1))
    assert project.status == ProjectStatus.TERMINATED
    assert project.awarded == Decimal("100000.00")
    refused(project, workflow.terminate, "再次终止")
    refused(project, workflow.pay_next_tranche, contains=["终止"])


@pytest.mark.parametrize("stage", ["applied", "reviewing", "rejected", "completed"])
def test_termination_refused_before_approval_and_after_completion(project, stage):
    if stage != "applied":
        workflow.start_review(project)
    if stage == "rejected":
        workflow.reject(project, "不符合条件")
    if stage == "completed":
        project = advance(project, "completed")
    refused(project, workflow.terminate, "终止")


# Tranches -----------------------------------------------------------------------------


def test_each_tranche_waits_for_its_stage(reviewing):
    project = advance(reviewing, "notice")
    refused(project, workflow.pay_next_tranche, on=START)  # not yet started
    workflow.start(project, on=START)
    refused(project, workflow.pay_next_tranche, on=datetime.date(2016, 6, 1))  # before start
    workflow.pay_next_tranche(project, on=START)
    refused(project, workflow.pay_next_tranche)  # the second needs the mid-term evaluation
    workflow.evaluate_midterm(project, **evaluation(on=datetime.date(2016, 10, 20)))
    workflow.pay_next_tranche(project, on=datetime.date(2016, 11, 1))
    refused(project, workflow.pay_next_tranche)  # the final one needs completion
    workflow.complete(project, **evaluation(on=datetime.date(2017, 3, 25)))
    project = workflow.pay_next_tranche(project, on=datetime.date(2017, 4, 1))
    assert project.paid == project.awarded == Decimal("100000.00")
    refused(project, workflow.pay_next_tranche)  # nothing left


def test_a_failed_midterm_blocks_the_later_tranches(reviewing):
    project = advance(reviewing, "in_progress")
    workflow.pay_next_tranche(project, on=START)
    workflow.evaluate_midterm(
        project, **evaluation(EvaluationGrade.FAIL, on=datetime.date(2016, 10, 20))
    )
    refused(project, workflow.pay_next_tranche, contains=["中期"])
    workflow.complete(project, **evaluation(on=datetime.date(2017, 3, 25)))
    refused(project, workflow.pay_next_tranche, contains=["中期"])
    project.refresh_from_db()
    assert project.paid == Decimal("50000.00")
