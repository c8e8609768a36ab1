"""Accessibility (axe-core in Chromium, ``tests/accessibility.py``) of every page of the
clerks' workspace and the login page, at desktop and phone widths: no serious or critical
violation, no browser console error (the Content-Security-Policy blocks nothing the pages
need). The admin pages load without console errors under the same policy.

Also every public page and the incubator dashboard (as incubation-centre staff).
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from registry import filings
from tests.accessibility import (
    BLOCKING,
    RULE_TAGS,
    audit_pages,
    axe_source,
    session_cookie,
    watch_errors,
)
from tests.conftest import CHROMIUM, follow, make_group, make_organization
from tests.incubator.test_dashboard import DAY, build_centre

SCREENSHOTS = Path(settings.BASE_DIR) / ".var" / "screenshots" / "accessibility"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def workspace(quanyechang, qyc_community):
    """A filing in each state the workspace shows."""
    draft = make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")
    submitted = make_group(quanyechang, qyc_community, name="福明社区太极拳队")
    filings.submit(submitted)
    filed = make_group(quanyechang, qyc_community, name="福明社区邻里互助会")
    filings.submit(filed)
    filings.accept(filed)
    return {"draft": draft, "submitted": submitted, "filed": filed}


@pytest.fixture
def clerk_cookie(live_server, clerk_qyc):
    return session_cookie(Client(), clerk_qyc, live_server.url)


@pytest.fixture
def staff_cookie(live_server, district_staff):
    return session_cookie(Client(), district_staff, live_server.url)


@pytest.fixture
def superuser_cookie(live_server, superuser):
    return session_cookie(Client(), superuser, live_server.url)


def check(failures):
    report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in failures.items())
    assert not failures, report


def test_login_page(live_server, browser):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    check(audit_pages(browser, live_server.url, ["/accounts/login/"]))


def test_clerks_workspace(live_server, clerk_cookie, workspace, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    draft, filed = workspace["draft"], workspace["filed"]
    urls = [
        "/filings/",
        "/filings/?q=fmsq&status=draft",
        "/filings/new/",
        f"/filings/{draft.pk}/",
        f"/filings/{draft.pk}/edit/",
        f"/filings/{filed.pk}/",
    ]
    check(audit_pages(browser, live_server.url, urls, clerk_cookie, screenshots=SCREENSHOTS))


def test_review_queue_and_staff_pages(live_server, staff_cookie, workspace, browser):
    urls = ["/filings/review/", "/filings/", f"/filings/{workspace['submitted'].pk}/"]
    check(audit_pages(browser, live_server.url, urls, staff_cookie))


def test_a_form_with_errors(live_server, clerk_cookie, qyc_community, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    context.add_cookies([clerk_cookie])
    page = context.new_page()
    page.goto(f"{live_server.url}/filings/new/")
    page.fill("input[name=member_count]", "-3")
    follow(page, "button:has-text('保存')")
    assert "has-error" in page.content()
    page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULE_TAGS
    )
    assert [v["id"] for v in result["violations"] if v["impact"] in BLOCKING] == []


@pytest.fixture
def organization(db):
    return make_organization()


def test_admin_pages_work_under_the_content_security_policy(
    live_server, superuser_cookie, organization, browser
):
    """Console errors only: the admin is Django's, audited by the Django project."""
    urls = [
        "/admin/",
        "/admin/registry/organization/",
        "/admin/registry/organization/?q=hpq",
        "/admin/registry/organization/add/",
        f"/admin/registry/organization/{organization.pk}/change/",
        f"/admin/registry/organization/{organization.pk}/history/",
        "/admin/registry/communitygroup/",
        "/admin/auth/user/",
        "/admin/axes/accessattempt/",
    ]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([superuser_cookie])
    page = context.new_page()
    errors = watch_errors(page)
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.ok, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
    # The admin's scripts ran: the date widget's calendar link exists on the add form.
    page.goto(f"{live_server.url}/admin/registry/organization/add/")
    assert page.locator(".datetimeshortcuts").count() > 0
    assert errors == []


@pytest.fixture
def public_data(quanyechang, qyc_community):
    """A registered organization with a profile and a filed community group."""
    organization = make_organization(street=quanyechang)
    group = make_group(quanyechang, qyc_community, name="福明社区书画社")
    filings.submit(group)
    filings.accept(group)
    return {"organization": organization}


@pytest.fixture
def incubator_cookie(live_server, incubator_staff):
    return session_cookie(Client(), incubator_staff, live_server.url)


@pytest.fixture
def centre(db):
    """Residents, spaces, mentoring and training, so every part of the dashboard shows."""
    return build_centre(extra=2)


def test_public_pages_and_incubator_dashboard(live_server, public_data, incubator_cookie, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    code = public_data["organization"].credit_code
    urls = [
        "/",
        "/directory/",
        f"/directory/{code}/",
        "/community-groups/",
        "/projects/",
        "/notices/",
        "/stats/",
        "/downloads/",
        "/downloads/dictionary/",
    ]
    failures = audit_pages(browser, live_server.url, urls, screenshots=SCREENSHOTS)
    failures |= audit_pages(
        browser,
        live_server.url,
        ["/incubator/", f"/incubator/?day={DAY.isoformat()}"],
        incubator_cookie,
        screenshots=SCREENSHOTS,
    )
    check(failures)
