"""Read replicas, against a real streaming replica: the private test cluster is copied
with pg_basebackup and started as a hot standby on its own socket. Anonymous reads of the
public paths go to it; staff, clerks, other paths and every write use the primary."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, connections, router
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path

from hepingorgs import devdb

# The replica only sees committed rows, so these tests commit (without Django's test
# transaction, whose checks do not know an alias added while a test runs) and remove what
# they wrote themselves.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="needs the private cluster of hepingorgs.devdb to copy",
)

REPLICA_PORT = 5433


def _state(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def probe(request):
    """Which server answered this request's reads, and what it knows."""
    alias = router.db_for_read(Group)
    return JsonResponse(
        {
            "alias": alias,
            "in_recovery": _state(alias),
            "groups": list(Group.objects.values_list("name", flat=True)),
        }
    )


def streamed_probe(request):
    def rows():
        yield str(_state(router.db_for_read(Group))).lower()

    return StreamingHttpResponse(rows(), content_type="text/plain")


urlpatterns = [
    path("directory/probe/", probe),
    path("downloads/probe/", streamed_probe),
    path("internal/probe/", probe),
    path("", probe),
]


def server_run(*cmd, **kwargs):
    return subprocess.run(devdb._as_server_user([str(c) for c in cmd]), check=True, **kwargs)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield
        Group.objects.filter(name="复制测试组").delete()
        User.objects.filter(username="replica_staff").delete()


@pytest.fixture
def replica(settings, committed):
    """A hot standby of the private cluster, as the alias ``replica1``."""
    base = settings.BASE_DIR
    bindir = devdb._pg_bin()
    folder = devdb.data_dir(base) / "replica-test"
    data, run = folder / "data", folder / "run"
    if (data / "postmaster.pid").exists():
        server_run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
    server_run("rm", "-rf", folder)
    server_run("mkdir", "-p", run)
    server_run(
        bindir / "pg_basebackup",
        "-D",
        data,
        "--write-recovery-conf",
        "--checkpoint=fast",
        "--wal-method=stream",
        "-h",
        devdb.socket_dir(base),
        "-p",
        devdb.PORT,
        "-U",
        devdb.DB_USER,
    )
    server_run(
        bindir / "pg_ctl",
        "-D",
        data,
        "-l",
        folder / "server.log",
        "-o",
        f"-p {REPLICA_PORT} -k {run}",
        "-w",
        "start",
        stdout=subprocess.DEVNULL,
    )
    primary = connections.settings["default"]
    replica_settings = {
        **primary,
        "OPTIONS": {**primary["OPTIONS"], "host": str(run), "port": REPLICA_PORT},
        "CONN_MAX_AGE": 0,
    }
    connections.settings["replica1"] = replica_settings
    try:
        yield "replica1"
    finally:
        connections["replica1"].close()
        del connections["replica1"]
        del connections.settings["replica1"]
        server_run(
            bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop", stdout=subprocess.DEVNULL
        )
        server_run("rm", "-rf", folder)


def caught_up(replica_alias, timeout=20):
    # The insert position: with synchronous_commit off (the private cluster's setting) a
    # commit may not have been written out yet, so the write position can be behind it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[replica_alias].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    pytest.fail("the replica did not catch up")


def test_public_reads_go_to_the_replica(client, replica, settings):
    settings.ROOT_URLCONF = __name__
    caught_up(replica)

    # Anonymous reads of the public paths: the replica (a server in recovery).
    for url in ["/directory/probe/", "/", "/directory/probe/?q=x"]:
        answer = client.get(url).json()
        assert (answer["alias"], answer["in_recovery"]) == ("replica1", True), url
    # A download streamed after the view returned still reads from the replica.
    assert b"".join(client.get("/downloads/probe/").streaming_content) == b"true"

    # Other paths, and writing methods, use the primary.
    assert client.get("/internal/probe/").json()["in_recovery"] is False
    assert client.post("/directory/probe/").json()["in_recovery"] is False

    # A row written while the replica pauses its replay: only the primary has it.
    with connections[replica].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    Group.objects.create(name="复制测试组")
    assert "复制测试组" not in client.get("/directory/probe/").json()["groups"]
    # Logged-in users read the primary, also on public pages: they see their own writes.
    client.force_login(User.objects.create_user("replica_staff", is_staff=True))
    answer = client.get("/directory/probe/").json()
    assert answer["in_recovery"] is False
    assert "复制测试组" in answer["groups"]
    client.logout()

    with connections[replica].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up(replica)
    answer = client.get("/directory/probe/").json()
    assert answer["in_recovery"] is True
    assert "复制测试组" in answer["groups"]


@pytest.mark.django_db
def test_without_replicas_everything_reads_the_primary(client, settings):
    settings.ROOT_URLCONF = __name__
    assert not [alias for alias in connections.settings if alias.startswith("replica")]
    answer = client.get("/directory/probe/").json()
    assert (answer["alias"], answer["in_recovery"]) == ("default", False)


def test_replica_urls_from_the_environment_become_aliases():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "d = settings.DATABASES; "
            "print(sorted(d), d['replica2']['HOST'], d['replica2']['TEST']['MIRROR'])",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hepingorgs.settings",
            "SECRET_KEY": "x",
            "DATABASE_REPLICA_URLS": "postgresql://ro@db2/hepingorgs, postgresql://ro@db3/hepingorgs",
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["['default',", "'replica1',", "'replica2']", "db3", "default"]
