"""Concurrent acceptance never duplicates a filing number; concurrent edits never lose an
update. Real transactions on separate connections (threads), not simulated."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry import filings
from registry.models import CommunityGroup, FilingStatus
from tests.conftest import make_group
from tests.registry.test_filings_access import edit_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_in_threads(*targets):
    """Run each target in its own thread (own database connection); re-raise failures."""
    errors = []

    def wrap(target):
        def run():
            try:
                target()
            except Exception as exc:  # noqa: BLE001 - reported to the test below
                errors.append(exc)
            finally:
                connections.close_all()

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_two_acceptances_at_the_same_moment_get_different_numbers(quanyechang, qyc_community):
    first = make_group(quanyechang, qyc_community)
    second = make_group(quanyechang, qyc_community)
    filings.submit(first)
    filings.submit(second)
    inside = threading.Event()
    release = threading.Event()

    def slow_accept():
        # Takes its number, then holds the transaction open while the other one runs.
        with transaction.atomic():
            filings.accept(first)
            inside.set()
            release.wait(10)

    def fast_accept():
        inside.wait(10)
        # Must wait for the first transaction's counter row lock, not read a stale value.
        timer = threading.Timer(0.5, release.set)
        timer.start()
        filings.accept(second)

    assert run_in_threads(slow_accept, fast_accept) == []
    numbers = sorted(CommunityGroup.objects.values_list("filing_number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"QYC-{year}-0001", f"QYC-{year}-0002"]


def test_many_concurrent_acceptances_never_duplicate(quanyechang, qyc_community):
    groups = [make_group(quanyechang, qyc_community) for _ in range(8)]
    for group in groups:
        filings.submit(group)
    start = threading.Barrier(len(groups))

    def accept(group):
        def run():
            start.wait(10)
            filings.accept(group)

        return run

    assert run_in_threads(*[accept(g) for g in groups]) == []
    numbers = list(CommunityGroup.objects.values_list("filing_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 8
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))


def test_the_same_filing_accepted_twice_at_once_is_filed_once(quanyechang, qyc_community):
    group = make_group(quanyechang, qyc_community)
    filings.submit(group)
    start = threading.Barrier(2)

    def accept():
        start.wait(10)
        filings.accept(group)

    errors = run_in_threads(accept, accept)
    assert len(errors) == 1 and isinstance(errors[0], filings.TransitionError)
    group.refresh_from_db()
    assert group.status == FilingStatus.FILED
    with connection.cursor() as cursor:
        cursor.execute("SELECT last FROM registry_filingsequence")
        assert cursor.fetchone()[0] == 1


def test_concurrent_edits_never_lose_an_update(
    quanyechang, qyc_community, clerk_qyc, district_staff
):
    group = make_group(quanyechang, qyc_community)
    start = threading.Barrier(2)
    results = {}

    def edit(user, field, value):
        def run():
            client = Client()
            client.force_login(user)
            start.wait(10)
            response = client.post(
                reverse("filings:edit", args=[group.pk]), edit_data(group, **{field: value})
            )
            results[user.username] = response.status_code

        return run

    errors = run_in_threads(
        edit(clerk_qyc, "leader_name", "王建国"), edit(district_staff, "member_count", 99)
    )
    assert errors == []
    assert sorted(results.values()) == [302, 409]
    group.refresh_from_db()
    assert group.version == 2
    winner = next(name for name, code in results.items() if code == 302)
    if winner == "clerk_qyc":
        assert (group.leader_name, group.member_count) == ("王建国", 20)
    else:
        assert (group.leader_name, group.member_count) == ("张秀兰", 99)
