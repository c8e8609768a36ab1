"""Every rule of the incubation centre, in the database and on the admin's forms: a
refusal is a Chinese message naming the field, never a server error, and nothing is
half-saved."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError

from incubator.models import (
    Mentor,
    MentoringSession,
    Mode,
    Outcome,
    Residency,
    ServiceOutput,
    SessionResidency,
)
from registry.models import FilingStatus
from tests.conftest import make_group, make_organization
from tests.incubator.conftest import make_mentor, make_residency, make_session, make_space
from tests.incubator.helpers import admin_url, errors_of, post_admin

pytestmark = pytest.mark.django_db
D = datetime.date


def refused(create, constraint):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    assert constraint in str(caught.value)


# The database -------------------------------------------------------------------------


def test_actual_end_not_before_start():
    refused(
        lambda: make_residency(started_on=D(2016, 3, 1), ended_on=D(2016, 2, 28)),
        "residency_end_after_start",
    )
    make_residency(started_on=D(2016, 3, 1), ended_on=D(2016, 3, 1))


def test_an_outcome_other_than_ongoing_needs_its_date():
    for outcome in (Outcome.REGISTERED, Outcome.FILED, Outcome.WITHDRAWN):
        refused(lambda o=outcome: make_residency(outcome=o), "residency_outcome_dated")
    make_residency(outcome=Outcome.WITHDRAWN, outcome_on=D(2016, 9, 1))


def test_an_out_of_shell_residency_holds_no_space(desk):
    refused(
        lambda: make_residency(mode=Mode.OUT_OF_SHELL, space=desk),
        "residency_space_in_shell_only",
    )


def test_at_most_one_link_and_a_name_when_unlinked(quanyechang, qyc_community):
    organization = make_organization()
    group = make_group(quanyechang, qyc_community)
    refused(
        lambda: make_residency(organization=organization, community_group=group),
        "residency_one_link",
    )
    refused(lambda: make_residency(name=""), "residency_named")
    linked = make_residency(name="", organization=organization)
    assert str(linked) == organization.name


def test_session_hours_positive_and_at_most_twelve():
    mentor = make_mentor()
    for hours in ("0", "-1", "12.5"):
        refused(lambda h=hours: make_session(mentor, [], hours=h), "session_hours_within_a_day")
    make_session(mentor, [], hours="12.0")


def test_no_desk_held_twice_over_overlapping_dates(desk):
    make_residency(space=desk, started_on=D(2016, 1, 1), planned_end_on=D(2016, 12, 31))
    refused(
        lambda: make_residency(space=desk, started_on=D(2016, 6, 1)),
        "residency_space_not_shared",
    )
    # The day it is left is free; other desks and out-of-shell residencies are unaffected.
    make_residency(space=desk, started_on=D(2016, 12, 31))
    make_residency(space=make_space(), started_on=D(2016, 6, 1))
    make_residency(mode=Mode.OUT_OF_SHELL, started_on=D(2016, 6, 1))


def test_an_open_ended_residency_holds_its_desk_until_it_ends(desk):
    holder = make_residency(space=desk, started_on=D(2016, 1, 1))
    refused(lambda: make_residency(space=desk, started_on=D(2019, 1, 1)), "residency_space")
    holder.ended_on = D(2017, 1, 1)
    holder.save()
    make_residency(space=desk, started_on=D(2017, 1, 1))


def test_rows_with_sessions_or_outputs_are_never_deleted(desk):
    mentor = make_mentor()
    mentored = make_residency()
    make_session(mentor, [mentored])
    serving = make_residency()
    ServiceOutput.objects.create(
        residency=serving, service="助老", period_start=D(2016, 1, 1), period_end=D(2016, 6, 30)
    )
    for row in (mentored, serving, mentor):
        with pytest.raises(ProtectedError), transaction.atomic():
            row.delete()
    assert Residency.objects.count() == 2 and Mentor.objects.count() == 1
    # Not even by SQL: the foreign keys refuse it in the database too (checked at once
    # here, at commit otherwise).
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM incubator_residency WHERE id = %s", [mentored.pk])


def test_every_change_is_in_the_trigger_history(desk):
    residency = make_residency(space=desk)
    Residency.objects.filter(pk=residency.pk).update(
        outcome=Outcome.WITHDRAWN, outcome_on=D(2017, 1, 1)
    )
    labels = list(residency.events.order_by("pgh_id").values_list("pgh_label", "outcome"))
    assert labels == [("insert", "ongoing"), ("update", "withdrawn")]
    session = make_session(make_mentor(), [residency])
    assert session.events.count() == 1
    assert SessionResidency.objects.get().events.count() == 1


# The admin's forms ----------------------------------------------------------------------


def residency_fields(**changes):
    fields = {
        "name": "乐龄学堂",
        "mode": Mode.IN_SHELL,
        "intake_year": 2016,
        "batch": 1,
        "origin": "local",
        "started_on": "2016-03-01",
        "outcome": Outcome.ONGOING,
    }
    fields.update(changes)
    return fields


CASES = [
    ({"ended_on": "2016-02-01"}, "ended_on", "实际结束日期不能早于开始日期"),
    ({"planned_end_on": "2016-02-01"}, "planned_end_on", "计划结束日期不能早于开始日期"),
    ({"outcome": Outcome.FILED}, "outcome_on", "需填写出壳或退出的日期"),
    ({"mode": Mode.OUT_OF_SHELL, "space": "DESK"}, "space", "壳外指导不占用空间"),
    ({"name": ""}, "name", "请填写尚未登记也未备案的团队名称"),
]


@pytest.mark.parametrize("changes,field,message", CASES)
def test_the_residency_form_names_the_field(client, incubator_staff, desk, changes, field, message):
    client.force_login(incubator_staff)
    if changes.get("space") == "DESK":
        changes = {**changes, "space": desk.pk}
    response = post_admin(client, admin_url(Residency, "add"), residency_fields(**changes))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors
    assert any(message in e for e in form.errors[field]), form.errors
    assert not Residency.objects.exists()


def test_both_links_are_refused_on_the_form(client, incubator_staff, quanyechang, qyc_community):
    organization = make_organization()
    group = make_group(quanyechang, qyc_community)
    group.status, group.filing_number, group.filed_on = (
        FilingStatus.FILED,
        "QYC-2016-0001",
        D(2016, 1, 1),
    )
    group.save()
    client.force_login(incubator_staff)
    response = post_admin(
        client,
        admin_url(Residency, "add"),
        residency_fields(organization=organization.pk, community_group=group.pk),
    )
    assert "community_group" in response.context["adminform"].form.errors
    assert not Residency.objects.exists()


def test_a_taken_desk_is_a_message_on_the_form(client, incubator_staff, desk):
    make_residency(space=desk, started_on=D(2016, 1, 1), planned_end_on=D(2017, 1, 1))
    client.force_login(incubator_staff)
    response = post_admin(
        client,
        admin_url(Residency, "add"),
        residency_fields(space=desk.pk, started_on="2016-06-01"),
    )
    assert response.status_code == 200
    assert any("另一家入驻组织" in e and "空间" in e for e in errors_of(response))
    assert Residency.objects.count() == 1


def test_a_valid_residency_is_saved_with_its_outputs(client, incubator_staff, desk):
    client.force_login(incubator_staff)
    response = post_admin(
        client,
        admin_url(Residency, "add"),
        residency_fields(space=desk.pk),
        inline_rows={
            "outputs": [
                {
                    "service": "遗嘱登记",
                    "period_start": "2016-01-01",
                    "period_end": "2016-03-31",
                    "people_served": 500,
                    "services_given": 200,
                    "households": 200,
                }
            ]
        },
    )
    assert response.status_code == 302, errors_of(response)
    residency = Residency.objects.get()
    assert residency.space == desk and residency.outputs.get().services_given == 200


def test_a_bad_output_row_saves_nothing(client, incubator_staff):
    client.force_login(incubator_staff)
    response = post_admin(
        client,
        admin_url(Residency, "add"),
        residency_fields(mode=Mode.OUT_OF_SHELL),
        inline_rows={
            "outputs": [
                {"service": "遗嘱登记", "period_start": "2016-04-01", "period_end": "2016-03-31"}
            ]
        },
    )
    assert response.status_code == 200
    assert any("结束不能早于" in e for e in errors_of(response))
    assert not Residency.objects.exists() and not ServiceOutput.objects.exists()


def session_fields(mentor, **changes):
    fields = {"date": "2016-05-10", "mentor": mentor.pk, "topic": "章程修订", "hours": "2.0"}
    fields.update(changes)
    return fields


@pytest.mark.parametrize("hours", ["0", "-1", "12.5"])
def test_session_hours_are_checked_on_the_form(client, incubator_staff, hours):
    mentor, residency = make_mentor(), make_residency()
    client.force_login(incubator_staff)
    response = post_admin(
        client,
        admin_url(MentoringSession, "add"),
        session_fields(mentor, hours=hours),
        inline_rows={"attendance": [{"residency": residency.pk}]},
    )
    assert response.status_code == 200
    assert "hours" in response.context["adminform"].form.errors
    assert not MentoringSession.objects.exists() and not SessionResidency.objects.exists()


def test_a_mentors_day_holds_at_most_twelve_hours(client, incubator_staff):
    mentor, residency = make_mentor(), make_residency()
    make_session(mentor, [residency], date=D(2016, 5, 10), hours="10.0")
    client.force_login(incubator_staff)
    response = post_admin(
        client,
        admin_url(MentoringSession, "add"),
        session_fields(mentor, hours="2.5"),
        inline_rows={"attendance": [{"residency": residency.pk}]},
    )
    errors = response.context["adminform"].form.errors["hours"]
    assert "已有" in errors[0] and "12" in errors[0]
    ok = post_admin(
        client,
        admin_url(MentoringSession, "add"),
        session_fields(mentor, hours="2.0"),
        inline_rows={"attendance": [{"residency": residency.pk}]},
    )
    assert ok.status_code == 302
    assert MentoringSession.objects.filter(mentor=mentor).count() == 2
    assert sum(s.hours for s in MentoringSession.objects.all()) == Decimal("12.0")


def test_a_session_needs_a_residency(client, incubator_staff):
    mentor = make_mentor()
    client.force_login(incubator_staff)
    response = post_admin(client, admin_url(MentoringSession, "add"), session_fields(mentor))
    assert response.status_code == 200
    assert any("至少选择一个" in e for e in errors_of(response))
    assert not MentoringSession.objects.exists()


def test_mentor_kinds_are_checked_on_the_form(client, incubator_staff):
    client.force_login(incubator_staff)
    person = post_admin(client, admin_url(Mentor, "add"), {"kind": "person", "name": ""})
    assert "name" in person.context["adminform"].form.errors
    organization = post_admin(client, admin_url(Mentor, "add"), {"kind": "organization"})
    assert "organization" in organization.context["adminform"].form.errors
    assert not Mentor.objects.exists()
    refused(lambda: Mentor.objects.create(kind="organization", name="某机构"), "mentor_person_or")
