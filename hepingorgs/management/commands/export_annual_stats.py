"""``manage.py export_annual_stats --year 2016 --output stats-2016.xlsx``: the annual
statistics workbook, with a progress bar when run on a terminal."""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hepingorgs import annual

BAR_WIDTH = 30


class ProgressBar:
    """Detail rows written out of those expected, redrawn in place on a terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.total = 0
        self.done = 0
        self.started = time.monotonic()

    def start(self, total):
        self.total = total
        self.draw()

    def advance(self, rows):
        self.done += rows
        self.draw()

    def draw(self):
        share = min(1.0, self.done / self.total) if self.total else 1.0
        filled = round(share * BAR_WIDTH)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:6.1%} "
            f"{self.done:,}/{self.total:,} rows  {elapsed:5.0f} s"
        )
        self.stream.flush()

    def finish(self):
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Write the annual statistics workbook (年度统计报表) of a year: every figure as of "
        "31 December, from the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="The year (default: last year).")
        parser.add_argument(
            "--output", help="The .xlsx file to write (default: annual-stats-<year>.xlsx)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar, even on a terminal."
        )

    def handle(self, *args, year=None, output=None, no_progress=False, verbosity=1, **options):
        this_year = timezone.localdate().year
        year = this_year - 1 if year is None else year
        if not 1990 <= year <= this_year:
            raise CommandError(f"--year must be between 1990 and {this_year}.")
        path = Path(output or annual.filename(year))
        if path.parent and not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        tty = sys.stderr.isatty() and not no_progress and verbosity > 0
        bar = ProgressBar(sys.stderr) if tty else None
        started = time.monotonic()
        merged = annual.write_workbook(
            year,
            path,
            progress=bar.advance if bar else None,
            on_start=bar.start if bar else None,
        )
        if bar:
            bar.finish()
        if verbosity > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {path} ({merged.detail_rows_expected():,} detail rows) in "
                    f"{time.monotonic() - started:.1f} s."
                )
            )
