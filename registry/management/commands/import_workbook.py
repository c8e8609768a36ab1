"""Import an Excel ledger from the command line: a dry run by default, ``--commit`` to
write. The same engine, checks and all-or-nothing transaction as the import pages.

    python manage.py import_workbook FILE --kind organizations|annual-reports|community-groups
        [--commit] [--user USERNAME]

``--user`` names the account the change history attributes the import to (and whose
scope applies: a clerk imports only their own street's filings); without it the import
acts for the whole district and the history records the command. A progress line is
drawn on a terminal. Exit status 1 when the file is refused or has errors.
"""

import hashlib
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hepingorgs.imports import MAX_BYTES
from registry.imports import importer_for
from registry.models import ImportBatch, ImportKind


class Command(BaseCommand):
    help = "Check (and with --commit import) an Excel ledger of the registry."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--commit", action="store_true", help="Write the rows.")
        parser.add_argument("--user", help="Username the history attributes the import to.")

    def handle(self, *args, file, kind, commit, user, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if file.stat().st_size > MAX_BYTES:
            raise CommandError(f"{file}: larger than {MAX_BYTES // 1024 // 1024} MB")
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no user {user}") from exc
        content = file.read_bytes()
        batch = None
        if commit and account is not None:
            batch = ImportBatch.objects.create(
                kind=kind,
                file_name=file.name,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=account,
            )
        report = importer_for(kind, account).run(
            content,
            commit=commit,
            progress=self._progress(),
            reason="import_workbook command",
            file_name=file.name,
            batch=batch.pk if batch else None,
        )
        if self.stderr.isatty():
            self.stderr.write("")
        if batch is not None:
            batch.report = report.as_dict()
            if report.committed:
                from django.utils import timezone

                batch.committed_at = timezone.now()
            batch.save(update_fields=["report", "committed_at"])
        self._print(report, commit)
        if not report.ok:
            sys.exit(1)

    def _progress(self):
        if not self.stderr.isatty():
            return None

        def show(done):
            self.stderr.write(f"\r{done:>9,} rows checked", ending="")
            self.stderr.flush()

        return show

    def _print(self, report, commit):
        if report.refused:
            self.stderr.write(self.style.ERROR(report.refused))
            return
        self.stdout.write(f"{report.sheet}: header row {report.header_row}")
        if report.extra_columns:
            self.stdout.write("ignored columns: " + "、".join(report.extra_columns))
        counts = report.counts
        self.stdout.write(
            f"create {counts['create']}, update {counts['update']}, "
            f"unchanged {counts['unchanged']}, errors {counts['error']}"
        )
        for number, column, message in report.errors:
            self.stdout.write(f"{report.sheet} row {number} {column}: {message}")
        if report.committed:
            self.stdout.write(self.style.SUCCESS("imported"))
        elif commit:
            self.stderr.write(self.style.ERROR("nothing imported: correct the errors first"))
        elif report.ok:
            self.stdout.write("dry run: nothing written; add --commit to import")
