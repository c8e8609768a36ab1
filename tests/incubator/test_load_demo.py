"""The incubation centre's part of ``manage.py load_demo``: the report's figures for 2016
(24 in-shell, 100 out-of-shell, 32 taken in), links to the registry's demo data, a year
of sessions and trainings, the will-registry service; loads once; --reset rebuilds it.

As in the registry's test, the heavy load is the suite's ``demo_district`` (committed,
loaded once); each test runs in a transaction that is rolled back.
"""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from incubator import demo as incubator_demo
from incubator import stats
from incubator.models import (
    Mentor,
    MentoringSession,
    Mode,
    Outcome,
    Plan,
    Residency,
    ServiceOutput,
    SessionResidency,
    Space,
    Training,
)
from registry.models import FilingStatus, Organization, OrgStatus

END = datetime.date(2016, 12, 31)


@pytest.fixture
def output(demo_district, db):
    return demo_district


def figures():
    rows = list(Residency.objects.all())
    at_end = [r for r in rows if r.is_current_on(END)]
    return {
        "in-shell": sum(r.mode == Mode.IN_SHELL for r in at_end),
        "out-of-shell": sum(r.mode == Mode.OUT_OF_SHELL for r in at_end),
        "intake": sum(r.intake_year == 2016 for r in rows),
        "intake now": sum(r.intake_year == 2016 for r in at_end),
    }


def test_the_report_figures(output):
    assert figures() == {"in-shell": 24, "out-of-shell": 100, "intake": 32, "intake now": 32}
    summary = [(i.label, i.value) for i in stats.annual(2016).summary]
    assert summary == [("孵化中心入驻组织", 24), ("壳外指导组织", 100), ("当年引进孵化组织", 32)]
    assert "24 in-shell and 100 out-of-shell" in output


def test_residencies_link_to_the_registry_demo(output):
    residencies = Residency.objects.select_related("organization", "community_group")
    for residency in residencies:
        if residency.organization_id:
            assert residency.organization.status == OrgStatus.ACTIVE
            assert residency.organization.registered_on <= END
        elif residency.community_group_id:
            assert residency.community_group.status == FilingStatus.FILED
        else:
            assert residency.name and residency.contact_name and residency.contact_phone
        assert residency.intake_year in (2014, 2015, 2016)
        assert residency.started_on >= incubator_demo.OPENED
        if residency.outcome != Outcome.ONGOING:
            assert residency.outcome_on and residency.ended_on
    graduated = residencies.exclude(outcome=Outcome.ONGOING)
    for residency in graduated.filter(outcome=Outcome.REGISTERED):
        assert residency.outcome_on == residency.organization.registered_on
    for residency in graduated.filter(outcome=Outcome.FILED):
        assert residency.outcome_on == residency.community_group.filed_on
    assert {r.outcome for r in graduated} == {Outcome.REGISTERED, Outcome.FILED, Outcome.WITHDRAWN}
    now = [r for r in residencies if r.is_current_on(END)]
    in_shell = [r for r in now if r.mode == Mode.IN_SHELL]
    assert all(r.space_id for r in in_shell)
    assert len({r.space_id for r in in_shell}) == 24
    assert sum(bool(r.organization_id) for r in in_shell) >= 15
    assert sum(bool(r.community_group_id) for r in now if r.mode == Mode.OUT_OF_SHELL) >= 85
    linked = [r.organization_id for r in residencies if r.organization_id]
    assert len(linked) == len(set(linked))


def test_spaces_are_free_and_taken_as_planned(output):
    assert Space.objects.count() == len(incubator_demo.SPACES)
    assert Space.objects.filter(residencies=None).count() >= 2


def test_a_year_of_sessions_and_trainings(output):
    sessions = MentoringSession.objects.all()
    assert sessions.count() == incubator_demo.SESSIONS
    assert {s.date.year for s in sessions} == {2016}
    assert len({s.date.month for s in sessions}) == 12
    per_day = defaultdict(Decimal)
    for session in sessions:
        assert Decimal(0) < session.hours <= 12
        assert session.mentor.is_active
        per_day[session.mentor_id, session.date] += session.hours
    assert max(per_day.values()) <= 12
    for link in SessionResidency.objects.select_related("session", "residency"):
        assert link.residency.is_current_on(link.session.date)
    assert Mentor.objects.filter(kind="organization").count() >= 3
    trainings = Training.objects.all()
    assert trainings.count() == incubator_demo.TRAININGS
    for training in trainings.prefetch_related("attendance__residency"):
        assert training.attendance.count() >= 6
        assert all(a.residency.is_current_on(training.date) for a in training.attendance.all())


def test_the_will_registry_service(output):
    wills = ServiceOutput.objects.filter(service=incubator_demo.WILL_SERVICE)
    totals = wills.aggregate(visits=Sum("people_served"), wills=Sum("services_given"))
    assert totals == {"visits": 2000, "wills": 800}
    assert wills.values("residency").distinct().count() == 1


def test_pairings_are_the_registrys(output):
    table = stats.annual(2016).sheets["孵化中心"][5]
    assert 250 <= sum(n for _name, n in table.rows) <= 400


def test_the_plan_is_reference_data(output):
    plan = Plan.objects.get()
    assert (plan.target_organizations, plan.target_trained, plan.target_households) == (
        100,
        1000,
        10000,
    )


def test_a_second_run_changes_nothing(output):
    before = (Residency.objects.count(), MentoringSession.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert (Residency.objects.count(), MentoringSession.objects.count()) == before
    assert "incubator: the demo data is already there" in out.getvalue()


def test_reset_rebuilds_the_same_centre(output):
    names = sorted(str(r) for r in Residency.objects.select_related("organization"))
    Residency.objects.filter(outcome=Outcome.WITHDRAWN).update(notes="changed")
    call_command("load_demo", "--reset", stdout=io.StringIO())
    assert figures()["in-shell"] == 24
    assert sorted(str(r) for r in Residency.objects.select_related("organization")) == names
    assert not Residency.objects.filter(notes="changed").exists()
    assert Plan.objects.count() == 1
    assert Organization.objects.exists()
