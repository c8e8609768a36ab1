"""Backups of the database: ``make backup`` and ``make restore FILE=...`` call this module.

``python -m hepingorgs.backup backup [--dir DIR]`` writes a pg_dump file in custom format
(compressed, restorable table by table) named ``hepingorgs-<database>-<UTC time>.dump``
into ``settings.BACKUP_DIR`` (env ``BACKUP_DIR``, default ``.var/backups``).

``python -m hepingorgs.backup restore FILE`` restores it into the database of
``DATABASE_URL`` (or the private development cluster), in one transaction, and only if
that database is empty: a restore never mixes with or overwrites data. Create the empty
database first (``createdb -T template0 -E UTF8 --locale C.UTF-8 NAME``).

The client programs come from the PostgreSQL installation (``hepingorgs.devdb`` finds
them); they must be of the server's major version or newer.
"""

import argparse
import datetime
import os
import subprocess
import sys
from pathlib import Path


class BackupError(Exception):
    pass


# Keys of a DATABASES entry's OPTIONS that are Django's, not libpq connection parameters.
_DJANGO_OPTIONS = {
    "isolation_level",
    "server_side_binding",
    "pool",
    "assume_role",
    "cursor_factory",
}


def conninfo(db):
    """A libpq connection string for a Django DATABASES entry (OPTIONS included, where
    dj-database-url puts a Unix socket's folder)."""
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": db["NAME"],
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
    }
    params.update(
        (key, value) for key, value in db.get("OPTIONS", {}).items() if key not in _DJANGO_OPTIONS
    )
    return make_conninfo(**{key: str(value) for key, value in params.items() if value})


def _program(name):
    from hepingorgs.devdb import _pg_bin

    return str(_pg_bin() / name)


def backup(db, folder, now=None):
    """Dump ``db`` into a new timestamped file in ``folder``; return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = now or datetime.datetime.now(datetime.UTC)
    path = folder / f"hepingorgs-{db['NAME']}-{now:%Y%m%dT%H%M%S%fZ}.dump"
    partial = path.with_suffix(".dump.partial")
    result = subprocess.run(
        [_program("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", conninfo(db)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    # Renamed only when complete, so a file named .dump is always a whole backup.
    partial.rename(path)
    return path


def user_tables(connection):
    """Tables and sequences in the database (other than PostgreSQL's own)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
            ORDER BY 1, 2
            """
        )
        return cursor.fetchall()


def restore(db, path):
    """Restore ``path`` into ``db``, which must exist and be empty."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    import psycopg

    with psycopg.connect(conninfo(db), autocommit=True) as connection:
        existing = user_tables(connection)
    if existing:
        raise BackupError(
            f"Database {db['NAME']} is not empty ({len(existing)} tables and sequences, "
            f"e.g. {existing[0][0]}.{existing[0][1]}); restore only into an empty database."
        )
    result = subprocess.run(
        [
            _program("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--dbname",
            conninfo(db),
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hepingorgs.backup")
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("backup", help="write a timestamped pg_dump file")
    dump.add_argument("--dir", help="folder for the file (default: BACKUP_DIR)")
    load = commands.add_parser("restore", help="restore a file into an empty database")
    load.add_argument("file")
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hepingorgs.settings")
    # Backups need no secret; settings only want one outside DEBUG.
    os.environ.setdefault("SECRET_KEY", "backup-needs-no-secret")
    from django.conf import settings

    db = settings.DATABASES["default"]
    try:
        if options.command == "backup":
            print(backup(db, options.dir or settings.BACKUP_DIR))
        else:
            restore(db, options.file)
            print(f"Restored {options.file} into {db['NAME']}.")
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
