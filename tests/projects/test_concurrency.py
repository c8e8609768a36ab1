"""Two staff approving the last projects of a round at the same moment cannot overspend
its budget: real transactions on separate connections (threads), not simulated."""

import threading
from decimal import Decimal

import pytest
from django.db import transaction

from projects import workflow
from projects.models import Project, ProjectStatus
from tests.projects.conftest import make_project, make_round
from tests.registry.test_filings_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def last_two(organization):
    """A round with 250,000 yuan left and two applications of 150,000 under review."""
    round_ = make_round(budget=Decimal("400000.00"), cap=Decimal("250000.00"))
    done = workflow.start_review(make_project(round_, organization, requested=150000))
    workflow.approve(done, "150000")
    first, second = (
        workflow.start_review(make_project(round_, organization, requested=150000))
        for _ in range(2)
    )
    return round_, first, second


def awarded_in(round_):
    return workflow.round_totals(round_)[0]


def test_two_approvals_at_the_same_moment_never_overspend(last_two):
    round_, first, second = last_two
    start = threading.Barrier(2)

    def approve(project):
        def run():
            start.wait(10)
            workflow.approve(project, "150000")

        return run

    errors = run_in_threads(approve(first), approve(second))
    assert len(errors) == 1 and isinstance(errors[0], workflow.TransitionError)
    assert "100000.00" in " ".join(errors[0].messages)  # what was left after the winner
    assert awarded_in(round_) == Decimal("300000.00") <= round_.budget
    statuses = sorted(
        Project.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == [ProjectStatus.APPROVED, ProjectStatus.REVIEWING]


def test_the_second_approval_waits_for_the_first_and_sees_its_award(last_two):
    """The first approval holds its transaction open; the second must wait on the round's
    row lock rather than sum the awards without the first one."""
    round_, first, second = last_two
    inside, release = threading.Event(), threading.Event()
    order = []

    def slow():
        with transaction.atomic():
            workflow.approve(first, "150000")
            inside.set()
            release.wait(10)
            order.append("first committed")

    def fast():
        inside.wait(10)
        timer = threading.Timer(0.5, release.set)
        timer.start()
        try:
            workflow.approve(second, "150000")
        finally:
            order.append("second answered")

    errors = run_in_threads(slow, fast)
    assert order == ["first committed", "second answered"]
    assert len(errors) == 1 and isinstance(errors[0], workflow.TransitionError)
    assert awarded_in(round_) == Decimal("300000.00")
    second.refresh_from_db()
    assert second.status == ProjectStatus.REVIEWING and not second.tranches.exists()


def test_concurrent_approvals_that_fit_all_succeed(organization):
    round_ = make_round(budget=Decimal("600000.00"))
    projects = [
        workflow.start_review(make_project(round_, organization, requested=100000))
        for _ in range(6)
    ]
    start = threading.Barrier(len(projects))

    def approve(project):
        def run():
            start.wait(10)
            workflow.approve(project, "100000")

        return run

    assert run_in_threads(*[approve(p) for p in projects]) == []
    assert awarded_in(round_) == Decimal("600000.00")
    # One more does not fit any more.
    extra = workflow.start_review(make_project(round_, organization))
    with pytest.raises(workflow.TransitionError):
        workflow.approve(extra, "0.01")
