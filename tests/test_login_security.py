"""Login protection: throttling per user name and per address (django-axes), client
addresses behind a reverse proxy, strong passwords, the login log, and sessions that end
after a working day of inactivity."""

import datetime
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from hepingorgs.clientip import client_ip
from hepingorgs.middleware import SESSION_REFRESHED_KEY
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
LIMIT = 5


def log_in(client, username, password, ip="198.51.100.7", url=LOGIN, **headers):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def test_a_user_name_is_locked_after_repeated_failures_from_any_address(
    client, district_staff, settings
):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    for n in range(LIMIT - 1):
        response = log_in(client, "district", "wrong password", ip=f"198.51.100.{n + 1}")
        assert response.status_code == 200  # the form again, with its error
    # The last failure allowed locks the user name ...
    assert log_in(client, "district", "wrong password", ip="198.51.100.9").status_code == 429
    # ... and even the right password, from yet another address, is refused for now.
    response = log_in(client, "district", PASSWORD, ip="198.51.100.99")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="district").exists()


def test_an_address_is_locked_after_failures_for_several_user_names(client, clerk_qyc):
    for n in range(LIMIT):
        log_in(client, f"guess{n}", "wrong password", ip="203.0.113.9")
    assert log_in(client, "clerk_qyc", PASSWORD, ip="203.0.113.9").status_code == 429
    # The clerk from their own computer logs in.
    assert log_in(client, "clerk_qyc", PASSWORD, ip="203.0.113.10").status_code == 302


def test_the_admin_login_is_throttled_too(client, superuser):
    for _ in range(LIMIT):
        log_in(client, "itadmin", "wrong password", url="/admin/login/")
    assert log_in(client, "itadmin", PASSWORD, url="/admin/login/").status_code == 429


def test_a_success_before_the_limit_clears_the_failures(client, district_staff):
    for _ in range(LIMIT - 1):
        log_in(client, "district", "wrong password")
    assert log_in(client, "district", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        log_in(client, "district", "wrong password")
    assert log_in(client, "district", PASSWORD).status_code == 302


def test_a_forged_forwarded_header_is_ignored_without_a_configured_proxy(client, district_staff):
    for n in range(LIMIT):
        log_in(client, f"guess{n}", "wrong", ip="203.0.113.20", X_Forwarded_For=f"10.9.9.{n}")
    response = log_in(client, "district", PASSWORD, ip="203.0.113.20", X_Forwarded_For="10.9.9.99")
    assert response.status_code == 429


def test_behind_one_proxy_the_address_the_proxy_saw_counts(client, district_staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "192.0.2.1"
    # The attacker rotates what it writes into the header; the proxy appends its real address.
    for n in range(LIMIT):
        forged = f"10.9.9.{n}, 203.0.113.30"
        log_in(client, f"guess{n}", "wrong", ip=proxy, X_Forwarded_For=forged)
    assert AccessFailureLog.objects.filter(ip_address="203.0.113.30").count() == LIMIT
    response = log_in(client, "district", PASSWORD, ip=proxy, X_Forwarded_For="203.0.113.30")
    assert response.status_code == 429
    # Everybody else behind the same proxy still logs in.
    response = log_in(client, "district", PASSWORD, ip=proxy, X_Forwarded_For="203.0.113.31")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "count,remote,forwarded,expected",
    [
        (0, "192.0.2.1", "", "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (1, "192.0.2.1", "203.0.113.5", "203.0.113.5"),
        (1, "192.0.2.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "192.0.2.2", "6.6.6.6, 203.0.113.5, 192.0.2.1", "203.0.113.5"),
        (1, "192.0.2.1", "", "192.0.2.1"),
        (3, "192.0.2.1", "203.0.113.5", "203.0.113.5"),
    ],
)
def test_client_ip(settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)
    assert client_ip(request) == expected


def test_logins_are_logged_with_user_and_address(client, district_staff, caplog):
    caplog.set_level(logging.INFO, logger="hepingorgs.security")
    log_in(client, "district", "wrong password", ip="198.51.100.40")
    log_in(client, "district", PASSWORD, ip="198.51.100.41")
    messages = [r.getMessage() for r in caplog.records if r.name == "hepingorgs.security"]
    assert messages == [
        "login failed: user=district ip=198.51.100.40",
        "login succeeded: user=district ip=198.51.100.41 staff=True",
    ]
    assert "wrong password" not in caplog.text
    # The same events in axes' tables, which superusers read in the admin.
    assert AccessFailureLog.objects.get().ip_address == "198.51.100.40"
    success = AccessLog.objects.get()
    assert (success.username, success.ip_address) == ("district", "198.51.100.41")


def test_the_admin_shows_login_records_to_superusers_only(client, superuser, district_staff):
    log_in(client, "district", "wrong password")
    client.force_login(district_staff)
    assert client.get("/admin/axes/accessfailurelog/").status_code == 403
    client.force_login(superuser)
    response = client.get("/admin/axes/accessfailurelog/")
    assert response.status_code == 200
    assert "district" in response.content.decode()


@pytest.mark.parametrize(
    "password,code",
    [
        ("short-pw-1", "password_too_short"),
        ("290156738421", "password_entirely_numeric"),
        ("1qaz2wsx3edc", "password_too_common"),
        ("district-staff", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(district_staff, password, code):
    district_staff.username = "district-staff"
    with pytest.raises(ValidationError) as error:
        validate_password(password, district_staff)
    assert code in {e.code for e in error.value.error_list}


def test_a_long_passphrase_is_accepted(district_staff):
    validate_password("和平区民政局 heping 2017", district_staff)


def test_the_admin_password_form_refuses_a_short_password(client, superuser, district_staff):
    client.force_login(superuser)
    response = client.post(
        f"/admin/auth/user/{district_staff.pk}/password/",
        {"password1": "Short-pw-17", "password2": "Short-pw-17", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "12" in response.content.decode()
    district_staff.refresh_from_db()
    assert district_staff.check_password(PASSWORD)


def test_session_cookie_is_http_only_and_secure(client, district_staff, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = log_in(client, "district", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["max-age"] == 8 * 60 * 60


def session_row(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_session_ends_after_a_working_day_without_activity(client, district_staff):
    log_in(client, "district", PASSWORD)
    expires = session_row(client).expire_date
    assert abs(expires - timezone.now() - datetime.timedelta(hours=8)).total_seconds() < 60

    # Within a few minutes of the last renewal a page view writes nothing.
    assert client.get("/filings/").status_code == 200
    assert session_row(client).expire_date == expires

    # Later activity renews the session for another working day.
    session = client.session
    session[SESSION_REFRESHED_KEY] -= 3600
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(hours=7)
    )
    assert client.get("/filings/").status_code == 200
    renewed = session_row(client).expire_date
    assert renewed - timezone.now() > datetime.timedelta(hours=7, minutes=59)

    # A session idle for a working day is over: back to the login page.
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/filings/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
