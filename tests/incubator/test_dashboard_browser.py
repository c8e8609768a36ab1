"""The dashboard in a real browser (Debian's Chromium driven by Playwright): incubator
staff on a 375 px phone screen with JavaScript off, nothing wider than the screen."""

import pytest

from tests.e2e.test_filing_browser import CHROMIUM, SCREENSHOTS, log_in, phone
from tests.incubator.test_dashboard import DAY, build_centre

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def centre(db):
    return build_centre(extra=4)


def test_the_dashboard_on_a_phone(live_server, incubator_staff, centre, browser):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone(browser)
    log_in(page, live_server.url, "incubator")
    page.goto(f"{live_server.url}/incubator/?day={DAY.isoformat()}")
    content = page.content()
    assert "孵化中心" in content and "在孵组织" in content and "规划进度" in content
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "incubator-dashboard-phone.png"), full_page=True)
    # The details open without JavaScript.
    page.click("summary:has-text('全部空间')")
    assert page.is_visible("text=工位00")
    page.screenshot(path=str(SCREENSHOTS / "incubator-dashboard-spaces.png"), full_page=True)
