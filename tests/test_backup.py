"""``make backup`` / ``make restore`` (hepingorgs/backup.py): the demo district, backed up
and restored into a fresh database, has the same rows in every table, history included;
a restore never touches a database that holds data."""

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from hepingorgs import backup
from registry.models import CommunityGroup


@pytest.fixture(scope="module")
def demo_database(demo_district):
    """The test database with the demo data, committed (pg_dump reads it on its own
    connection)."""
    return dict(connection.settings_dict)


@pytest.fixture
def demo_db(demo_database, db):
    """The tests run with the database tests (before the transactional ones, which leave
    the database empty); what they read was committed by ``demo_database``."""
    return demo_database


@pytest.fixture
def empty_database(demo_db):
    """A new, empty database on the same server."""
    name = demo_db["NAME"] + "_restored"
    admin = psycopg.connect(backup.conninfo({**demo_db, "NAME": "postgres"}), autocommit=True)
    create = sql.SQL(
        "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
        "LC_CTYPE 'C.UTF-8'"
    ).format(sql.Identifier(name))
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(create)
    try:
        yield {**demo_db, "NAME": name}
    finally:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def contents(db):
    """For every table: its row count and a digest of all its rows."""
    found = {}
    with psycopg.connect(backup.conninfo(db)) as conn:
        tables = [
            (schema, name)
            for schema, name in backup.user_tables(conn)
            if conn.execute(
                "SELECT relkind FROM pg_class WHERE oid = %s::regclass",
                [f'"{schema}"."{name}"'],
            ).fetchone()[0]
            == "r"
        ]
        for schema, name in tables:
            table = sql.Identifier(schema, name)
            found[f"{schema}.{name}"] = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} t"
                ).format(table)
            ).fetchone()
    return found


def test_backup_and_restore_keep_every_row(demo_db, empty_database, tmp_path):
    path = backup.backup(demo_db, tmp_path)
    assert path.name.startswith(f"hepingorgs-{demo_db['NAME']}-")
    assert path.suffix == ".dump"
    assert path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    backup.restore(empty_database, path)

    before, after = contents(demo_db), contents(empty_database)
    assert after == before
    # The comparison covers the demo's rows and their trigger-written history.
    assert before["public.registry_communitygroup"][0] == CommunityGroup.objects.count() > 3000
    assert before["public.registry_communitygroupevent"][0] >= 3000
    assert before["public.pghistory_context"][0] > 0


def test_restore_refuses_a_database_with_data(demo_db, tmp_path):
    path = backup.backup(demo_db, tmp_path)
    before = contents(demo_db)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(demo_db, path)
    assert contents(demo_db) == before


def test_a_broken_file_restores_nothing(demo_db, empty_database, tmp_path):
    path = backup.backup(demo_db, tmp_path)
    broken = tmp_path / "broken.dump"
    data = path.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(backup.BackupError, match="nothing was restored"):
        backup.restore(empty_database, broken)
    with psycopg.connect(backup.conninfo(empty_database)) as conn:
        assert backup.user_tables(conn) == []


def test_the_commands_make_calls(demo_db, tmp_path, capsys):
    assert backup.main(["backup", "--dir", str(tmp_path)]) == 0
    written = capsys.readouterr().out.strip()
    assert written.startswith(str(tmp_path)) and written.endswith(".dump")
    assert backup.main(["restore", written]) == 1
    assert "not empty" in capsys.readouterr().err
    assert backup.main(["restore", str(tmp_path / "missing.dump")]) == 1
