"""Two in-shell residencies never hold one desk over overlapping dates, even when they
are saved at the same moment: real transactions on separate connections (threads)."""

import datetime
import threading

import pytest
from django.db import IntegrityError, OperationalError, transaction
from django.test import Client

from incubator.models import Residency
from tests.incubator.conftest import make_space
from tests.incubator.helpers import admin_url, management_data
from tests.registry.test_filings_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = datetime.date
DEADLOCK_DETECTED = "40P01"


def in_shell(space, start, **fields):
    return Residency(
        name=fields.pop("name", "乐龄学堂"),
        mode="in_shell",
        intake_year=start.year,
        origin="local",
        started_on=start,
        space=space,
        **fields,
    )


def test_the_database_refuses_the_second_of_two_concurrent_overlapping_residencies():
    desk = make_space(name="开放工位01")
    inside = threading.Event()
    release = threading.Event()

    def slow():
        # Inserts, then holds its transaction open while the other one tries.
        with transaction.atomic():
            in_shell(desk, D(2016, 3, 1), planned_end_on=D(2018, 3, 1)).save()
            inside.set()
            release.wait(10)

    def fast():
        inside.wait(10)
        # Must wait for the first transaction to end, then be refused, not slip in.
        threading.Timer(0.5, release.set).start()
        with transaction.atomic():
            in_shell(desk, D(2017, 1, 1), name="青年志愿者联盟").save()

    errors = run_in_threads(slow, fast)
    assert len(errors) == 1 and isinstance(errors[0], IntegrityError)
    assert "residency_space_not_shared" in str(errors[0])
    assert list(Residency.objects.values_list("name", flat=True)) == ["乐龄学堂"]


def test_many_concurrent_claims_on_one_desk_leave_one_holder():
    desk = make_space(name="开放工位02")
    start = threading.Barrier(6)

    def claim(index):
        def run():
            start.wait(10)
            in_shell(desk, D(2016, 3, 1 + index), name=f"团队{index}").save()

        return run

    errors = run_in_threads(*[claim(i) for i in range(6)])
    # Each loser is refused by the constraint. Among several waiters on one exclusion
    # constraint PostgreSQL may also find a cycle (two of them each waiting for the
    # other's insert) and cancel one as a deadlock: refused all the same, nothing saved.
    # Every loser may go that way (a chain of such pairs ending at the winner), so the
    # test does not ask for at least one constraint error; CI once saw five deadlocks.
    # The admin's form queues the saves of one desk on its row (ResidencyForm.clean),
    # so people see the constraint's message, never a deadlock.
    assert len(errors) == 5
    for error in errors:
        deadlock = getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED
        assert isinstance(error, IntegrityError) or (
            isinstance(error, OperationalError) and deadlock
        ), error
    assert Residency.objects.count() == 1


def test_two_admin_saves_at_once_give_one_residency_and_one_message(incubator_staff):
    desk = make_space(name="开放工位03")
    url = admin_url(Residency, "add")
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(incubator_staff)
    base = management_data(clients[0].get(url))
    start = threading.Barrier(2)
    results = []

    def save(client, name):
        def run():
            data = {
                **base,
                "name": name,
                "mode": "in_shell",
                "intake_year": 2016,
                "batch": 1,
                "origin": "local",
                "started_on": "2016-03-01",
                "outcome": "ongoing",
                "space": desk.pk,
            }
            start.wait(10)
            results.append(client.post(url, data))

        return run

    errors = run_in_threads(save(clients[0], "乐龄学堂"), save(clients[1], "青年志愿者联盟"))
    assert errors == []
    assert sorted(r.status_code for r in results) == [200, 302]
    refused = next(r for r in results if r.status_code == 200)
    assert "另一家入驻组织" in refused.content.decode()
    assert Residency.objects.count() == 1
