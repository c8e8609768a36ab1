"""The centre's dashboard at /incubator/: who may see it, what it says on a small
hand-built centre (checked against plain Python over the rows), and a fixed number of
queries whatever the amount of data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incubator.models import Mode, Outcome, Residency, SessionResidency, TrainingAttendance
from tests.conftest import client_for, make_group, make_organization
from tests.incubator.conftest import (
    make_mentor,
    make_output,
    make_residency,
    make_session,
    make_space,
    make_training,
)

pytestmark = pytest.mark.django_db
D = datetime.date
URL = reverse("incubator:dashboard")
DAY = D(2016, 12, 15)


@pytest.mark.parametrize(
    "actor,status",
    [
        ("anonymous", 302),
        ("clerk_qyc", 403),
        ("clerk_xbl", 403),
        ("incubator_staff", 200),
        ("district_staff", 200),
    ],
)
def test_who_may_see_the_dashboard(client, actors, actor, status):
    response = client_for(client, actors[actor]).get(URL)
    assert response.status_code == status
    if actor == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if status == 403:
        assert "孵化中心" not in response.content.decode()


def test_only_reading(client, incubator_staff):
    client.force_login(incubator_staff)
    assert client.post(URL).status_code == 405


def build_centre(extra=0, prefix=""):
    """A small centre as of DAY; ``extra`` adds that many more of everything."""
    desks = [make_space(name=f"{prefix}工位{i:02d}") for i in range(3 + extra)]
    make_space(name=f"{prefix}停用工位", is_active=False)
    residents = [
        # Holds desk 0 today, leaves within 60 days: desk 0 is free next month.
        make_residency(
            name="甲", space=desks[0], started_on=D(2015, 3, 1), planned_end_on=D(2016, 12, 31)
        ),
        # Holds desk 1 through next month.
        make_residency(name="乙", space=desks[1], started_on=D(2016, 3, 1), intake_year=2016),
        # Arrives on desk 2 next month.
        make_residency(name="丙", space=desks[2], started_on=D(2017, 1, 5), intake_year=2017),
        make_residency(name="丁", started_on=D(2016, 9, 1)),
        make_residency(
            name="戊",
            started_on=D(2014, 6, 1),
            intake_year=2014,
            ended_on=D(2016, 5, 1),
            outcome=Outcome.FILED,
            outcome_on=D(2016, 5, 1),
        ),
    ]
    for i in range(extra):
        residents.append(
            make_residency(name=f"扩展{i}", space=desks[3 + i], started_on=D(2016, 2, 1))
        )
        residents.append(make_residency(name=f"壳外{i}", started_on=D(2016, 2, 1)))
    mentors = [make_mentor(name="律师甲"), make_mentor(name="社工乙")]
    mentors.append(make_mentor(kind="organization", name="", organization=make_organization()))
    make_session(mentors[0], residents[:2], date=D(2016, 12, 1), hours="2.0")
    make_session(mentors[0], residents[1:2], date=D(2016, 6, 1), hours="3.0")
    make_session(mentors[1], residents[3:4], date=D(2016, 11, 30), hours="1.5")
    make_session(mentors[2], residents[3:4], date=D(2015, 12, 30), hours="4.0")  # last year
    for i in range(extra):
        make_session(mentors[i % 3], residents[5 + 2 * i : 7 + 2 * i], date=D(2016, 4, 1))
    make_training([(residents[0], 2), (residents[3], 1)], date=D(2016, 6, 1))
    make_training([(residents[1], 3)], date=D(2016, 12, 10))
    for _i in range(extra):
        make_training([(r, 1) for r in residents[5:]], date=D(2016, 7, 1))
    make_output(residents[0], households=120, period_end=D(2016, 11, 30))
    for i in range(extra):
        make_output(residents[5 + i], households=1)
    return residents, mentors


def test_the_dashboard_figures(client, incubator_staff, quanyechang, qyc_community):
    residents, mentors = build_centre()
    partner = make_organization(name="和平区和睦社会工作服务中心")
    group = make_group(quanyechang, qyc_community, name="福明社区合唱团")
    group.__class__.objects.filter(pk=group.pk).update(
        status="filed",
        filing_number="QYC-2016-0001",
        filed_on=D(2016, 1, 1),
        upgrade_partner=partner,
        upgrade_since=D(2016, 4, 1),
    )
    client.force_login(incubator_staff)
    response = client.get(URL, {"day": DAY.isoformat()})
    assert response.status_code == 200
    context = response.context
    rows = list(Residency.objects.all())

    current = [r for r in rows if r.started_on <= DAY and (r.ended_on is None or r.ended_on > DAY)]
    expected = {m: sum(r.mode == m for r in current) for m in Mode.values}
    assert dict(context["residents"]) == {label: expected[value] for value, label in Mode.choices}
    assert expected == {Mode.IN_SHELL: 2, Mode.OUT_OF_SHELL: 1}

    spaces = {row["space"].name: row for row in context["space_rows"]}
    assert "停用工位" not in spaces
    assert spaces["工位00"]["today"].name == "甲" and spaces["工位00"]["next_month"] == []
    assert spaces["工位01"]["today"].name == "乙"
    assert [r.name for r in spaces["工位01"]["next_month"]] == ["乙"]
    assert spaces["工位02"]["today"] is None
    assert [r.name for r in spaces["工位02"]["next_month"]] == ["丙"]
    assert (context["spaces_free_today"], context["spaces_free_next_month"]) == (1, 1)

    assert [r.name for r in context["ending_soon"]] == ["甲"]

    by_mentor = {str(m): p for m, p in context["mentor_hours"]}
    assert by_mentor["律师甲"] == {"month": (1, Decimal("2.0")), "year": (2, Decimal("5.0"))}
    assert by_mentor["社工乙"] == {"month": (0, Decimal(0)), "year": (1, Decimal("1.5"))}
    assert str(mentors[2]) not in by_mentor  # only last year
    by_residency = {r.name: p for r, p in context["residency_hours"]}
    for residency in rows:
        links = SessionResidency.objects.filter(residency=residency).select_related("session")
        year = [x.session for x in links if x.session.date.year == 2016]
        month = [s for s in year if s.date.month == 12]
        if year:
            assert by_residency[residency.name] == {
                "month": (len(month), sum((s.hours for s in month), Decimal(0))),
                "year": (len(year), sum(s.hours for s in year)),
            }
        else:
            assert residency.name not in by_residency

    outcomes = {year: dict(counts) for year, counts, _total in context["outcomes_by_year"]}
    assert outcomes[2014][str(Outcome.FILED.label)] == 1
    for year, counts in outcomes.items():
        for value, label in Outcome.choices:
            assert counts[str(label)] == sum(
                r.intake_year == year and r.outcome == value for r in rows
            )
    assert outcomes[2016][str(Outcome.ONGOING.label)] == 3

    assert [t.n_attendees for t in context["trainings"]] == [3, 3]
    assert context["training_attendees"] == sum(
        a.attendees for a in TrainingAttendance.objects.all()
    )

    progress = context["progress"]
    assert progress["plan"].target_organizations == 100
    lines = [(done, target) for _label, done, target, _percent in progress["lines"]]
    assert lines == [(1, 100), (6, 1000), (120, 10000)]

    assert context["pairings"] == 1
    # Last year's graduates (none here) and the hours they received.
    assert (context["last_year"], context["graduates"], context["graduate_hours"]) == (2015, 0, 0)
    assert context["top_partners"] == [("和平区和睦社会工作服务中心", 1)]
    page = response.content.decode()
    assert 'lang="zh-hans"' in page.lower() and "孵化中心" in page and "<script" not in page
    assert group.leader_phone not in page and group.leader_name not in page


def test_the_hours_last_years_graduates_received(client, incubator_staff):
    mentor = make_mentor()
    graduate = make_residency(
        started_on=D(2015, 3, 1),
        ended_on=D(2016, 6, 1),
        outcome=Outcome.REGISTERED,
        outcome_on=D(2016, 6, 1),
    )
    withdrawn = make_residency(
        started_on=D(2015, 3, 1),
        ended_on=D(2016, 6, 1),
        outcome=Outcome.WITHDRAWN,
        outcome_on=D(2016, 6, 1),
    )
    other = make_residency(started_on=D(2015, 3, 1))
    make_session(mentor, [graduate, withdrawn], date=D(2015, 5, 1), hours="2.0")
    make_session(mentor, [graduate], date=D(2016, 2, 1), hours="1.5")
    make_session(mentor, [other], date=D(2016, 2, 2), hours="3.0")
    client.force_login(incubator_staff)
    response = client.get(URL, {"day": "2017-03-01"})
    assert (response.context["graduates"], response.context["graduate_hours"]) == (
        1,
        Decimal("3.5"),
    )
    assert "2016" in response.content.decode()


def test_an_empty_centre_shows_zeros(client, district_staff):
    client.force_login(district_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["residents_total"] == 0
    assert response.context["pairings"] == 0


def test_a_bad_day_falls_back_to_today(client, district_staff):
    client.force_login(district_staff)
    response = client.get(URL, {"day": "2016-13-45"})
    assert response.status_code == 200
    assert response.context["form"].errors["day"]


def test_dashboard_queries_are_pinned_and_do_not_grow(
    client, incubator_staff, django_assert_num_queries
):
    build_centre()
    client.force_login(incubator_staff)
    # Session, user, role groups; residents, spaces, holders, ending soon, mentor hours
    # (2), residency hours (2), outcomes, trainings, plan (4), pairings, graduates' hours.
    with django_assert_num_queries(19):
        client.get(URL, {"day": DAY.isoformat()})
    build_centre(extra=8, prefix="B")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"day": DAY.isoformat()})
    assert len(many) == 19
    assert len(response.context["space_rows"]) == 3 + 3 + 8


def test_the_navigation_links_the_dashboard_for_its_users_only(client, actors):
    link = f'href="{URL}"'
    client.force_login(actors["district_staff"])
    assert link in client.get(reverse("filings:list")).content.decode()
    client.force_login(actors["clerk_qyc"])
    assert link not in client.get(reverse("filings:list")).content.decode()
    client.force_login(actors["incubator_staff"])
    assert link in client.get(URL).content.decode()
