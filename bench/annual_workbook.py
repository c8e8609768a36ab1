"""Time and peak memory of the annual statistics workbook at national scale, against a
bare openpyxl write-only loop writing the same rows in the same run.

    SECRET_KEY=x .venv/bin/python bench/annual_workbook.py                    # 1M + 3M
    SECRET_KEY=x .venv/bin/python bench/annual_workbook.py --organizations 20000 --groups 60000

Uses its own database, ``hepingorgs_bench_annual`` (created and migrated here, kept
between runs; regenerated when the sizes asked for differ). Organizations (each with a
2016 annual report) and filed community groups are generated inside PostgreSQL with
``INSERT ... SELECT generate_series`` (no round trips; simple generated names), with the
history triggers disabled for the load: the benchmark reads, it does not audit.

Each phase runs in a fresh Python process, which reports its wall time, its CPU time
(steadier than wall time on a shared machine; the database's own work is not in it) and
its peak resident memory (``ru_maxrss``):

- baseline: the two detail queries (the same rows, columns, filter and order) read with
  a server-side cursor and appended as bare values to a write-only workbook;
- workbook: ``hepingorgs.annual.write_workbook(2016, path)``, every sheet.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hepingorgs.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

BENCH_DB = "hepingorgs_bench_annual"
YEAR = 2016
CHUNK = 5000
TRACKED = ["registry_organization", "registry_annualreport", "registry_communitygroup"]
# Trigram indexes serve the search, not the workbook; loading millions of rows through
# them would take most of the set-up time.
SEARCH_INDEXES = ["organization_name_trgm", "communitygroup_name_trgm"]


def use_bench_database(create):
    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = BENCH_DB
    if create:
        connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    else:
        database["NAME"] = connection.settings_dict["NAME"] = BENCH_DB


def sizes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_organization")
        organizations = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_communitygroup")
        groups = cursor.fetchone()[0]
    return organizations, groups


def generate(organizations, groups):
    from registry.models import Community, Street

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_communitygroup, registry_annualreport, registry_creditrecord, "
            "registry_organization, registry_population RESTART IDENTITY CASCADE"
        )
        for table in TRACKED:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for index in SEARCH_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
    if not Community.objects.exists():
        Community.objects.bulk_create(
            Community(street=street, name=f"{street.name[:2]}第{n}社区")
            for street in Street.objects.all()
            for n in range(1, 11)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO registry_organization (
                name, name_pinyin, name_initials, credit_code, org_type, priority_category,
                field, registration_authority, supervisory_unit, legal_representative,
                registered_funds, domicile, street_id, contact_phone, business_scope,
                registered_on, status, status_changed_on, status_reason, grade,
                grade_awarded_on, grade_expires_on, party_form, party_members,
                party_founded_on)
            SELECT
                '和平区第' || i || '号社会组织', 'hepingqudi' || i || 'haoshehuizuzhi',
                'hpqd' || i, '5' || t || '120101' || lpad(i::text, 10, '0'), t,
                (ARRAY['industry', 'science', 'charity', 'community', 'other'])[1 + i %% 5],
                lpad((i %% 14)::text, 2, '0'), '天津市和平区民政局', '区民政局',
                '王建' || (i %% 97), 30000 + (i %% 50) * 1000,
                '天津市和平区南京路' || (i %% 320) || '号', s.ids[1 + i %% 6],
                '022-2' || lpad((i %% 9999999)::text, 7, '0'), '公益服务',
                date '1995-01-01' + (i %% 8000),
                CASE WHEN i %% 20 = 0 THEN 'deregistered' ELSE 'active' END,
                CASE WHEN i %% 20 = 0 THEN date '2010-01-01' + (i %% 3000) END,
                CASE WHEN i %% 20 = 0 THEN '自行解散' ELSE '' END,
                CASE WHEN i %% 7 = 0 THEN '3A' ELSE '' END,
                CASE WHEN i %% 7 = 0 THEN date '2013-06-01' END,
                CASE WHEN i %% 7 = 0 THEN date '2018-06-01' END,
                CASE WHEN i %% 4 = 0 THEN 'single' ELSE 'instructor' END,
                CASE WHEN i %% 4 = 0 THEN 3 ELSE 0 END,
                CASE WHEN i %% 4 = 0 THEN date '2012-01-01' END
            FROM generate_series(1, %s) AS i,
                 LATERAL (SELECT (1 + i %% 3)::text AS t) AS kind,
                 (SELECT array_agg(id ORDER BY code) AS ids FROM registry_street) AS s
            """,
            [organizations],
        )
        cursor.execute(
            """
            INSERT INTO registry_annualreport (
                organization_id, year, result, staff_total, staff_bachelor_plus, volunteers,
                revenue, expenditure, tax_paid, net_assets)
            SELECT id, %s, CASE WHEN id %% 30 = 0 THEN 'basic' ELSE 'qualified' END,
                   10 + id %% 40, 5 + id %% 5, id %% 60, 100000 + (id %% 1000) * 1000.5,
                   90000 + (id %% 1000) * 900, (id %% 1000) * 10.25, 50000
            FROM registry_organization
            """,
            [YEAR],
        )
        cursor.execute(
            """
            INSERT INTO registry_communitygroup (
                name, name_pinyin, name_initials, street_id, community_id, category_id,
                service_targets, leader_name, leader_phone, member_count, founded_on, venue,
                guiding_unit, status, filing_number, filed_on, return_reason, cancelled_on,
                cancel_reason, upgrade_since, upgrade_partner_id, version, created_at,
                updated_at)
            SELECT
                c.name || '第' || i || '文体队', 'diwentidui' || i, 'dwtd' || i,
                c.street_id, c.id, cat.ids[1 + i %% array_length(cat.ids, 1)],
                '["residents"]'::jsonb, '张秀' || (i %% 89),
                '138' || lpad((i %% 99999999)::text, 8, '0'), 8 + i %% 60,
                date '2005-03-01' + (i %% 3000), c.name || '活动室', c.name || '居委会',
                CASE WHEN i %% 50 = 0 THEN 'cancelled' ELSE 'filed' END,
                'B-' || i, date '2010-03-01' + (i %% 2500), '',
                CASE WHEN i %% 50 = 0 THEN date '2017-03-01' - (i %% 900) END,
                CASE WHEN i %% 50 = 0 THEN '团队解散' ELSE '' END,
                CASE WHEN i %% 10 = 0 THEN date '2016-05-01' END,
                CASE WHEN i %% 10 = 0 THEN 1 + i %% %s END,
                1, now(), now()
            FROM generate_series(1, %s) AS i
            JOIN (SELECT id, street_id, name,
                         row_number() OVER (ORDER BY id) - 1 AS k,
                         count(*) OVER () AS n
                  FROM registry_community) AS c ON c.k = i %% c.n,
                 (SELECT array_agg(id ORDER BY position) AS ids
                  FROM registry_filingcategory) AS cat
            """,
            [organizations, groups],
        )
        cursor.execute(
            "INSERT INTO registry_population (year, street_id, residents) "
            "SELECT %s, NULL, 3550000 UNION ALL SELECT %s, id, 500000 FROM registry_street",
            [YEAR, YEAR],
        )
        for table in TRACKED:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s")


def baseline(path):
    """The same rows as the detail sheets, appended as bare values."""
    from django.db.models import FilteredRelation, Q
    from openpyxl import Workbook

    from registry import stats
    from registry.models import CommunityGroup, Organization

    book = Workbook(write_only=True)
    organizations = (
        Organization.objects.filter(stats.counted_organizations(YEAR))
        .annotate(report=FilteredRelation("annual_reports", condition=Q(annual_reports__year=YEAR)))
        .order_by("org_type", "name_pinyin", "id")
        .values_list(*stats.ORGANIZATION_COLUMNS)
    )
    groups = (
        CommunityGroup.objects.filter(stats.counted_groups(YEAR))
        .order_by("street__code", "filing_number")
        .values_list(*stats.GROUP_COLUMNS)
    )
    rows = 0
    for title, queryset in (("organizations", organizations), ("groups", groups)):
        sheet = book.create_sheet(title)
        sheet.append([f"column {n}" for n in range(len(queryset.query.values_select))])
        for row in queryset.iterator(chunk_size=CHUNK):
            sheet.append(row)
            rows += 1
    book.save(path)
    return rows


def workbook(path):
    from hepingorgs import annual

    merged = annual.write_workbook(YEAR, path)
    return merged.detail_rows_expected()


def run_phase(phase):
    """In a child process: one phase, then its time and peak memory as JSON."""
    use_bench_database(create=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{phase}.xlsx"
        started = time.perf_counter()
        rows = {"baseline": baseline, "workbook": workbook}[phase](path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,
                "rows": rows,
                "bytes": size,
            }
        )
    )


def measure(phase):
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hepingorgs.settings"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=3_000_000)
    parser.add_argument("--phase", choices=["baseline", "workbook"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase)
        return
    use_bench_database(create=True)
    if sizes() != (args.organizations, args.groups):
        generate(args.organizations, args.groups)
    organizations, groups = sizes()
    connection.close()
    print(f"data: {organizations:,} organizations, {groups:,} community groups")
    results = {phase: measure(phase) for phase in ("baseline", "workbook")}
    base = results["baseline"]
    print(
        f"{'phase':10} {'rows':>10} {'seconds':>9} {'ratio':>6} {'CPU s':>8} {'ratio':>6} "
        f"{'peak MB':>8} {'file MB':>8}"
    )
    for phase, r in results.items():
        print(
            f"{phase:10} {r['rows']:10,} {r['seconds']:9.1f} "
            f"{r['seconds'] / base['seconds']:6.2f} {r['cpu']:8.1f} "
            f"{r['cpu'] / base['cpu']:6.2f} {r['peak_mb']:8.0f} {r['bytes'] / 2**20:8.1f}"
        )


if __name__ == "__main__":
    main()
