"""Deadline arithmetic: calendar and working days, the clock stopped by a correction and
restarted when it arrives, late change and deregistration applications; the rules are
the migration's editable rows."""

import datetime

import pytest

from registry import applications
from registry.applications import Deadline, add_days, days_between, decision_deadline, late_by
from registry.models import ApplicationKind, ApplicationStatus, DayCount, DeadlineRule
from tests.conftest import make_organization
from tests.registry.test_applications_workflow import make_application

D = datetime.date


def rule(decision_days=60, applicant_days=None, day_count=DayCount.CALENDAR):
    return DeadlineRule(
        kind=ApplicationKind.ESTABLISHMENT,
        decision_days=decision_days,
        applicant_days=applicant_days,
        day_count=day_count,
    )


def test_calendar_days_do_not_count_the_first_day():
    assert add_days(D(2026, 3, 2), 60) == D(2026, 5, 1)
    assert days_between(D(2026, 3, 2), D(2026, 5, 1)) == 60
    assert days_between(D(2026, 5, 3), D(2026, 5, 1)) == -2


def test_working_days_skip_weekends():
    friday = D(2026, 3, 6)
    assert add_days(friday, 1, DayCount.WORKING) == D(2026, 3, 9)  # Monday
    assert add_days(friday, 5, DayCount.WORKING) == D(2026, 3, 13)
    assert days_between(friday, D(2026, 3, 13), DayCount.WORKING) == 5
    assert days_between(D(2026, 3, 13), friday, DayCount.WORKING) == -5
    # A Saturday and a Sunday are not working days.
    assert days_between(friday, D(2026, 3, 8), DayCount.WORKING) == 0


def test_days_left_count_down_to_zero_then_overdue():
    complete = D(2026, 3, 2)
    assert decision_deadline(rule(), complete, D(2026, 3, 2)) == Deadline(D(2026, 5, 1), 60)
    last_day = decision_deadline(rule(), complete, D(2026, 5, 1))
    assert (last_day.days_left, last_day.overdue) == (0, False)
    late = decision_deadline(rule(), complete, D(2026, 5, 4))
    assert (late.days_left, late.overdue, late.overdue_days) == (-3, True, 3)


def test_working_day_rule_gives_working_days_left():
    deadline = decision_deadline(rule(20, day_count=DayCount.WORKING), D(2026, 3, 2), D(2026, 3, 9))
    assert deadline.due_on == D(2026, 3, 30)
    assert deadline.days_left == 15


def test_a_correction_stops_the_clock():
    deadline = decision_deadline(rule(), D(2026, 3, 2), D(2026, 6, 1), stopped=True)
    assert deadline.stopped and deadline.days_left is None and not deadline.overdue
    assert deadline.sort_key > decision_deadline(rule(), D(2026, 3, 2), D(2026, 6, 1)).sort_key


def test_applicant_lateness():
    thirty = rule(30, applicant_days=30)
    consent = D(2026, 1, 10)
    assert late_by(thirty, consent, D(2026, 2, 9)) == 0  # the 30th day
    assert late_by(thirty, consent, D(2026, 2, 12)) == 3
    assert late_by(rule(), consent, D(2027, 1, 1)) == 0  # no limit
    assert late_by(thirty, None, D(2027, 1, 1)) == 0


@pytest.mark.django_db
def test_the_migration_seeds_one_rule_per_kind_in_calendar_days():
    rules = {r.kind: r for r in DeadlineRule.objects.all()}
    assert set(rules) == set(ApplicationKind.values)
    assert rules["establishment"].decision_days == 60
    assert rules["change"].applicant_days == 30
    assert rules["deregistration"].applicant_days == 15
    assert {r.day_count for r in rules.values()} == {DayCount.CALENDAR}
    assert all(r.legal_basis for r in rules.values())


@pytest.mark.django_db
def test_an_application_stopped_for_correction_restarts_with_the_full_time():
    application = make_application(received_on=D(2026, 3, 2))
    today = D(2026, 3, 12)
    applications.annotate_deadlines([application], today=today)
    assert application.deadline.days_left == 50
    applications.request_correction(application, "缺少住所证明", on=D(2026, 3, 12))
    application.refresh_from_db()
    applications.annotate_deadlines([application], today=D(2026, 4, 20))
    assert application.deadline.stopped
    application = applications.receive_correction(application, on=D(2026, 4, 20))
    applications.annotate_deadlines([application], today=D(2026, 4, 25))
    assert application.deadline.due_on == D(2026, 6, 19)
    assert application.deadline.days_left == 55


@pytest.mark.django_db
def test_an_edited_rule_changes_the_deadline_and_the_late_flag():
    org = make_organization()
    application = make_application(
        ApplicationKind.CHANGE,
        organization=org,
        consent_on=D(2026, 1, 1),
        received_on=D(2026, 2, 5),
    )
    applications.annotate_deadlines([application], today=D(2026, 2, 5))
    assert application.late_days == 5
    assert application.deadline.days_left == 30
    DeadlineRule.objects.filter(kind=ApplicationKind.CHANGE).update(
        applicant_days=40, decision_days=10
    )
    applications.annotate_deadlines([application], today=D(2026, 2, 5))
    assert application.late_days == 0
    assert application.deadline.days_left == 10


@pytest.mark.django_db
def test_decided_applications_have_no_deadline():
    application = make_application()
    applications.withdraw(application, "撤回", on=D(2026, 3, 3))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    applications.annotate_deadlines([application], today=D(2026, 9, 1))
    assert application.deadline is None
