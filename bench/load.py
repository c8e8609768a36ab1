"""Load test of the production server (``make serve``: gunicorn, DEBUG off, whitenoise) on
loopback with the demo data: 50 anonymous clients read the public directory, profiles,
search and the API for 60 seconds while a street clerk files and submits new community
groups through the workspace and district staff accept them from the review queue; then
every filing is checked (none lost, none duplicated, every accepted one public).

    SECRET_KEY=x .venv/bin/python bench/load.py [--users 50] [--duration 60]
        [--think 0.5-1.5] [--baseline 15] [--workers 3] [--database hepingorgs_bench_load]
        [--reset]

What the script does:

- **Data.** Its own database (``--database``) in the checkout's private cluster
  (``hepingorgs.devdb``), created, migrated and filled by ``load_demo`` on first use
  (``--reset`` starts it again), so the development data is untouched. Each run's
  filings carry the run's tag in their names; earlier runs' filings stay (3,313 demo
  groups plus a few dozen per run).
- **Server.** ``make serve`` itself, on a free loopback port, with the environment it
  documents for production: ``DEBUG=0``, ``SECRET_KEY``, ``DATABASE_URL`` (the bench
  database), ``WEB_CONCURRENCY`` (``--workers``, default 3 as in the Makefile), behind a
  reverse proxy: ``SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto=https`` and
  ``TRUSTED_PROXY_COUNT=1``. The script plays that proxy: each request carries
  ``X-Forwarded-Proto: https`` (so HTTPS redirects, HSTS and secure cookies stay as in
  production) and ``X-Forwarded-For`` with its simulated user's own address.
- **Rate limits are left at their production values** (120 pages and 60 API requests
  a minute per address, django-axes on the login): every simulated user has its own
  address, as 50 visitors behind the proxy would, and stays under the per-address
  rates by its think time, so no limit is lifted and none distorts the figures. A 429
  would count as an error. The clerk and the staff member log in once each with the
  right password (axes counts failures only).
- **Clients: threads and ``http.client`` from the standard library, not locust.** Each
  simulated user is a thread with its own connection (keep-alive when the server
  offers it; gunicorn's sync workers close after each answer, so it reconnects, as
  through a proxy), its own address and a seeded random generator, and waits a think
  time between requests, like locust's ``wait_time = between(0.5, 1.5)``: 50 users
  thinking about a second each offer about 45 requests a second, what 50 people
  clicking through the directory do. Locust would run the same model in one gevent
  process; it is not a dependency of the project, and measured the same way the
  difference is the client's own CPU, which the script reports: on 2 cores the client
  competes with gunicorn and PostgreSQL, so the report gives the CPU seconds of the
  client, of the gunicorn processes, of the database cluster and of the whole machine
  over the measured window, and the load average before and after. (Think times much
  below half a second make a user exceed the per-address rates: the 429s would then
  count as errors.)
- **Baseline.** Just before the load, the same reader mix from one client with no think
  time for ``--baseline`` seconds: what each request costs when it never waits behind
  another, on the machine as it is at that moment. The report gives each group's p95
  over the baseline's p95 (the cost of the concurrency) and gunicorn's CPU milliseconds
  per request in both phases (the cost of a request, whatever else the machine runs).
- **Timing.** From sending the request to reading the whole answer, per request;
  percentiles by nearest rank. Redirects are followed as requests of their own (the
  clerk's and staff's POSTs answer 302 and a browser loads the next page). Only
  requests started inside the window count; a warm-up of ``--warmup`` seconds (one
  client, the readers' mix) comes first and is not measured.
- **Errors.** Any exception (refused or reset connection, timeout) or unexpected status
  (anything other than 200, or the expected redirect of a POST).
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from hepingorgs import devdb  # noqa: E402

DEMO_PASSWORD = "heping-demo-2017"  # registry.demo.DEMO_PASSWORD, published for the demo
CLERK = "quanyechang"  # clerk of 劝业场街道 in the demo data
STAFF = "minzheng"  # district civil-affairs staff in the demo data
GOAL_P95_MS = 200

# Searches as citizens type them: Chinese, full pinyin, pinyin initials.
ORG_SEARCHES = ["养老", "协会", "书法", "慈善", "yanglao", "shufa", "cishan", "ylfw", "hpq", "sfxh"]
GROUP_SEARCHES = ["合唱", "舞蹈", "太极", "hechang", "wudao", "taiji", "hct", "wdd", "tjq", "xyh"]


# --------------------------------------------------------------------------- server


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name):
    base = devdb.database_url(BASE_DIR)
    return base.replace(f"@/{devdb.DB_NAME}?", f"@/{name}?", 1)


def psql(url, sql):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if sql.lstrip().upper().startswith("SELECT") else None


def prepare_database(name, reset, env):
    devdb.start(BASE_DIR)
    admin_url = database_url("postgres")
    if reset:
        psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not psql(admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        psql(admin_url, f'CREATE DATABASE "{name}"')
    url = database_url(name)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    groups = psql(url, "SELECT count(*) FROM registry_communitygroup")[0][0]
    if groups == 0:
        print("loading the demo data (load_demo) ...", flush=True)
        subprocess.run([*manage, "load_demo", "-v", "0"], env=env, check=True)
    return url


def start_server(env, log_path):
    log = open(log_path, "w")  # noqa: SIM115 (closed by stop_server)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def stop_server(process):
    try:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, 9)
    process.log.close()


def wait_until_up(port, process, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"make serve ended (status {process.returncode}); see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer /healthz in time")


# ----------------------------------------------------------------------- CPU figures


def _ticks(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime (own, not children)


def _processes():
    """pid -> (parent pid, process group) of every process on the machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


def _descendants(root, table):
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, _pgid) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def cpu_snapshot(server):
    """CPU ticks so far of: this process, each process of the server (make serve's
    process group), each of the database cluster (postmaster and its backends) and the
    whole machine."""
    table = _processes()
    postmaster = int((devdb.data_dir(BASE_DIR) / "data" / "postmaster.pid").read_text().split()[0])
    machine = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return {
        "client": time.process_time(),
        "server": {pid: _ticks(pid) for pid, (_pp, pgid) in table.items() if pgid == server.pid},
        "database": {pid: _ticks(pid) for pid in {postmaster} | _descendants(postmaster, table)},
        "machine": sum(int(v) for v in machine) - int(machine[3]) - int(machine[4]),
    }


def cpu_delta(before, after):
    """CPU seconds spent between two snapshots. A process that ended in between (none of
    the server's or the database's should) is left out; one that started counts whole."""
    hz = os.sysconf("SC_CLK_TCK")

    def spent(kind):
        return sum(ticks - before[kind].get(pid, 0) for pid, ticks in after[kind].items()) / hz

    return {
        "client": after["client"] - before["client"],
        "server": spent("server"),
        "database": spent("database"),
        "machine": (after["machine"] - before["machine"]) / hz,
    }


# ------------------------------------------------------------------------ HTTP client


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)  # group -> [ms]
        self.errors = defaultdict(int)
        self.examples = []
        self.window = None  # (start, end) in time.monotonic()

    def add(self, group, started, ms, error=None):
        if self.window is None or not (self.window[0] <= started < self.window[1]):
            return
        with self.lock:
            self.samples[group].append(ms)
            if error:
                self.errors[group] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{group}: {error}")


class Client:
    """One simulated user: its own connection, address and cookies, behind the proxy."""

    def __init__(self, port, address, recorder):
        self.port, self.address, self.recorder = port, address, recorder
        self.conn = None
        self.cookies = {}

    def request(self, group, method, path, form=None, expect=(200,)):
        """Send one request and read the whole answer; returns (status, headers, text)
        or None after an error (recorded)."""
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "User-Agent": "hepingorgs-bench-load",
            "Accept-Language": "zh-CN",
        }
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.will_close:
                self.conn.close()
                self.conn = None
        except (OSError, http.client.HTTPException) as error:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            ms = (time.monotonic() - started) * 1000
            self.recorder.add(group, started, ms, f"{method} {path}: {error!r}")
            return None
        ms = (time.monotonic() - started) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        error = None
        if response.status not in expect:
            error = f"{method} {path}: status {response.status}"
        self.recorder.add(group, started, ms, error)
        if error:
            return None
        return response.status, response.headers, data.decode("utf-8", "replace")

    def follow(self, group, answer):
        """Load the page a POST redirected to, as the browser would."""
        location = answer[1]["Location"]
        path = urllib.parse.urlsplit(location).path
        query = urllib.parse.urlsplit(location).query
        return self.request(group, "GET", path + (f"?{query}" if query else ""))


class FormParser(HTMLParser):
    """The forms of a page: action, inputs (name -> value) and select options."""

    def __init__(self):
        super().__init__()
        self.forms, self.select = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "inputs": {}, "options": {}})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            form = self.forms[-1]
            if attrs.get("type") in ("checkbox", "radio"):
                form["options"].setdefault(attrs["name"], []).append(attrs.get("value", ""))
            else:
                form["inputs"][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and attrs.get("value"):
            self.forms[-1]["options"].setdefault(self.select, []).append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def forms_of(html):
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def csrf_token_of(html):
    """The CSRF token of the page's first form that has one (the footer's language
    switch has none), or None."""
    for form in forms_of(html):
        if "csrfmiddlewaretoken" in form["inputs"]:
            return form["inputs"]["csrfmiddlewaretoken"]
    return None


def log_in(client, username):
    page = client.request("login", "GET", "/accounts/login/")
    token = csrf_token_of(page[2])
    form = {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    answer = client.request("login", "POST", "/accounts/login/", form, expect=(302,))
    if answer is None or "sessionid" not in client.cookies:
        raise SystemExit(f"could not log in as {username}")
    return client.follow("login", answer)


# ------------------------------------------------------------------------ the actors


class Catalogue:
    """Addresses the readers pick from, read through the API before the window."""

    def __init__(self, client):
        self.codes, self.numbers = [], []
        for resource, key, target in (
            ("organizations", "uscc", self.codes),
            ("community-groups", "filing_number", self.numbers),
        ):
            path = f"/api/v1/{resource}/?page_size=200"
            for _page in range(3):
                answer = client.request("prepare", "GET", path)
                data = json.loads(answer[2])
                target.extend(row[key] for row in data["results"])
                if not data["next"]:
                    break
                path = urllib.parse.urlsplit(data["next"])
                path = f"{path.path}?{path.query}"
        if not self.codes or not self.numbers:
            raise SystemExit("no organizations or groups in the API: is the demo loaded?")


def reader_task(rng, catalogue):
    """(endpoint group, path) of one request, weighted like a visitor's clicks."""
    kind = rng.choices(["directory", "profile", "search", "api"], weights=[3, 3, 3, 3])[0]
    if kind == "directory":
        return kind, rng.choice(
            [
                "/directory/",
                f"/directory/?page={rng.randint(2, 14)}",
                "/directory/?sort=-registered",
                "/community-groups/",
                f"/community-groups/?page={rng.randint(2, 160)}",
            ]
        )
    if kind == "profile":
        if rng.random() < 0.75:
            return kind, f"/directory/{rng.choice(catalogue.codes)}/"
        # A group's public page is its line in the list, found by filing number (what
        # the QR code on its filing proof opens).
        return kind, f"/community-groups/?q={urllib.parse.quote(rng.choice(catalogue.numbers))}"
    if kind == "search":
        if rng.random() < 0.5:
            return kind, f"/directory/?q={urllib.parse.quote(rng.choice(ORG_SEARCHES))}"
        return kind, f"/community-groups/?q={urllib.parse.quote(rng.choice(GROUP_SEARCHES))}"
    return kind, rng.choice(
        [
            "/api/v1/organizations/",
            f"/api/v1/organizations/?page={rng.randint(2, 5)}",
            f"/api/v1/organizations/?q={urllib.parse.quote(rng.choice(ORG_SEARCHES))}",
            f"/api/v1/organizations/{rng.choice(catalogue.codes)}/",
            "/api/v1/community-groups/",
            f"/api/v1/community-groups/?page={rng.randint(2, 60)}",
            f"/api/v1/community-groups/?q={urllib.parse.quote(rng.choice(GROUP_SEARCHES))}",
            "/api/v1/projects/",
        ]
    )


def think(rng, think_range, stop):
    low, high = think_range
    if high > 0:
        stop.wait(rng.uniform(low, high))


def reader(index, port, recorder, catalogue, think_range, stop):
    rng = random.Random(index)
    client = Client(port, f"10.0.{index // 250}.{index % 250 + 1}", recorder)
    think(rng, (0, think_range[1]), stop)  # users arrive spread over the first second
    while not stop.is_set():
        group, path = reader_task(rng, catalogue)
        client.request(group, "GET", path)
        think(rng, think_range, stop)


class Clerk:
    """The clerk of 劝业场 files a group, then submits it; again and again."""

    def __init__(self, port, recorder, tag):
        self.client = Client(port, "10.1.0.1", recorder)
        self.tag = tag
        self.created = {}  # name -> pk
        self.submitted = set()
        self.failed = []

    def run(self, stop, think_range):
        rng = random.Random("clerk")
        log_in(self.client, CLERK)
        number = 0
        while not stop.is_set():
            number += 1
            self.file_one(rng, number)
            think(rng, think_range, stop)

    def file_one(self, rng, number):
        page = self.client.request("clerk", "GET", "/filings/new/")
        if page is None:
            return
        form = next(f for f in forms_of(page[2]) if "community" in f["options"])
        name = f"压测{self.tag}第{number}队合唱团"
        data = {
            "csrfmiddlewaretoken": form["inputs"]["csrfmiddlewaretoken"],
            "name": name,
            "community": rng.choice(form["options"]["community"]),
            "category": rng.choice(form["options"]["category"]),
            "service_targets": ["residents"],
            "leader_name": "张秀兰",
            "leader_phone": "13800000000",
            "member_count": str(rng.randint(5, 60)),
            "version": "",
            # The run's names differ by their number only; pg_trgm finds them similar.
            "confirm_similar": "on",
        }
        answer = self.client.request("clerk", "POST", "/filings/new/", data, expect=(302,))
        if answer is None:
            self.failed.append(name)
            return
        match = re.search(r"/filings/(\d+)/$", answer[1]["Location"])
        if not match:
            self.failed.append(name)
            return
        pk = int(match.group(1))
        self.created[name] = pk
        detail = self.client.follow("clerk", answer)
        if detail is None:
            return
        token = csrf_token_of(detail[2]) or data["csrfmiddlewaretoken"]
        path = f"/filings/{pk}/submit/"
        answer = self.client.request(
            "clerk", "POST", path, {"csrfmiddlewaretoken": token}, expect=(302,)
        )
        if answer is not None and self.client.follow("clerk", answer) is not None:
            self.submitted.add(pk)


class Staff:
    """District staff open the review queue and accept what waits there."""

    def __init__(self, port, recorder):
        self.client = Client(port, "10.2.0.1", recorder)
        self.accepted = set()

    def run(self, stop, think_range):
        rng = random.Random("staff")
        log_in(self.client, STAFF)
        while not stop.is_set():
            self.review_once(stop)
            think(rng, (2 * think_range[0], 2 * think_range[1]), stop)

    def review_once(self, stop):
        page = self.client.request("staff", "GET", "/filings/review/")
        if page is None:
            return
        for form in forms_of(page[2]):
            match = re.fullmatch(r"/filings/(\d+)/accept/", form["action"])
            if not match or stop.is_set():
                continue
            data = dict(form["inputs"])
            answer = self.client.request("staff", "POST", form["action"], data, expect=(302,))
            if answer is None:
                continue
            self.accepted.add(int(match.group(1)))
            if self.client.follow("staff", answer) is None:
                return
            break  # the queue changed: read it again


# ---------------------------------------------------------------------- verification


def verify(url, port, clerk, staff, started_at):
    """Every filing the clerk created exists exactly once; filing numbers are unique;
    every accepted one is in the public list and the API. Returns the problems."""
    import psycopg

    problems = []
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, name, status, filing_number FROM registry_communitygroup "
            "WHERE name LIKE %s",
            [f"压测{clerk.tag}第%"],
        ).fetchall()
        duplicated_numbers = conn.execute(
            "SELECT filing_number, count(*) FROM registry_communitygroup "
            "WHERE filing_number IS NOT NULL GROUP BY filing_number HAVING count(*) > 1"
        ).fetchall()
        accepted = conn.execute(
            "SELECT id, name, status, filing_number FROM registry_communitygroup "
            "WHERE id = ANY(%s)",
            [sorted(staff.accepted)],
        ).fetchall()
    by_name = defaultdict(list)
    for pk, name, status, number in rows:
        by_name[name].append((pk, status, number))
    for name, pk in clerk.created.items():
        found = by_name.get(name, [])
        if [row[0] for row in found] != [pk]:
            problems.append(f"created {name} (#{pk}): found {found}")
    for name in set(by_name) - set(clerk.created):
        problems.append(f"{name}: in the database, but no create answered for it")
    for name in clerk.failed:
        if name in by_name:
            problems.append(f"{name}: the create failed, yet a row exists: {by_name[name]}")
    for number, count in duplicated_numbers:
        problems.append(f"filing number {number} is used {count} times")
    for pk in clerk.submitted:
        status = next((r[1] for rs in by_name.values() for r in rs if r[0] == pk), None)
        if status not in ("submitted", "filed"):
            problems.append(f"#{pk} was submitted but is {status}")

    # Public side, through the server: the API lists every accepted group exactly once,
    # and its public page (the list searched by filing number) shows it.
    client = Client(port, "10.3.0.1", Recorder())
    listed = defaultdict(int)
    path = "/api/v1/community-groups/?page_size=200&updated_since=" + urllib.parse.quote(started_at)
    while path:
        answer = client.request("verify", "GET", path)
        if answer is None:
            problems.append(f"API {path} did not answer 200")
            break
        data = json.loads(answer[2])
        for row in data["results"]:
            listed[row["filing_number"]] += 1
        path = data["next"] and "{0.path}?{0.query}".format(urllib.parse.urlsplit(data["next"]))
    for pk, name, status, number in accepted:
        if status != "filed" or not number:
            problems.append(f"accepted #{pk} {name} is {status} without a number")
            continue
        if listed.get(number) != 1:
            problems.append(f"accepted {number} {name} is listed {listed.get(number, 0)} times")
        page = client.request("verify", "GET", f"/community-groups/?q={urllib.parse.quote(number)}")
        if page is None or name not in page[2]:
            problems.append(f"accepted {number} {name} is not on /community-groups/")
    return problems, len(rows), len(accepted)


# ---------------------------------------------------------------------------- report


def percentile(values, q):
    return values[max(0, math.ceil(q * len(values)) - 1)]


READERS = ("directory", "profile", "search", "api")
ORDER = (*READERS, "clerk", "staff")


def figures(recorder):
    """{row label: (requests, errors, sorted milliseconds)} per endpoint group, for the
    readers together and for everything."""
    groups = [g for g in ORDER if g in recorder.samples]
    groups += sorted(set(recorder.samples) - set(ORDER))
    rows = {g: (recorder.samples[g], recorder.errors[g]) for g in groups}
    rows["public (readers)"] = (
        [ms for g in READERS for ms in recorder.samples[g]],
        sum(recorder.errors[g] for g in READERS),
    )
    rows["all"] = (
        [ms for g in recorder.samples for ms in recorder.samples[g]],
        sum(recorder.errors.values()),
    )
    return {label: (len(v), e, sorted(v)) for label, (v, e) in rows.items() if v}


def report(loaded, duration, baseline):
    lines = [
        f"{'endpoint group':16} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'base p50':>8} {'base p95':>8} "
        f"{'p95/base':>8}"
    ]
    for label, (count, errors, values) in loaded.items():
        p50, p95, p99 = (percentile(values, q) for q in (0.50, 0.95, 0.99))
        base = ""
        if label in baseline:
            b50, b95 = (percentile(baseline[label][2], q) for q in (0.50, 0.95))
            base = f" {b50:8.1f} {b95:8.1f} {p95 / b95:8.1f}"
        lines.append(
            f"{label:16} {count:8d} {count / duration:6.1f} {p50:7.1f} {p95:7.1f} "
            f"{p99:7.1f} {values[-1]:7.1f} {errors:6d}{base}"
        )
    return "\n".join(lines)


def parse_think(text):
    low, _, high = text.partition("-")
    low = float(low)
    return low, float(high or low)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before measuring")
    parser.add_argument(
        "--baseline", type=float, default=15, help="seconds of the one-client baseline"
    )
    parser.add_argument(
        "--think", default="0.5-1.5", help="seconds between a user's requests (low-high)"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--database", default="hepingorgs_bench_load")
    parser.add_argument("--reset", action="store_true", help="drop and reload the database")
    args = parser.parse_args()
    think_range = parse_think(args.think)

    env = dict(os.environ)
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    env["DATABASE_URL"] = database_url(args.database)
    url = prepare_database(args.database, args.reset, env)
    port = free_port()
    env.update(
        DEBUG="0",
        PORT=str(port),
        WEB_CONCURRENCY=str(args.workers),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https",
        TRUSTED_PROXY_COUNT="1",
    )
    for name in ("BIND", "PUBLIC_PAGE_RATE", "PUBLIC_API_RATE", "AXES_FAILURE_LIMIT"):
        env.pop(name, None)  # production values, whatever the calling shell says
    log_path = BASE_DIR / ".var" / "bench-load-server.log"
    log_path.parent.mkdir(exist_ok=True)
    if not shutil.which("make"):
        raise SystemExit("make is needed: the server is started with `make serve`")
    server = start_server(env, log_path)
    try:
        wait_until_up(port, server)
        run(args, think_range, port, url, server)
    finally:
        stop_server(server)


def measure_baseline(args, port, catalogue, server):
    """The same reader mix from one client with no think time and nothing else running:
    what each request costs when it never waits for another, on the machine as it is
    now. Returns its figures and the gunicorn CPU seconds per request."""
    recorder = Recorder()
    client = Client(port, "10.8.0.1", recorder)
    rng = random.Random("baseline")
    start = time.monotonic()
    recorder.window = (start, start + args.baseline)
    before = cpu_snapshot(server)
    number = 0
    while time.monotonic() < recorder.window[1]:
        # A new address per request: without think time one address would soon pass
        # the per-address rates, which stay at their production values.
        number += 1
        client.address = f"10.8.{number // 250 % 250}.{number % 250 + 1}"
        group, path = reader_task(rng, catalogue)
        client.request(group, "GET", path)
    cpu = cpu_delta(before, cpu_snapshot(server))
    result = figures(recorder)
    return result, cpu["server"] / max(1, result["all"][0])


def run(args, think_range, port, url, server):
    recorder = Recorder()
    catalogue = Catalogue(Client(port, "10.9.0.1", recorder))
    warm = Client(port, "10.9.0.2", recorder)
    rng = random.Random("warm-up")
    warm_until = time.monotonic() + args.warmup
    while time.monotonic() < warm_until:
        warm.address = f"10.9.1.{rng.randint(1, 250)}"  # as in the baseline
        warm.request("warm-up", "GET", reader_task(rng, catalogue)[1])
    baseline, baseline_cpu = measure_baseline(args, port, catalogue, server)

    tag = time.strftime("%m%d%H%M%S")
    load_before = os.getloadavg()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    started_at = started_at[:-2] + ":" + started_at[-2:]
    stop = threading.Event()
    clerk, staff = Clerk(port, recorder, tag), Staff(port, recorder)
    threads = [
        threading.Thread(target=reader, args=(i, port, recorder, catalogue, think_range, stop))
        for i in range(args.users)
    ]
    crashed = []

    def guarded(actor):
        def run():
            try:
                actor.run(stop, think_range)
            except Exception as exc:  # a broken journey is an error of the run, not a pass
                crashed.append(f"{type(actor).__name__}: {exc!r}")
                traceback.print_exc()

        return run

    threads += [threading.Thread(target=guarded(clerk)), threading.Thread(target=guarded(staff))]
    start = time.monotonic()
    recorder.window = (start, start + args.duration)
    cpu_before = cpu_snapshot(server)
    for thread in threads:
        thread.start()
    time.sleep(args.duration)
    stop.set()
    cpu_after = cpu_snapshot(server)
    for thread in threads:
        thread.join()
    load_after = os.getloadavg()
    cpu = cpu_delta(cpu_before, cpu_after)
    loaded = figures(recorder)

    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}: {args.users} users, think "
        f"{think_range[0]:g}-{think_range[1]:g} s, {args.duration:g} s measured, "
        f"{args.workers} gunicorn workers (make serve), port {port}; baseline: one client, "
        f"no think time, {args.baseline:g} s just before"
    )
    print(report(loaded, args.duration, baseline))
    if baseline.get("all", (0, 0))[1]:
        print(f"baseline errors: {baseline['all'][1]}")
    cores = args.duration * (os.cpu_count() or 1)
    requests = loaded["all"][0] if "all" in loaded else 0
    print(
        f"\nCPU seconds over the window: client {cpu['client']:.1f}, gunicorn "
        f"{cpu['server']:.1f}, PostgreSQL {cpu['database']:.1f}, whole machine "
        f"{cpu['machine']:.1f} of {cores:.0f} available"
    )
    print(
        f"gunicorn CPU per request: {1000 * cpu['server'] / max(1, requests):.1f} ms under "
        f"load, {1000 * baseline_cpu:.1f} ms in the baseline; gunicorn had "
        f"{cpu['server'] / args.duration:.2f} of {os.cpu_count()} cores"
    )
    print(
        "load average before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    for example in recorder.examples:
        print("  error:", example)

    problems, rows, accepted = verify(url, port, clerk, staff, started_at)
    print(
        f"\nfilings: {len(clerk.created)} created by the clerk ({len(clerk.failed)} refused), "
        f"{len(clerk.submitted)} submitted, {len(staff.accepted)} accepted by staff; "
        f"{rows} rows with the run's tag, {accepted} accepted rows checked in the API "
        "and on /community-groups/"
    )
    problems += [f"the {name} stopped" for name in crashed]
    if not clerk.created or not staff.accepted:
        problems.append("no filing was created and accepted during the run")
    for problem in problems:
        print("  PROBLEM:", problem)
    public = loaded.get("public (readers)", (0, 0, [0]))
    errors = sum(recorder.errors.values()) + baseline.get("all", (0, 0))[1]
    p95 = percentile(public[2], 0.95)
    verdict = "met" if not problems and errors == 0 and p95 < GOAL_P95_MS else "NOT met"
    print(
        f"goal (0 errors, public p95 < {GOAL_P95_MS} ms, no lost or duplicated filing): {verdict}"
    )
    if problems or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
