"""Production serving: ``check --deploy`` is clean with production settings, ``make serve``
runs gunicorn with whitenoise's hashed and compressed static files behind an HTTPS proxy,
``/healthz`` follows the database, and every page carries the Content-Security-Policy."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from hepingorgs.devdb import database_url as devdb_url

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DEBUG": "0",
    "ALLOWED_HOSTS": "shzz.heping.gov.cn",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto=https",
}


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_check_deploy_complains_when_https_is_turned_off():
    env = {**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"}
    result = run_manage("check", "--deploy", env=env)
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout


def database_url(db):
    """The URL of the test database (the private cluster's, or DATABASE_URL's server)."""
    if not os.environ.get("DATABASE_URL"):
        return devdb_url(settings.BASE_DIR).replace("/hepingorgs?", f"/{db['NAME']}?")
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(url._replace(path="/" + db["NAME"]))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, headers=None, timeout=60):
    request = urllib.request.Request(url, headers={"Host": "shzz.heping.gov.cn", **(headers or {})})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def served(db, tmp_path):
    """``make serve`` against the test database, static files collected into tmp_path."""
    port = free_port()
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "DATABASE_URL": database_url(connection.settings_dict),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Ready when the worker answers (gunicorn listens before its worker has loaded
        # Django); generous, because the machine may be busy.
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                pytest.fail("make serve stopped: " + server.stderr.read().decode())
            try:
                if fetch(f"{base}/healthz", timeout=60)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("make serve did not answer within 180 s")
            time.sleep(0.5)
        yield base, tmp_path / "static"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_make_serve(served):
    base, static_root = served
    assert (static_root / "staticfiles.json").exists()

    # The health probe answers on plain HTTP; everything else is redirected to HTTPS.
    status, _headers, body = fetch(f"{base}/healthz")
    assert (status, body) == (200, b"ok\n")
    status, headers, _body = fetch(f"{base}/accounts/login/")
    assert status == 301
    assert headers["Location"] == "https://shzz.heping.gov.cn/accounts/login/"

    # Through the proxy (X-Forwarded-Proto: https): the page, with HSTS, CSP, and the
    # stylesheet under its hashed name.
    https = {"X-Forwarded-Proto": "https"}
    status, headers, body = fetch(f"{base}/accounts/login/", https)
    assert status == 200
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "Secure" in headers["Set-Cookie"] and "csrftoken" in headers["Set-Cookie"]
    stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body).group(1)

    status, headers, body = fetch(base + stylesheet.decode(), {**https, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]

    # What browsers ask for on their own is there (no 404 in every page's console).
    status, headers, body = fetch(f"{base}/favicon.ico", https)
    assert status == 200 and body[:4] == b"\x00\x00\x01\x00"  # an icon file

    # Debug pages are off: an unknown URL is the plain 404 page, not Django's URL list.
    status, _headers, body = fetch(f"{base}/no-such-page/", https)
    assert status == 404
    assert b"URLconf" not in body


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_healthz_answers_503_when_the_database_does_not(client, tmp_path):
    saved = dict(connection.settings_dict)
    connection.close()
    # A socket folder where no server listens.
    connection.settings_dict["OPTIONS"] = {**saved["OPTIONS"], "host": str(tmp_path)}
    connection.settings_dict["HOST"] = str(tmp_path)
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert client.get("/healthz").status_code == 200


def test_every_page_has_the_content_security_policy(client, district_staff):
    client.force_login(district_staff)
    for url in ["/accounts/login/", "/filings/", "/admin/", "/no-such-page/"]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "http" not in policy and "*" not in policy


def test_https_redirect_ignores_a_forged_proto_header_without_a_configured_proxy(
    client, db, settings
):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_public_api_answers_json_to_a_browser(client, db):
    # DRF's browsable page has inline styles, which the policy blocks (console errors);
    # people read the public API as JSON or through Swagger UI at /api/docs/.
    for url in ["/api/v1/", "/api/v1/organizations/", "/api/v1/community-groups/"]:
        response = client.get(url, HTTP_ACCEPT=BROWSER_ACCEPT)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json", url
