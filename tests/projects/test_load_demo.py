"""The projects part of ``manage.py load_demo``: the report's 116 venture projects of
2016 and its two examples, every money rule holding on the result, figures that
stats.py reports, and a second run that changes nothing.

The load is heavy, so it is the suite's ``demo_district`` (committed, loaded once), as in
tests/registry/test_load_demo.py."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum

from projects import stats
from projects.models import (
    AWARDED_STATUSES,
    Evaluation,
    EvaluationGrade,
    EvaluationKind,
    Honor,
    Project,
    ProjectStatus,
    Review,
    Round,
    ServiceContract,
    Tranche,
    conflict_of_interest,
)
from registry.models import Street


@pytest.fixture
def output(demo_district, db):
    return demo_district


def approved():
    return Project.objects.filter(round__year=2016, status__in=AWARDED_STATUSES)


def test_the_report_figures(output):
    assert "projects:" in output
    (round_,) = Round.objects.all()
    assert (round_.year, round_.cap, round_.split) == (2016, Decimal("250000.00"), (50, 30, 20))
    assert approved().count() == 116
    assert Project.objects.filter(status=ProjectStatus.REJECTED).count() > 20
    totals = approved().aggregate(awarded=Sum("awarded"))
    assert totals["awarded"] <= round_.budget
    assert stats.annual(2016).summary[0].value == 116
    assert stats.annual(2016).summary[1].value == totals["awarded"]
    assert ServiceContract.objects.count() >= 3
    assert (
        stats.annual(2016).summary[2].value
        == ServiceContract.objects.aggregate(s=Sum("amount"))["s"]
    )


def test_awards_mostly_between_50_and_150_thousand_under_the_cap(output):
    awards = list(approved().values_list("awarded", flat=True))
    assert max(awards) <= Decimal("250000.00")
    typical = [a for a in awards if Decimal("50000") <= a <= Decimal("150000")]
    assert len(typical) >= 0.8 * len(awards)
    assert not approved().filter(awarded__gt=F("requested")).exists()


def test_fields_and_streets_are_all_covered(output):
    fields = dict(approved().values_list("field").annotate(n=Count("id")))
    assert len(fields) >= 9 and max(fields, key=fields.get) == "elderly"
    for street in Street.objects.all():
        assert approved().filter(streets=street).count() >= 8, street
    assert approved().filter(applicant_group__isnull=False).count() >= 20
    assert not approved().filter(applicant_group__isnull=False, host__isnull=True).exists()


def test_reviews_are_complete_and_free_of_conflicts(output):
    counts = set(
        Project.objects.annotate(n=Count("reviews")).values_list("n", flat=True).distinct()
    )
    assert counts == {5}
    for review in Review.objects.select_related("expert", "project"):
        assert conflict_of_interest(review.expert, review.project) is None
        assert 0 <= review.total <= 100


def test_tranches_and_payments_follow_the_rules(output):
    for project in approved().prefetch_related("tranches", "evaluations"):
        tranches = list(project.tranches.all())
        assert sum(t.planned for t in tranches) == project.awarded
        assert sum(t.paid or 0 for t in tranches) == project.paid <= project.awarded
        midterm = next(e for e in project.evaluations.all() if e.kind == EvaluationKind.MIDTERM)
        if midterm.grade == EvaluationGrade.FAIL:
            assert project.status == ProjectStatus.TERMINATED
            assert [t.number for t in tranches if t.paid] == [1]
        else:
            assert project.status == ProjectStatus.COMPLETED
            assert project.paid == project.awarded
    assert approved().filter(status=ProjectStatus.TERMINATED).count() == 3
    assert Tranche.objects.filter(paid__isnull=False, paid_on__isnull=True).count() == 0


def test_evaluations_are_spread_over_the_grades(output):
    grades = dict(
        Evaluation.objects.filter(kind=EvaluationKind.FINAL)
        .values_list("grade")
        .annotate(n=Count("id"))
    )
    assert set(grades) == {"excellent", "good", "pass"}
    assert Evaluation.objects.filter(kind=EvaluationKind.MIDTERM).count() == 116


def test_the_reports_examples(output):
    home = Project.objects.get(title__contains="爱洒回家路")
    assert home.streets.get().name == "小白楼街道"
    assert "小白楼" in home.applicant_organization.name
    assert home.field == "elderly" and home.status == ProjectStatus.COMPLETED
    assert home.honors.get().name == "全国最具影响力社工项目"
    doctors = Project.objects.get(title__contains="老军医")
    assert doctors.streets.get().name == "劝业场街道"
    assert doctors.applicant_group.street.name == "劝业场街道"
    assert "劝业场" in doctors.host.name
    honor = doctors.honors.get()
    assert honor.name == "天津好人" and "队员" in honor.recipients
    assert Honor.objects.count() == 2


def test_a_second_run_changes_nothing(output):
    before = (Project.objects.count(), Review.objects.count(), Tranche.objects.count())
    events = Project.events.rel.related_model.objects.count()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "projects: the demo data is already there" in out.getvalue()
    assert (Project.objects.count(), Review.objects.count(), Tranche.objects.count()) == before
    assert Project.events.rel.related_model.objects.count() == events


def test_reset_rebuilds_the_same_projects(output):
    titles = list(Project.objects.order_by("pk").values_list("title", "awarded"))
    call_command("load_demo", "--reset", stdout=io.StringIO())
    assert list(Project.objects.order_by("pk").values_list("title", "awarded")) == titles
    assert Round.objects.count() == 1
