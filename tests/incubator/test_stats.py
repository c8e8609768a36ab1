"""``incubator.stats.annual``: the year's figures as of 31 December on a small hand-built
centre, each checked against plain Python over the rows; zeros with no data."""

import datetime
from decimal import Decimal

import pytest

from hepingorgs import figures
from incubator import stats
from incubator.models import MentoringSession, Mode, Origin, Outcome, Residency, ServiceOutput
from registry.models import CommunityGroup
from tests.conftest import make_group, make_organization
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
END = D(2016, 12, 31)
LABELS = ["孵化中心入驻组织", "壳外指导组织", "当年引进孵化组织"]


TABLES = ["by mode", "intake", "ended", "mentors", "trainings", "pairings", "outputs"]


def sheet(result):
    """The tables by their place on the sheet (titles are translated)."""
    tables = result.sheets["孵化中心"]
    assert len(tables) == len(TABLES)
    return dict(zip(TABLES, tables, strict=True))


def test_no_data_gives_zeros():
    result = stats.annual(2016)
    assert [(i.label, i.value) for i in result.summary] == [(label, 0) for label in LABELS]
    assert list(result.sheets) == ["孵化中心"]
    for table in result.sheets["孵化中心"]:
        assert len(table.header) == len(table.kinds)
        for row in table.rows:
            assert all(v == 0 for v, kind in zip(row, table.kinds, strict=True) if kind)


@pytest.fixture
def centre(quanyechang, qyc_community):
    desk, office = make_space(), make_space(kind="office")
    made = [
        make_residency(space=desk, started_on=D(2015, 3, 1), intake_year=2015),
        make_residency(space=office, started_on=D(2016, 4, 1), origin=Origin.INTRODUCED),
        # Left on 31 December: not a resident at the end of the year.
        make_residency(
            space=make_space(),
            started_on=D(2016, 3, 1),
            ended_on=END,
            outcome=Outcome.REGISTERED,
            outcome_on=D(2016, 11, 1),
        ),
        make_residency(started_on=D(2016, 9, 1)),
        make_residency(started_on=D(2016, 9, 1), origin=Origin.INTRODUCED),
        make_residency(started_on=D(2014, 6, 1), intake_year=2014),
        make_residency(
            started_on=D(2014, 6, 1),
            intake_year=2014,
            ended_on=D(2016, 5, 1),
            outcome=Outcome.FILED,
            outcome_on=D(2016, 5, 1),
        ),
        make_residency(
            started_on=D(2015, 6, 1),
            intake_year=2015,
            ended_on=D(2015, 12, 1),
            outcome=Outcome.WITHDRAWN,
            outcome_on=D(2015, 12, 1),
        ),
        # Next year's intake: not counted.
        make_residency(started_on=D(2017, 1, 3), intake_year=2017),
    ]
    lawyer, social = make_mentor(name="律师甲"), make_mentor(name="社工乙")
    make_session(lawyer, made[:2], date=D(2016, 3, 1), hours="2.5")
    make_session(lawyer, made[3:4], date=D(2016, 12, 31), hours="1.0")
    make_session(social, made[:1], date=D(2016, 6, 1), hours="3.0")
    make_session(social, made[:1], date=D(2017, 1, 2), hours="3.0")
    make_training([(made[0], 2), (made[3], 1)], date=D(2016, 6, 1))
    make_training([(made[1], 4)], date=D(2015, 6, 1))
    make_output(made[0], people_served=500, services_given=200)
    make_output(made[1], period_start=D(2015, 1, 1), period_end=D(2015, 12, 31))
    partner = make_organization(name="和平区和睦社会工作服务中心")
    states = [
        ("filed", None, D(2016, 4, 1)),  # active
        ("filed", None, D(2017, 2, 1)),  # joined next year
        ("cancelled", D(2017, 3, 1), D(2016, 4, 1)),  # cancelled next year: active then
        ("cancelled", D(2016, 10, 1), D(2016, 4, 1)),  # cancelled during the year
    ]
    for index, (status, cancelled, since) in enumerate(states):
        group = make_group(quanyechang, qyc_community, name=f"福明社区合唱团{index}")
        CommunityGroup.objects.filter(pk=group.pk).update(
            status=status,
            filing_number=f"QYC-2016-{index + 1:04d}",
            filed_on=D(2016, 1, 1),
            cancelled_on=cancelled,
            cancel_reason="解散" if cancelled else "",
            upgrade_partner=partner,
            upgrade_since=since,
        )
    return made


def test_the_figures_of_a_small_centre(centre):
    result = stats.annual(2016)
    rows = list(Residency.objects.all())
    at_end = [r for r in rows if r.started_on <= END and (r.ended_on is None or r.ended_on > END)]
    intake = [r for r in rows if r.intake_year == 2016]
    assert [(i.label, i.value) for i in result.summary] == [
        ("孵化中心入驻组织", sum(r.mode == Mode.IN_SHELL for r in at_end)),
        ("壳外指导组织", sum(r.mode == Mode.OUT_OF_SHELL for r in at_end)),
        ("当年引进孵化组织", len(intake)),
    ]
    assert [i.value for i in result.summary] == [2, 3, 4]

    tables = sheet(result)
    by_origin = {row[0]: row[1:] for row in tables["intake"].rows}
    for origin, label in Origin.choices:
        mine = [r for r in intake if r.origin == origin]
        assert by_origin[str(label)] == [
            sum(r.mode == Mode.IN_SHELL for r in mine),
            sum(r.mode == Mode.OUT_OF_SHELL for r in mine),
            len(mine),
        ]

    ended = dict(tables["ended"].rows)
    for value in (Outcome.REGISTERED, Outcome.FILED, Outcome.WITHDRAWN):
        expected = sum(
            r.outcome == value and r.outcome_on and r.outcome_on.year == 2016 for r in rows
        )
        assert ended[str(Outcome(value).label)] == expected
    assert list(ended.values()) == [1, 1, 0]

    hours = {row[0]: row[1:] for row in tables["mentors"].rows}
    sessions = [s for s in MentoringSession.objects.all() if s.date.year == 2016]
    for name in ("律师甲", "社工乙"):
        mine = [s for s in sessions if s.mentor.name == name]
        assert hours[name] == [len(mine), sum(s.hours for s in mine)]
    assert hours["律师甲"] == [2, Decimal("3.5")]

    trainings = tables["trainings"].rows
    assert trainings == [["2016-06-01", "财务管理实务", "王老师", 2, 3]]

    pairings = tables["pairings"].rows
    assert pairings == [["和平区和睦社会工作服务中心", 2]]

    outputs = tables["outputs"].rows
    expected = [o for o in ServiceOutput.objects.all() if o.period_end.year == 2016]
    assert [row[3:] for row in outputs] == [
        [o.people_served, o.services_given, o.households] for o in expected
    ]
    assert result.charts[0].values == [2, 3]


def test_every_table_is_well_formed(centre):
    for table in stats.annual(2016).sheets["孵化中心"]:
        assert len(table.header) == len(table.kinds)
        for row in table.rows:
            assert len(row) == len(table.kinds)
            for value, kind in zip(row, table.kinds, strict=True):
                if kind == figures.COUNT:
                    assert isinstance(value, int)
                elif kind == figures.DECIMAL1:
                    assert isinstance(value, Decimal)


def test_collected_with_the_other_apps():
    labels = [label for label, _figures in figures.collect(2016)]
    assert "incubator" in labels
