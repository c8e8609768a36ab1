"""Time the ledger import of 100,000 community-group filings (dry run, then commit)
against a bare ``COPY`` of the same rows into the same table, in the same process.

    SECRET_KEY=x .venv/bin/python bench/import.py [--rows 100000] [--no-write-behind]
    IMPORT_PARALLEL=0 SECRET_KEY=x .venv/bin/python bench/import.py   # in one process

Uses its own database (``bench_<name>``, kept between runs, with the demo district
loaded); every phase runs in a transaction that is rolled back, so runs repeat. The
workbook is written first (not timed): rows spread over the six streets and their
communities, 90% with a historical filing number, 10% without (they take numbers from
the counter). Reports seconds, rows per second, the ratio to the COPY baseline, and the
process's peak resident memory after each phase (the peak so far, an upper bound); then
how many batches the import's helper process checked (``hepingorgs.imports._Helper``)
and its own peak (it is forked, so it shares most of those pages with this process).
"""

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hepingorgs.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from openpyxl import Workbook  # noqa: E402

HEADER = [
    "名称",
    "所属街道",
    "所属社区",
    "类别",
    "服务对象",
    "负责人",
    "联系电话",
    "成员人数",
    "成立日期",
    "活动场所",
    "备案日期",
    "备案编号",
]
TOPICS = (
    "合唱团 舞蹈队 太极拳队 书画社 志愿服务队 邻里互助会 读书会 健身队 京剧票友会 手工坊".split()
)


def peak_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def ledger_rows(count):
    """(row for the workbook, values for COPY) of ``count`` filed groups."""
    from registry.models import Community, FilingCategory

    communities = list(Community.objects.select_related("street").order_by("pk"))
    category = FilingCategory.objects.get(code="culture_sports")
    serials = {}
    for n in range(count):
        community = communities[n % len(communities)]
        street = community.street
        year = 1995 + (n // len(communities)) % 11
        filed = f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        number = ""
        if n % 10:
            serials[(street.pk, year)] = serial = serials.get((street.pk, year), 0) + 1
            number = f"{street.abbreviation}-{year}-{serial:04d}"
        name = f"{community.name}{TOPICS[n % len(TOPICS)]}{n:06d}"
        phone = f"13{n % 10}{n:08d}"
        yield (
            [
                name,
                street.name,
                community.name,
                category.name,
                "老年人、全体居民",
                "张秀兰",
                phone,
                20 + n % 50,
                "2010/3/1",
                "社区活动室",
                filed,
                number,
            ],
            (
                name,
                street.pk,
                community.pk,
                category.pk,
                '["elderly", "residents"]',
                "张秀兰",
                phone,
                20 + n % 50,
                "2010-03-01",
                "社区活动室",
                filed,
                number or f"COPY-{n}",
            ),
        )


def write_workbook(count):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("备案台账")
    sheet.append(["和平区社区社会组织备案台账（基准测试）"])
    sheet.append(HEADER)
    for row, _values in ledger_rows(count):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def copy_baseline(count, staff):
    """The same rows through COPY: no parsing, no validation. The triggers still fire and
    record each row's history under a context, as for the import."""
    from hepingorgs.history import acting_as, prepare_bulk_writes

    columns = (
        "name, street_id, community_id, category_id, service_targets, leader_name, "
        "leader_phone, member_count, founded_on, venue, filed_on, filing_number, "
        "name_pinyin, name_initials, guiding_unit, status, return_reason, cancel_reason, "
        "version, created_at, updated_at"
    )
    rows = [values for _row, values in ledger_rows(count)]
    with acting_as(staff, reason="bench copy"), connection.cursor() as cursor:
        prepare_bulk_writes()  # also sets the history context (before the raw COPY)
        # One COPY per 1,000 rows, like the import's batches: PostgreSQL fires a
        # statement's row triggers at its end, and one statement of 100,000 rows with
        # the history trigger is quadratic (10,000 rows 7.5 s, 100,000 over 270 s).
        for start in range(0, len(rows), 1000):
            with cursor.connection.cursor().copy(
                f"COPY registry_communitygroup ({columns}) FROM STDIN"
            ) as copy:
                for values in rows[start : start + 1000]:
                    copy.write_row((*values, "", "", "", "filed", "", "", 1, "now()", "now()"))


def timed(label, function, rows, base=None):
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    ratio = f"{seconds / base:7.1f}" if base else "       "
    print(
        f"{label:34} {seconds:8.1f} {cpu:8.1f} {rows / seconds:8.0f} {ratio} {peak_mb():8.0f}",
        flush=True,
    )
    return seconds, result


def rolled_back(function):
    """``function`` in a transaction that is rolled back, after the checks of the
    deferred foreign keys that a commit would run (so they are timed too)."""

    def run():
        with transaction.atomic():
            result = function()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)
        return result

    return run


def bench_database_with_demo():
    """Switch to the bench database (``bench_<name>``, kept between runs), load the demo
    district into it once; returns the demo's district staff user."""
    setup_test_environment()
    database = settings.DATABASES["default"]
    database["TEST"]["NAME"] = "bench_" + database["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=True)
    from django.contrib.auth import get_user_model

    from registry.models import CommunityGroup

    if not CommunityGroup.objects.exists():
        call_command("load_demo", verbosity=0)
    return get_user_model().objects.get(username="minzheng")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--no-write-behind",
        action="store_true",
        help="write each batch in the main thread (Importer.write_behind off), to compare",
    )
    args = parser.parse_args()
    staff = bench_database_with_demo()
    from hepingorgs.imports import open_workbook, sheet_rows
    from registry.imports import importer_for
    from registry.models import CommunityGroup

    start = time.perf_counter()
    content = write_workbook(args.rows)
    print(
        f"workbook: {args.rows:,} rows, {len(content) / 1024 / 1024:.1f} MB, written in "
        f"{time.perf_counter() - start:.1f} s; "
        f"{CommunityGroup.objects.count():,} groups already in the database",
        flush=True,
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'phase':34} {'seconds':>8} {'CPU s':>8} {'rows/s':>8} {'ratio':>7} {'peak MB':>8}")

    def dry_run():
        report = importer_for("community-groups", staff).run(content)
        assert report.ok and report.counts["create"] == args.rows, report.errors[:5]
        return report

    def commit():
        importer = importer_for("community-groups", staff)
        importer.write_behind = not args.no_write_behind
        report = importer.run(content, commit=True, file_name="bench.xlsx")
        assert report.committed, report.errors[:5] or report.refused
        return importer

    def read_only():
        book = open_workbook(content)
        try:
            return sum(1 for _row in sheet_rows(book.worksheets[0]))
        finally:
            book.close()

    # The import runs first so that the baseline's rows in memory do not count in its peak.
    timed("read cells only (reader floor)", read_only, args.rows)
    dry, _report = timed("dry run (validate every row)", dry_run, args.rows)
    wet, importer = timed("commit (validate and write)", rolled_back(commit), args.rows)
    print(
        f"  the helper process checked {importer.helped_batches} of "
        f"{-(-args.rows // importer.batch_size)} batches; its peak: "
        f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )
    base, _none = timed(
        "baseline: bare COPY", rolled_back(lambda: copy_baseline(args.rows, staff)), args.rows
    )
    print(
        f"ratios to COPY: dry run {dry / base:.1f}, commit {wet / base:.1f}, "
        f"dry run + commit {(dry + wet) / base:.1f} ({dry + wet:.1f} s)"
    )


if __name__ == "__main__":
    main()
