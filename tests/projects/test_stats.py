"""projects/stats.py on a small hand-built dataset, each figure against an independent
query; zeros for a year without data."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from hepingorgs.figures import COUNT, MONEY, AppFigures, collect
from projects import stats, workflow
from projects.models import (
    AWARDED_STATUSES,
    Evaluation,
    EvaluationGrade,
    Project,
    ProjectField,
    ServiceContract,
)
from registry.models import Street
from tests.projects.conftest import advance, make_contract, make_project, make_round


@pytest.fixture
def dataset(round_, organization, quanyechang, xiaobailou):
    """2016: five applications (one completed and fully paid in two streets, one failed
    mid-term then terminated, one approved, one rejected, one still applied); a 2015
    round's project and contracts around the year's edges, which must not count."""
    completed = advance(
        workflow.start_review(
            make_project(
                round_,
                organization,
                streets=[quanyechang, xiaobailou],
                target_beneficiaries=300,
                requested=150000,
            )
        ),
        "completed",
        awarded="120000",
    )
    for _ in range(3):
        workflow.pay_next_tranche(completed, on=datetime.date(2017, 4, 1))
    failed = advance(
        workflow.start_review(
            make_project(round_, organization, streets=[quanyechang], field=ProjectField.HEALTH)
        ),
        "midterm",
        awarded="60000",
        midterm=EvaluationGrade.FAIL,
    )
    workflow.pay_next_tranche(failed, on=datetime.date(2016, 6, 10))
    workflow.terminate(failed, "中期评估不合格", on=datetime.date(2016, 12, 1))
    approved = workflow.start_review(
        make_project(round_, organization, streets=[xiaobailou], field=ProjectField.HEALTH)
    )
    workflow.approve(approved, "45000.50")
    rejected = workflow.start_review(make_project(round_, organization, streets=[xiaobailou]))
    workflow.reject(rejected, "不符合条件")
    make_project(round_, organization, streets=[quanyechang])
    other = make_round(year=2015, name="2015年")
    workflow.approve(
        workflow.start_review(make_project(other, organization, streets=[quanyechang])), "99999"
    )
    make_contract(organization, amount=Decimal("300000.00"), signed_on=datetime.date(2016, 1, 1))
    make_contract(
        organization,
        amount=Decimal("12345.67"),
        signed_on=datetime.date(2016, 12, 31),
        street=quanyechang,
    )
    make_contract(
        organization,
        amount=Decimal("1.00"),
        signed_on=datetime.date(2015, 12, 31),
        starts_on=datetime.date(2016, 1, 1),
    )
    make_contract(
        organization,
        amount=Decimal("2.00"),
        signed_on=datetime.date(2017, 1, 1),
        starts_on=datetime.date(2017, 1, 1),
        ends_on=datetime.date(2017, 12, 31),
    )


def year_projects(year=2016):
    return Project.objects.filter(round__year=year)


def test_the_summary_against_independent_queries(dataset):
    figures = stats.annual(2016)
    approved = year_projects().filter(status__in=AWARDED_STATUSES)
    contracts = ServiceContract.objects.filter(
        signed_on__gte=datetime.date(2016, 1, 1), signed_on__lte=datetime.date(2016, 12, 31)
    )
    assert [(i.label, i.value, i.kind) for i in figures.summary] == [
        ("公益创投项目数", approved.count(), COUNT),
        ("公益创投资助金额(元)", approved.aggregate(s=Sum("awarded"))["s"], MONEY),
        ("政府购买服务金额(元)", contracts.aggregate(s=Sum("amount"))["s"], MONEY),
    ]
    assert [i.value for i in figures.summary] == [3, Decimal("225000.50"), Decimal("312345.67")]


def test_by_street_counts_a_project_in_each_street_it_serves(dataset, quanyechang, xiaobailou):
    figures = stats.annual(2016)
    assert set(figures.by_street) == set(Street.objects.values_list("name", flat=True))
    for street in Street.objects.all():
        served = year_projects().filter(status__in=AWARDED_STATUSES, streets=street)
        assert figures.by_street[street.name] == {
            "公益创投项目": served.count(),
            "公益创投资助金额(元)": served.aggregate(s=Sum("awarded"))["s"] or Decimal("0.00"),
        }
    assert figures.by_street[quanyechang.name]["公益创投项目"] == 2
    assert figures.by_street[xiaobailou.name]["公益创投资助金额(元)"] == Decimal("165000.50")


def table(figures, title_part):
    (found,) = [t for t in figures.sheets["公益创投"] if title_part in t.title]
    return found


def test_the_tables_by_field_and_street(dataset):
    figures = stats.annual(2016)
    by_field = table(figures, "按领域")
    assert [row[0] for row in by_field.rows] == [str(label) for _v, label in ProjectField.choices]
    assert len(by_field.header) == len(by_field.kinds) == 8
    rows = {row[0]: row[1:] for row in by_field.rows}
    for value, label in ProjectField.choices:
        projects = year_projects().filter(field=value)
        approved = projects.filter(status__in=AWARDED_STATUSES)
        sums = approved.aggregate(a=Sum("awarded"), p=Sum("paid"), t=Sum("target_beneficiaries"))
        live = approved.exclude(status="terminated").aggregate(a=Sum("awarded"), p=Sum("paid"))
        served = sum(
            (
                p.evaluations.filter(kind="final").first()
                or p.evaluations.filter(kind="midterm").first()
            ).beneficiaries_served
            if p.evaluations.exists()
            else 0
            for p in approved
        )
        assert rows[str(label)] == [
            projects.count(),
            approved.count(),
            sums["a"] or Decimal("0.00"),
            sums["p"] or Decimal("0.00"),
            (live["a"] or 0) - (live["p"] or 0),
            sums["t"] or 0,
            served,
        ], label
    elderly = rows["养老"]
    assert elderly[:3] == [3, 1, Decimal("120000.00")]
    health = rows["医疗卫生"]
    assert health[2:5] == [Decimal("105000.50"), Decimal("30000.00"), Decimal("45000.50")]
    by_street = table(figures, "街道")
    assert len(by_street.rows) == 6 and by_street.totals is False


def test_evaluations_and_contracts_tables(dataset):
    figures = stats.annual(2016)
    grades = table(figures, "评估")
    counts = dict(
        Evaluation.objects.filter(project__round__year=2016)
        .values_list("grade")
        .annotate(n=Count("id"))
    )
    assert sum(row[1] + row[2] for row in grades.rows) == sum(counts.values()) == 3
    assert {row[0]: row[1:] for row in grades.rows}["不合格"] == [1, 0]
    contracts = table(figures, "政府购买服务")
    assert [row[-1] for row in contracts.rows] == [Decimal("300000.00"), Decimal("12345.67")]
    assert contracts.rows[0][3] == "全区" and contracts.rows[1][3] == "劝业场街道"


def test_the_detail_sheet_has_every_project_of_the_year(dataset):
    (detail,) = stats.annual(2016).details
    assert detail.title == "公益创投项目"
    rows = list(detail.rows)
    assert len(rows) == detail.count == year_projects().count() == 5
    assert len(detail.header) == len(detail.kinds) == len(rows[0])
    awarded_column = detail.header.index("资助金额（元）")
    assert sum(row[awarded_column] for row in rows) == Decimal("225000.50")
    assert any(row[6] == "劝业场街道、小白楼街道" for row in rows)


def test_the_chart_of_money_by_field(dataset):
    (chart,) = stats.annual(2016).charts
    assert chart.kind == MONEY and len(chart.labels) == len(chart.values) == len(
        ProjectField.values
    )
    sums = dict(
        year_projects()
        .filter(status__in=AWARDED_STATUSES)
        .values_list("field")
        .annotate(s=Sum("awarded"))
    )
    for value, amount in zip(ProjectField.values, chart.values, strict=True):
        assert amount == sums.get(value, Decimal("0.00"))


def test_zeros_without_data(db):
    figures = stats.annual(2030)
    assert isinstance(figures, AppFigures)
    assert [i.value for i in figures.summary] == [0, Decimal("0.00"), Decimal("0.00")]
    assert all(
        v == {"公益创投项目": 0, "公益创投资助金额(元)": Decimal("0.00")}
        for v in figures.by_street.values()
    )
    assert len(figures.by_street) == 6
    assert list(figures.details[0].rows) == []
    assert all(v == 0 for v in figures.charts[0].values)
    by_field = table(figures, "按领域")
    assert all(value == 0 for row in by_field.rows for value in row[1:])


def test_collected_with_the_other_apps(db):
    assert "projects" in [label for label, _figures in collect(2016)]


def test_independent_of_query_filters_on_other_years(dataset):
    assert (
        stats.annual(2015).summary[0].value
        == Project.objects.filter(Q(round__year=2015) & Q(status__in=AWARDED_STATUSES)).count()
        == 1
    )
