"""The public home page and /stats/ in Debian's Chromium on a 375 px phone screen with
JavaScript off: nothing wider than the screen, the search reaches the directory, a year
is chosen with the form."""

import datetime
from pathlib import Path

import pytest

from tests.conftest import follow, make_organization
from tests.e2e.test_filing_browser import CHROMIUM, SCREENSHOTS, phone
from tests.figures_queries import other_apps_charts

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def organization(quanyechang):
    return make_organization(registered_on=datetime.date(2015, 1, 1), street=quanyechang)


@pytest.fixture
def charts_2015(organization):
    # The registry's three charts plus those of the other installed apps; counted before
    # Playwright's loop starts (the ORM refuses to run inside it).
    return 3 + other_apps_charts(2015)


def test_home_and_figures_on_a_phone(live_server, organization, charts_2015, browser):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone(browser)
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang").lower() == "zh-hans"
    assert page.get_by_label("查找社会组织").is_visible()
    assert page_width(page) <= 375
    page.screenshot(path=SCREENSHOTS / "home-phone.png", full_page=True)

    follow(page, page.get_by_role("link", name="年度统计数据"))
    page.fill("input[name=year]", "2015")
    follow(page, page.get_by_role("button", name="查看"))
    assert "year=2015" in page.url
    assert page.get_by_role("heading", name="登记社会组织（按街道）").is_visible()
    assert page.locator("svg.chart").count() == charts_2015
    assert page_width(page) <= 375
    page.screenshot(path=SCREENSHOTS / "stats-phone.png", full_page=True)

    # The browser itself refuses a year below the input's minimum; typed into the
    # address bar, the server says why.
    page.fill("input[name=year]", "1800")
    page.get_by_role("button", name="查看").click()
    assert "year=2015" in page.url
    page.goto(f"{live_server.url}/stats/?year=1800")
    assert page.get_by_text("年份：登记数据从1990年开始。").is_visible()
