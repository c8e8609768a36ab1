"""A workspace acceptance while an import is committing never duplicates a filing number:
real transactions on separate connections (threads)."""

import datetime
import threading

import pytest
from django.utils import timezone

from registry import filings
from registry.imports import importer_for
from registry.models import CommunityGroup
from tests.conftest import make_group
from tests.registry.test_filings_concurrency import run_in_threads
from tests.registry.workbooks import group_row, xlsx

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_acceptance_during_an_import_waits_and_takes_the_next_number(
    district_staff, quanyechang, qyc_community
):
    year = timezone.localdate().year
    today = timezone.localdate().isoformat()
    waiting = make_group(quanyechang, qyc_community, name="工作台里的新组织")
    filings.submit(waiting)
    rows = [
        group_row(f"台账第{n}队", number=f"QYC-{year}-{n:04d}", 备案日期=today) for n in (1, 2, 5)
    ]
    rows += [group_row(f"台账新队{n}", 备案日期=today) for n in range(12)]
    content = xlsx(rows)
    inside, release = threading.Event(), threading.Event()
    importer = importer_for("community-groups", district_staff)
    importer.batch_size = 5

    def slow_progress(done):
        # The first batch is written: the import holds the counter row of QYC/year.
        inside.set()
        release.wait(10)

    def run_import():
        report = importer.run(content, commit=True, progress=slow_progress, file_name="x.xlsx")
        assert report.committed, report.errors

    def accept():
        inside.wait(10)
        threading.Timer(0.5, release.set).start()
        filings.accept(waiting)

    assert run_in_threads(run_import, accept) == []
    numbers = list(CommunityGroup.objects.values_list("filing_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 16
    waiting.refresh_from_db()
    # 1, 2 and 5 from the ledger, 6..17 for the ledger's new rows, then the acceptance.
    assert waiting.filing_number == f"QYC-{year}-0018"


def test_acceptance_committed_before_the_import_is_seen_by_it(
    district_staff, quanyechang, qyc_community
):
    accepted = make_group(quanyechang, qyc_community, name="先受理的组织")
    filings.submit(accepted)
    filings.accept(accepted, on=datetime.date(2016, 3, 1))
    content = xlsx([group_row("台账里的组织", number="", 备案日期="2016-04-01")])
    report = importer_for("community-groups", district_staff).run(content, commit=True)
    assert report.committed
    assert CommunityGroup.objects.get(name="台账里的组织").filing_number == "QYC-2016-0002"


def test_acceptance_between_batches_never_takes_a_number_of_a_later_row(
    district_staff, quanyechang, qyc_community
):
    year = timezone.localdate().year
    waiting = make_group(quanyechang, qyc_community, name="工作台里的新组织")
    filings.submit(waiting)
    content = xlsx(
        [
            group_row("台账甲队", number="QYC-2016-0001", 备案日期="2016-05-01"),
            group_row("台账乙队", number="QYC-2016-0002", 备案日期="2016-05-01"),
            # In the second batch: the number the acceptance would otherwise take.
            group_row("台账丙队", number=f"QYC-{year}-0001", 备案日期=f"{year}-01-02"),
        ]
    )
    inside, release = threading.Event(), threading.Event()
    importer = importer_for("community-groups", district_staff)
    importer.batch_size = 2

    def pause_after_first_batch(done):
        if done == 2:
            inside.set()
            release.wait(10)

    def run_import():
        report = importer.run(content, commit=True, progress=pause_after_first_batch)
        assert report.committed and report.counts["create"] == 3, report.errors

    def accept():
        inside.wait(10)
        threading.Timer(0.5, release.set).start()
        filings.accept(waiting)

    assert run_in_threads(run_import, accept) == []
    waiting.refresh_from_db()
    assert (waiting.name, waiting.filing_number) == ("工作台里的新组织", f"QYC-{year}-0002")
    assert CommunityGroup.objects.get(name="台账丙队").filing_number == f"QYC-{year}-0001"
