"""Small factories for the incubation centre's tests."""

import datetime
import itertools
from decimal import Decimal

import pytest

from incubator.models import (
    Mentor,
    MentoringSession,
    MentorKind,
    Mode,
    Origin,
    Residency,
    ServiceOutput,
    SessionResidency,
    Space,
    SpaceKind,
    Training,
    TrainingAttendance,
)

_serial = itertools.count(1)
D = datetime.date
SESSION_DAY = D(2016, 5, 10)
TRAINING_DAY = D(2016, 6, 1)


def make_space(**fields):
    values = {"name": f"开放工位{next(_serial)}", "kind": SpaceKind.DESK, "capacity": 1}
    values.update(fields)
    return Space.objects.create(**values)


def make_residency(**fields):
    values = {
        "name": f"暖心互助社{next(_serial)}",
        "mode": Mode.OUT_OF_SHELL,
        "intake_year": 2016,
        "batch": 1,
        "origin": Origin.LOCAL,
        "started_on": D(2016, 3, 1),
    }
    if fields.get("space") is not None:
        values["mode"] = Mode.IN_SHELL
    values.update(fields)
    return Residency.objects.create(**values)


def make_mentor(**fields):
    values = {"kind": MentorKind.PERSON, "name": f"导师{next(_serial)}", "specialties": ["law"]}
    values.update(fields)
    return Mentor.objects.create(**values)


def make_session(mentor, residencies, date=SESSION_DAY, hours="2.0", **fields):
    session = MentoringSession.objects.create(
        mentor=mentor,
        date=date,
        hours=Decimal(hours),
        topic=fields.pop("topic", "章程修订"),
        **fields,
    )
    for residency in residencies:
        SessionResidency.objects.create(session=session, residency=residency)
    return session


def make_training(attendance, date=TRAINING_DAY, **fields):
    training = Training.objects.create(
        date=date, title=fields.pop("title", "财务管理实务"), trainer="王老师", **fields
    )
    for residency, people in attendance:
        TrainingAttendance.objects.create(training=training, residency=residency, attendees=people)
    return training


def make_output(residency, **fields):
    values = {
        "service": "助老服务",
        "period_start": D(2016, 1, 1),
        "period_end": D(2016, 12, 31),
        "people_served": 100,
        "services_given": 40,
        "households": 30,
    }
    values.update(fields)
    return ServiceOutput.objects.create(residency=residency, **values)


@pytest.fixture
def desk(db):
    return make_space(name="开放工位01")


@pytest.fixture
def actors(clerk_qyc, clerk_xbl, district_staff, incubator_staff):
    return {
        "clerk_qyc": clerk_qyc,
        "clerk_xbl": clerk_xbl,
        "district_staff": district_staff,
        "incubator_staff": incubator_staff,
        "anonymous": None,
    }
