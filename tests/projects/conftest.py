"""Small builders for the projects tests: a round, applications by an organization and
by a filed group through its host, and projects moved along the workflow."""

import datetime
import itertools
from decimal import Decimal

import pytest

from projects import workflow
from projects.models import (
    EvaluationGrade,
    Expert,
    Project,
    ProjectField,
    Round,
    RoundStatus,
    ServiceContract,
)
from registry import filings
from tests.conftest import make_group, make_organization

_serial = itertools.count(1)
START = datetime.date(2016, 6, 6)


def make_round(**fields):
    values = {
        "year": 2016,
        "name": f"2016年公益创投第{next(_serial)}批",
        "funding_source": "lottery",
        "budget": Decimal("1000000.00"),
        "cap": Decimal("250000.00"),
        "opens_on": datetime.date(2016, 3, 1),
        "closes_on": datetime.date(2016, 4, 15),
        "status": RoundStatus.REVIEWING,
    }
    values.update(fields)
    return Round.objects.create(**values)


def make_project(round_, applicant=None, *, streets=(), group=None, host=None, **fields):
    values = {
        "round": round_,
        "title": f"社区关爱项目{next(_serial)}",
        "field": ProjectField.ELDERLY,
        "planned_start": datetime.date(2016, 6, 1),
        "planned_end": datetime.date(2017, 3, 31),
        "requested": Decimal("100000.00"),
        "target_beneficiaries": 200,
    }
    if group is not None:
        values["applicant_group"] = group
    else:
        values["applicant_organization"] = applicant or make_organization()
    if host is not None:
        values["host"] = host
    values.update(fields)
    project = Project.objects.create(**values)
    if streets:
        project.streets.set(streets)
    return project


def evaluation(grade=EvaluationGrade.GOOD, served=180, on=None, score="85.0"):
    return {
        "score": Decimal(score),
        "grade": grade,
        "evaluator": "区民政局项目评估组",
        "served": served,
        "on": on,
    }


def advance(project, to, awarded="100000.00", midterm=EvaluationGrade.GOOD):
    """Move ``project`` (under review) along the workflow up to status ``to``."""
    steps = ["approved", "notice", "in_progress", "midterm", "completed"]
    workflow.approve(project, awarded, on=datetime.date(2016, 5, 20))
    for step in steps[1 : steps.index(to) + 1]:
        if step == "notice":
            workflow.publish_notice(project, datetime.date(2016, 5, 23), datetime.date(2016, 5, 29))
        elif step == "in_progress":
            workflow.start(project, on=START)
        elif step == "midterm":
            workflow.evaluate_midterm(
                project, **evaluation(midterm, served=90, on=datetime.date(2016, 10, 20))
            )
        elif step == "completed":
            workflow.complete(project, **evaluation(on=datetime.date(2017, 3, 25)))
    project.refresh_from_db()
    return project


@pytest.fixture
def round_(db):
    return make_round()


@pytest.fixture
def organization(db):
    return make_organization(name="和平区阳光社会工作服务中心", org_type="2")


@pytest.fixture
def hub(quanyechang):
    return make_organization(name="和平区劝业场街社区社会组织服务促进会", street=quanyechang)


@pytest.fixture
def filed_group(quanyechang, qyc_community):
    group = make_group(quanyechang, qyc_community, name="福明社区老军医志愿服务队")
    filings.submit(group)
    return filings.accept(group, on=datetime.date(2015, 5, 1))


@pytest.fixture
def project(round_, organization, quanyechang):
    return make_project(round_, organization, streets=[quanyechang], title="爱洒回家路")


@pytest.fixture
def reviewing(project):
    return workflow.start_review(project)


@pytest.fixture
def expert(db):
    return Expert.objects.create(name="周教授", employer="高校社会工作系")


def make_contract(provider, **fields):
    values = {
        "department": "区民政局",
        "provider": provider,
        "subject": "居家养老上门服务",
        "amount": Decimal("300000.00"),
        "signed_on": datetime.date(2016, 2, 1),
        "starts_on": datetime.date(2016, 2, 15),
        "ends_on": datetime.date(2016, 12, 31),
    }
    values.update(fields)
    return ServiceContract.objects.create(**values)
