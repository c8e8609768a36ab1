"""Side by side (issue 10): the ledger import of community-group filings by our own engine
(``registry.imports``) and by django-import-export, in the same process, on the same
workbook, in the same database.

django-import-export is NOT a project dependency; install it in a throwaway virtualenv:

    python3 -m venv /tmp/iie
    /tmp/iie/bin/pip install -e . "django-import-export[xlsx]==4.4.3"
    SECRET_KEY=x /tmp/iie/bin/python bench/import_engines.py [--rows 5000]
        [--lines ours,iie,noclean,bulk] [--phases dry,commit] [--stop-after 600]
        [--bad-rows 1000]

Without django-import-export installed the script says so and exits. The rows are
bench/import.py's (``write_workbook``, imported from it): a title row, the template's
Chinese headers, 90% with a historical filing number. The database is bench/import.py's
(``bench_<name>`` with the demo district loaded); every phase runs in a transaction that
is rolled back, so runs repeat. Lines:

- ours: ``importer_for("community-groups", user).run(content)``, dry run and ``commit=True``;
- iie: a ``ModelResource`` for ``CommunityGroup`` as a competent user would write it for
  this ledger: the Chinese headers mapped to fields, ``ForeignKeyWidget`` for street,
  category and community (by name; the community within the row's street, the
  documented ``get_queryset`` pattern), ``DateWidget`` with the ledger's formats, a small
  widget for the service targets, ``import_id_fields`` the filing number,
  ``skip_unchanged``, ``use_transactions``, ``clean_model_instances`` (so the model's
  constraints are checked and their messages shown), ``CachedInstanceLoader`` (the
  documented speed-up), ``rollback_on_validation_errors`` (all-or-nothing), the filing
  counters raised above the file's numbers in ``before_import`` and the rows without a
  number numbered from the counter; ``import_data(dry_run=True)`` and the real import;
- noclean: the same without ``clean_model_instances``: no constraint checks before the
  write (a violation is the database's ``IntegrityError``); shows what Django's
  ``full_clean`` costs within the iie line;
- bulk: the iie resource with ``use_bulk`` (``batch_size`` 1,000): ``bulk_create``
  without ``save()`` (the pinyin keys are filled in ``before_save_instance``) and
  without signals; an error of a batch is no longer tied to a row.

Both engines write under the same history context (``acting_as``) with
``prepare_bulk_writes()`` (see ``hepingorgs.history``; without it the history triggers
make any long import transaction quadratic, whichever engine writes). The xlsx format is
django-import-export's own reading (openpyxl's read-only mode into a tablib ``Dataset``),
told to skip the title row above the header. A django-import-export phase that runs
longer than ``--stop-after`` seconds is stopped between rows and extrapolated from the
rows done. Then a workbook of ``--bad-rows`` rows with three bad ones (an unknown street,
a bad date, a filing number repeated from an earlier row of the same street) goes
through every line's phases, and what each line says about them is printed.

Reports seconds, CPU seconds (this process only, not the database's), rows/s, the ratio
to our engine's same phase in the same run, and the process's peak resident memory so
far (an upper bound; our lines run first, so a later line's higher peak is its own).
"""

import argparse
import gc
import importlib.util
import io
import os
import re
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_import", HERE / "import.py")
bench_import = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_import)  # sets up Django as bench/import.py does

try:
    import import_export  # noqa: F401
except ImportError:
    sys.exit(
        "django-import-export is not installed (and must not become a project dependency).\n"
        "Run this benchmark from a throwaway virtualenv:\n"
        "    python3 -m venv /tmp/iie\n"
        '    /tmp/iie/bin/pip install -e . "django-import-export[xlsx]==4.4.3"\n'
        "    SECRET_KEY=x /tmp/iie/bin/python bench/import_engines.py"
    )

from importlib.metadata import version  # noqa: E402

from django.utils import translation  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

NUMBER_FORM = re.compile(r"^([A-Z]+)-(\d{4})-(\d{1,6})$")


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


rolled_back = bench_import.rolled_back


def timed(function):
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - start, time.process_time() - cpu, peak_mb(), result


def uptime():
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return f"{time.strftime('%H:%M:%S', time.gmtime())} UTC, load average {load}"


class Stopped(Exception):
    """Raised between rows when a line has run out of its time (``--stop-after``)."""

    def __init__(self, rows):
        self.rows = rows


# ---------------------------------------------------------------------------------------
# django-import-export, configured for the ledger
# ---------------------------------------------------------------------------------------


def ledger_resource(user, bulk=False, clean=True, deadline=None):
    from import_export import fields, resources, widgets
    from import_export.formats.base_formats import XLSX
    from import_export.instance_loaders import CachedInstanceLoader

    from registry.filings import next_filing_number
    from registry.models import (
        Community,
        CommunityGroup,
        FilingCategory,
        FilingSequence,
        FilingStatus,
        ServiceTarget,
        Street,
    )

    class LedgerXLSX(XLSX):
        """django-import-export's xlsx reader, told that the header is the second row
        (the ledger has a title row above it)."""

        def create_dataset(self, in_stream):
            import openpyxl
            import tablib

            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            rows = book.active.rows
            next(rows)  # the title row
            dataset = tablib.Dataset()
            dataset.headers = [cell.value for cell in next(rows)]
            for row in rows:
                dataset.append([cell.value for cell in row])
            book.close()
            return dataset

    class CommunityWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):
            return self.model.objects.filter(street__name=row["所属街道"])

    with translation.override("zh-hans"):
        target_labels = {str(label): value for value, label in ServiceTarget.choices}

    class TargetsWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            codes = []
            for label in re.split(r"[、,，;；/\s]+", str(value or "").strip()):
                if label:
                    if label not in target_labels:
                        raise ValueError(f"未知的服务对象：{label}")
                    codes.append(target_labels[label])
            return codes

    ledger_dates = widgets.DateWidget()
    ledger_dates.formats = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

    class GroupResource(resources.ModelResource):
        name = fields.Field("name", "名称")
        street = fields.Field("street", "所属街道", widgets.ForeignKeyWidget(Street, "name"))
        community = fields.Field("community", "所属社区", CommunityWidget(Community, "name"))
        category = fields.Field(
            "category", "类别", widgets.ForeignKeyWidget(FilingCategory, "name")
        )
        service_targets = fields.Field("service_targets", "服务对象", TargetsWidget())
        leader_name = fields.Field("leader_name", "负责人")
        leader_phone = fields.Field("leader_phone", "联系电话")
        member_count = fields.Field("member_count", "成员人数", widgets.IntegerWidget())
        founded_on = fields.Field("founded_on", "成立日期", ledger_dates)
        venue = fields.Field("venue", "活动场所")
        filed_on = fields.Field("filed_on", "备案日期", ledger_dates)
        filing_number = fields.Field("filing_number", "备案编号")

        class Meta:
            model = CommunityGroup
            fields = (
                "name",
                "street",
                "community",
                "category",
                "service_targets",
                "leader_name",
                "leader_phone",
                "member_count",
                "founded_on",
                "venue",
                "filed_on",
                "filing_number",
            )
            import_id_fields = ("filing_number",)
            skip_unchanged = True
            use_transactions = True
            clean_model_instances = clean
            instance_loader_class = CachedInstanceLoader
            use_bulk = bulk
            batch_size = 1000 if bulk else None

        def import_row(self, row, instance_loader, **kwargs):
            if deadline and time.perf_counter() > deadline:
                raise Stopped(kwargs["row_number"] - 1)
            return super().import_row(row, instance_loader, **kwargs)

        def before_import(self, dataset, **kwargs):
            # Numbers of the counter's form lift the counters, so the rows without a
            # number never get one the ledger already uses.
            streets = {s.abbreviation: s for s in Street.objects.all()}
            highest = {}
            for number in dataset["备案编号"]:
                match = NUMBER_FORM.match(str(number or ""))
                if match and match.group(1) in streets:
                    key = (streets[match.group(1)], int(match.group(2)))
                    highest[key] = max(highest.get(key, 0), int(match.group(3)))
            for (street, year), serial in highest.items():
                counter, _new = FilingSequence.objects.get_or_create(street=street, year=year)
                if counter.last < serial:
                    counter.last = serial
                    counter.save(update_fields=["last"])

        def after_init_instance(self, instance, new, row, **kwargs):
            if new:
                instance.status = FilingStatus.FILED
                instance.created_by = user

        def import_instance(self, instance, row, **kwargs):
            try:
                super().import_instance(instance, row, **kwargs)
            finally:
                if (
                    instance.pk is None
                    and not instance.filing_number
                    and instance.street_id
                    and instance.filed_on
                ):
                    instance.filing_number = next_filing_number(
                        instance.street, instance.filed_on.year
                    )

        def before_save_instance(self, instance, row, **kwargs):
            if bulk:  # bulk_create does not call save(), which fills them
                instance.fill_pinyin()

    return GroupResource(), LedgerXLSX()


def iie_import(user, content, dry_run, bulk=False, clean=True, deadline=None):
    from hepingorgs.history import acting_as, prepare_bulk_writes

    resource_, xlsx = ledger_resource(user, bulk, clean, deadline)
    dataset = xlsx.create_dataset(content)
    with acting_as(user, reason="bench import-export"):
        prepare_bulk_writes()
        return resource_.import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )


def iie_errors(result, limit=6):
    """What django-import-export's result says about the bad rows."""
    said = []
    for invalid in result.invalid_rows:
        for field_name, messages in invalid.error_dict.items():
            said.append(f"row {invalid.number}, field {field_name}: {'; '.join(messages)}")
    for number, errors in result.row_errors():
        for error in errors:
            said.append(f"row {number}, no column: {type(error.error).__name__}: {error.error}")
    for error in result.base_errors:
        said.append(f"no row, no column: {type(error.error).__name__}: {error.error}")
    return said[:limit] + ([f"... {len(said) - limit} more"] if len(said) > limit else [])


def iie_counts(result):
    totals = {k.lower(): v for k, v in result.totals.items() if v}
    return ", ".join(f"{k} {v}" for k, v in totals.items())


# ---------------------------------------------------------------------------------------


def bad_workbook(count):
    """``write_workbook(count)`` with three bad rows: an unknown street (a quarter down), a
    bad date (half way), and the last row repeating the filing number of the first
    row of the same street that has one."""
    book = load_workbook(io.BytesIO(bench_import.write_workbook(count)))
    sheet = book.active
    header = [cell.value for cell in sheet[2]]
    street, filed, number = (header.index(h) + 1 for h in ("所属街道", "备案日期", "备案编号"))
    last = 2 + count
    sheet.cell(3 + count // 4, street).value = "和平路街道"
    sheet.cell(3 + count // 2, filed).value = "2016-13-45"
    source = next(
        r
        for r in range(3, last)
        if sheet.cell(r, street).value == sheet.cell(last, street).value
        and sheet.cell(r, number).value
    )
    sheet.cell(last, number).value = sheet.cell(source, number).value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), (3 + count // 4, 3 + count // 2, last, source)


LINES = {
    "ours": "ours",
    "iie": "iie",
    "noclean": "iie, no full_clean",
    "bulk": "iie bulk",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument(
        "--lines",
        default="ours,iie,noclean,bulk",
        help="of ours,iie,noclean,bulk (ours always runs first: the ratios need it); "
        "noclean: the iie resource without clean_model_instances (no constraint checks)",
    )
    parser.add_argument(
        "--phases", default="dry,commit", help="of dry,commit (the dry run and the import)"
    )
    parser.add_argument(
        "--stop-after",
        type=float,
        default=600,
        help="stop a django-import-export phase after this many seconds and extrapolate",
    )
    parser.add_argument(
        "--bad-rows",
        type=int,
        default=1_000,
        help="rows of the workbook with three bad rows (0: no such run)",
    )
    args = parser.parse_args()
    lines = ["ours"] + [line for line in args.lines.split(",") if line != "ours"]
    phases = args.phases.split(",")
    staff = bench_import.bench_database_with_demo()
    from registry.imports import importer_for
    from registry.models import CommunityGroup

    before = CommunityGroup.objects.count()
    content = bench_import.write_workbook(args.rows)
    print(
        f"django-import-export {version('django-import-export')}, tablib {version('tablib')}, "
        f"openpyxl {version('openpyxl')}, Django {version('django')}; "
        f"{args.rows:,} rows, {len(content) / 1024 / 1024:.1f} MB; "
        f"{before:,} groups in the database",
        flush=True,
    )
    print(f"start: {uptime()}", flush=True)

    def phase_function(line, phase, data, stop_after=args.stop_after):
        dry_run = phase == "dry"

        def run():
            if line == "ours":
                result = importer_for("community-groups", staff).run(
                    data, commit=not dry_run, file_name="bench.xlsx"
                )
            else:
                deadline = time.perf_counter() + stop_after if stop_after else None
                try:
                    result = iie_import(
                        staff,
                        data,
                        dry_run,
                        bulk=line == "bulk",
                        clean=line != "noclean",
                        deadline=deadline,
                    )
                except Stopped as stop:
                    result = stop
            return result, CommunityGroup.objects.count() - before

        return run if line == "ours" and dry_run else rolled_back(run)

    print(
        f"{'engine':18} {'phase':7} {'seconds':>8} {'CPU s':>8} {'rows/s':>7} "
        f"{'x ours':>7} {'peak MB':>8}  outcome",
        flush=True,
    )
    base = {}
    for line in lines:
        for phase in phases:
            seconds, cpu, peak, (result, written) = timed(phase_function(line, phase, content))
            rows, note = args.rows, ""
            if line == "ours":
                base[phase] = seconds
                assert result.ok, result.errors[:5] or result.refused
                outcome = f"{result.counts['create']:,} to create, {written:,} written"
            elif isinstance(result, Stopped):
                rows = result.rows
                outcome = f"STOPPED after {rows:,} rows"
                note = f" (extrapolated to {args.rows:,} rows: {seconds / rows * args.rows:.0f} s)"
            else:
                assert not result.has_errors() and not result.has_validation_errors(), iie_errors(
                    result
                )
                outcome = f"{iie_counts(result)}, {written:,} written"
            rate = rows / seconds
            ratio = f"{args.rows / rate / base[phase]:7.1f}"
            print(
                f"{LINES[line]:18} {phase:7} {seconds:8.1f} {cpu:8.1f} {rate:7.0f} "
                f"{ratio} {peak:8.0f}  {outcome}{note}",
                flush=True,
            )
    print(f"end: {uptime()}", flush=True)
    if not args.bad_rows:
        return

    bad, (street_row, date_row, repeat_row, source_row) = bad_workbook(args.bad_rows)
    print(
        f"\n{args.bad_rows:,} rows with three bad ones (Excel rows: 1 title, 2 header): "
        f"row {street_row} unknown street 和平路街道, row {date_row} date 2016-13-45, "
        f"row {repeat_row} repeats the filing number of row {source_row}",
        flush=True,
    )
    for line in lines:
        for phase in phases:
            seconds, cpu, peak, (result, written) = timed(phase_function(line, phase, bad, None))
            if line == "ours":
                said = [
                    f"row {row}, column {col}: {message}" for row, col, message in result.errors
                ]
                head = f"{len(result.errors)} errors, committed {result.committed}"
            else:
                said = iie_errors(result)
                head = iie_counts(result)
            print(
                f"{LINES[line]} {phase} ({seconds:.1f} s): {head}; {written:,} rows written",
                flush=True,
            )
            for message in said:
                print(f"    {message}", flush=True)
    print(f"end: {uptime()}", flush=True)


if __name__ == "__main__":
    main()
