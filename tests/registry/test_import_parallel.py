"""A large file is checked by two processes (``hepingorgs.imports._Helper``): its
second part in a forked helper. Whatever the helper does, the report and what is
written are exactly those of one process checking every row, in file order: the
duplicates it meets across the halves, the errors, the records updated, the filing
numbers the counter gives."""

import datetime
import os

import pytest
from django.db import transaction

from hepingorgs import imports
from registry.imports import CommunityGroupImporter, importer_for
from registry.models import CommunityGroup, FilingSequence
from tests.conftest import make_group
from tests.registry.workbooks import group_row, xlsx

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def helper_share(monkeypatch):
    """The batches below are counted for a helper taking three quarters of them."""
    monkeypatch.setattr(imports, "HELPER_SHARE", 0.75)


def ledger():
    """40 rows in 10 batches of 4; the helper checks rows 10-41 (batches 2-9)."""
    rows = [group_row(f"福明社区第{n}队", number=f"QYC-2015-{n:04d}") for n in range(1, 41)]
    rows[25] = group_row("福明社区第3队", number="QYC-2015-0126")  # name of row 4
    rows[27] = group_row("福明社区第28队", number="QYC-2015-0005")  # number of row 6
    rows[30] = group_row("福明社区第30队", number="QYC-2015-0030")  # number of row 31
    rows[33] = group_row("福明社区第34队", 成员人数="很多")
    rows[35] = group_row("福明社区第36队", number="")  # takes a number from the counter
    rows[37] = group_row("已有的组织", number="QYC-2015-0900", 成员人数=55)  # an update
    return xlsx(rows)


@pytest.fixture
def existing(quanyechang, qyc_community):
    group = make_group(quanyechang, qyc_community, name="已有的组织")
    CommunityGroup.objects.filter(pk=group.pk).update(
        filing_number="QYC-2015-0900",
        status="filed",
        filed_on=datetime.date(2015, 6, 1),
        member_count=12,
    )
    return group


def run(user, content, settings, parallel, commit=False, importer=None):
    settings.IMPORT_PARALLEL = parallel
    importer = importer or importer_for("community-groups", user)
    importer.batch_size = 4
    report = importer.run(content, commit=commit, file_name="ledger.xlsx")
    return importer, report


def outcome(report):
    return report.counts, report.errors, report.preview, report.committed


def test_the_helper_reports_exactly_what_one_process_reports(district_staff, existing, settings):
    content = ledger()
    alone, one = run(district_staff, content, settings, parallel=False)
    helped, two = run(district_staff, content, settings, parallel=True)
    assert alone.helped_batches == 0
    assert helped.helped_batches == 8
    assert outcome(two) == outcome(one)
    # The duplicates across the halves were found by the helper, naming the first row.
    by_row = {number: message for number, _column, message in two.errors}
    assert set(by_row) == {27, 29, 32, 35}
    assert "第4行" in by_row[27] and "第6行" in by_row[29] and "第31行" in by_row[32]
    assert two.counts["update"] == 1 and [39, "update"] in [p[:2] for p in two.preview]


def written():
    return (
        sorted(CommunityGroup.objects.values_list("name", "filing_number", "member_count")),
        sorted(FilingSequence.objects.values_list("street_id", "year", "last")),
    )


def test_a_commit_with_the_helper_writes_what_one_process_writes(
    district_staff, existing, settings
):
    rows = [group_row(f"福明社区第{n}队", number=f"QYC-2015-{n:04d}") for n in range(1, 41)]
    rows[17] = group_row("福明社区第18队", number="")
    rows[35] = group_row("福明社区第36队", number="")
    rows[37] = group_row("已有的组织", number="QYC-2015-0900", 成员人数=55)
    content = xlsx(rows)
    results = []
    for parallel in (False, True):
        with transaction.atomic():
            importer, report = run(district_staff, content, settings, parallel, commit=True)
            assert report.committed, report.errors
            results.append((outcome(report), written(), importer.helped_batches))
            transaction.set_rollback(True)
    (one, one_written, none), (two, two_written, helped) = results
    assert (none, helped) == (0, 8)
    assert two == one and two_written == one_written
    assert one[0] == {"create": 39, "update": 1, "unchanged": 0, "error": 0}
    assert ("已有的组织", "QYC-2015-0900", 55) in two_written[0]
    # The two rows without a number took 41 and 42 of 2016 (the ledger's filing date).
    numbers = {name: number for name, number, _members in two_written[0]}
    assert numbers["福明社区第18队"] == "QYC-2016-0001"
    assert numbers["福明社区第36队"] == "QYC-2016-0002"


class QueryingImporter(CommunityGroupImporter):
    """Sends a query while locating row 30: the helper cannot, this process can."""

    def locate(self, row):
        if row.number == 30:
            CommunityGroup.objects.exists()
        super().locate(row)


class DyingImporter(CommunityGroupImporter):
    """The helper process dies while checking row 34."""

    parent = os.getpid()

    def locate(self, row):
        if row.number == 34 and os.getpid() != self.parent:
            os._exit(3)
        super().locate(row)


@pytest.mark.parametrize("kind, helped", [(QueryingImporter, 5), (DyingImporter, 6)])
def test_from_a_batch_the_helper_cannot_check_this_process_checks_the_rest(
    district_staff, existing, settings, kind, helped
):
    content = ledger()
    _alone, one = run(district_staff, content, settings, parallel=False)
    importer, two = run(district_staff, content, settings, True, importer=kind(district_staff))
    assert importer.helped_batches == helped
    assert outcome(two) == outcome(one)


def test_a_small_file_is_checked_in_one_process(district_staff, existing, settings):
    rows = [group_row(f"福明社区第{n}队") for n in range(1, 13)]  # 3 batches of 4
    importer, report = run(district_staff, xlsx(rows), settings, parallel=True)
    assert report.ok and importer.helped_batches == 0
