"""Private PostgreSQL cluster for development and tests (standard library only).

``python3 -m hepingorgs.devdb start`` creates the cluster on first use and starts it
if it is not running; ``stop`` stops it; ``url`` prints the connection URL. It listens
on a Unix socket only (no TCP), so it never clashes with another server on the machine.

PostgreSQL refuses to run as root. When invoked as root, the server runs as the
``postgres`` user, and because that user may not be able to enter the checkout (for
example under ``/root``, mode 700) the data lives under ``/var/lib/hepingorgs-pg/<key>``,
``<key>`` derived from the checkout's path, and ``.var/pg`` is a symbolic link to it.
As an ordinary user the data lives in ``.var/pg`` itself.
"""

import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

DB_NAME = "hepingorgs"
DB_USER = "hepingorgs"
PORT = 5432
ROOT_DATA_PARENT = Path("/var/lib/hepingorgs-pg")


def link_path(base_dir):
    return Path(base_dir) / ".var" / "pg"


def data_dir(base_dir):
    """Where the cluster lives for this checkout and this user."""
    link = link_path(base_dir)
    if os.geteuid() == 0:
        key = hashlib.sha256(str(Path(base_dir).resolve()).encode()).hexdigest()[:12]
        return ROOT_DATA_PARENT / key
    return link


def socket_dir(base_dir):
    return data_dir(base_dir) / "run"


def database_url(base_dir):
    return f"postgresql://{DB_USER}@/{DB_NAME}?host={socket_dir(base_dir)}&port={PORT}"


def _pg_bin():
    candidates = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    lib = Path("/usr/lib/postgresql")
    if lib.is_dir():
        versions = sorted(
            (p for p in lib.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates.extend(v / "bin" for v in versions)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    sys.exit(
        "PostgreSQL server binaries not found. Install them (Debian: apt-get install "
        "postgresql) or set DATABASE_URL to an existing server."
    )


def _as_server_user(cmd):
    """Run cmd as the user the server runs as (postgres when we are root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd, **kwargs):
    return subprocess.run(_as_server_user([str(c) for c in cmd]), check=True, **kwargs)


def _prepare_dirs(base_dir):
    data = data_dir(base_dir)
    link = link_path(base_dir)
    link.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        ROOT_DATA_PARENT.mkdir(parents=True, exist_ok=True)
        os.chmod(ROOT_DATA_PARENT, 0o755)
        if not data.exists():
            data.mkdir(mode=0o700)
            os.chown(data, pg.pw_uid, pg.pw_gid)
        if link.is_symlink() and link.resolve() != data.resolve():
            link.unlink()
        if not link.exists() and not link.is_symlink():
            link.symlink_to(data)
    else:
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
    return data


def is_running(base_dir):
    pid_file = data_dir(base_dir) / "data" / "postmaster.pid"
    if not pid_file.exists():
        return False
    bindir = _pg_bin()
    result = subprocess.run(
        [str(bindir / "pg_isready"), "-q", "-h", str(socket_dir(base_dir)), "-p", str(PORT)]
    )
    return result.returncode == 0


def shared_buffers():
    """PostgreSQL's buffer cache for this cluster: a quarter of the memory (that of the
    machine, or of the container when it is limited), between 128 MB (PostgreSQL's own
    default) and 8 GB. docs/deploy.md advises a quarter for production; the default
    holds little of a national register (a million organizations and three million
    groups take 5 GB with their indexes, bench/directory.py), whose searches then read
    their pages back from the operating system's cache on each request. Only memory
    the server uses is taken: a small database leaves it free."""
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        limit = "max"
    if limit.isdigit():
        memory = min(memory, int(limit))
    return f"{max(128, min(8192, memory // 4 // 2**20))}MB"


def start(base_dir):
    bindir = _pg_bin()
    data = _prepare_dirs(base_dir)
    pgdata = data / "data"
    if not (pgdata / "PG_VERSION").exists():
        # C.UTF-8 so that pg_trgm treats Chinese characters as word characters.
        _run(
            [
                bindir / "initdb",
                "-D",
                pgdata,
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            stdout=subprocess.DEVNULL,
        )
        _run(["mkdir", "-p", socket_dir(base_dir)])
        with open(pgdata / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{socket_dir(base_dir)}'\n"
                "unix_socket_permissions = 0700\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "max_connections = 60\n"
            )
    if not is_running(base_dir):
        _run(
            [
                bindir / "pg_ctl",
                "-D",
                pgdata,
                "-l",
                data / "server.log",
                "-o",
                f"-p {PORT} -c shared_buffers={shared_buffers()}",
                "-w",
                "start",
            ],
            stdout=subprocess.DEVNULL,
        )
    for _ in range(50):
        if is_running(base_dir):
            break
        time.sleep(0.2)
    else:
        sys.exit(f"PostgreSQL did not start; see {data / 'server.log'}")
    exists = subprocess.run(
        [
            str(bindir / "psql"),
            "-h",
            str(socket_dir(base_dir)),
            "-p",
            str(PORT),
            "-U",
            DB_USER,
            "-d",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [
                str(bindir / "createdb"),
                "-h",
                str(socket_dir(base_dir)),
                "-p",
                str(PORT),
                "-U",
                DB_USER,
                DB_NAME,
            ],
            check=True,
        )


def stop(base_dir):
    if is_running(base_dir):
        _run(
            [_pg_bin() / "pg_ctl", "-D", data_dir(base_dir) / "data", "-m", "fast", "stop"],
            stdout=subprocess.DEVNULL,
        )


def main(argv):
    base_dir = Path(__file__).resolve().parent.parent
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        start(base_dir)
    elif command == "stop":
        stop(base_dir)
    elif command == "url":
        print(database_url(base_dir))
    else:
        sys.exit("usage: python3 -m hepingorgs.devdb [start|stop|url]")


if __name__ == "__main__":
    main(sys.argv)
