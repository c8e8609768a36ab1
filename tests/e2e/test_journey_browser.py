"""The whole journey of a filing in a real browser (Debian's Chromium driven by
Playwright, JavaScript on): a clerk logs in, files a new group and submits it; district
staff log in and accept it in the review queue; it appears in the public list of
community groups and in the API; staff download the annual statistics workbook and the
group is counted in it; a citizen on a phone searches the directory by pinyin initials
and opens an organization's profile.

Every step is screenshotted into ``.var/screenshots/journey/`` (printed at the start), and
the test fails on any browser console error, uncaught script error or answer of 400 or
more, checked after each step.
"""

import datetime
import io
import re
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import follow, make_organization
from tests.e2e.test_filing_browser import CHROMIUM, SCREENSHOTS, log_in

JOURNEY = SCREENSHOTS / "journey"
GROUP = "福明社区银发志愿服务队"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def watch(page):
    """Collects the page's console errors, uncaught exceptions and failed answers."""
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(f"console: {message.text}"),
    )
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and errors.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    return errors


class Steps:
    """Screenshot each step, then require that no page has reported an error so far."""

    def __init__(self):
        self.number = 0
        self.errors = []

    def watch(self, page):
        self.errors.append(watch(page))
        return page

    def done(self, page, name):
        self.number += 1
        page.screenshot(path=JOURNEY / f"{self.number:02d}-{name}.png", full_page=True)
        problems = [error for errors in self.errors for error in errors]
        assert not problems, f"browser errors up to step {self.number} ({name}): {problems}"


@pytest.fixture
def citizens_organization(quanyechang):
    # pinyin initials of the name: hpqylfwzx
    return make_organization(name="和平区养老服务中心", street=quanyechang, org_type="2")


@pytest.fixture
def last_year():
    return timezone.localdate().year - 1


def test_a_filing_from_the_clerk_to_the_public_and_the_workbook(
    live_server,
    clerk_qyc,
    district_staff,
    qyc_community,
    citizens_organization,
    last_year,
    browser,
):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    JOURNEY.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {JOURNEY}")
    base = live_server.url
    steps = Steps()

    # 1. The clerk of 劝业场 logs in, files a new group and submits it.
    clerk = steps.watch(browser.new_context(locale="zh-CN").new_page())
    log_in(clerk, base, "clerk_qyc")
    assert clerk.url == f"{base}/filings/"
    steps.done(clerk, "clerk-logged-in")
    follow(clerk, "text=新建备案")
    clerk.fill("input[name=name]", GROUP)
    clerk.select_option("select[name=community]", str(qyc_community.pk))
    clerk.select_option("select[name=category]", label="公益慈善类")
    clerk.check("input[name=service_targets][value=elderly]")
    clerk.fill("input[name=leader_name]", "刘淑珍")
    clerk.fill("input[name=leader_phone]", "13912345678")
    clerk.fill("input[name=member_count]", "18")
    steps.done(clerk, "clerk-form")
    follow(clerk, "button:has-text('保存')")
    assert "草稿已保存" in clerk.inner_text("main")
    follow(clerk, "button:has-text('提交审核')")
    assert "已提交区民政局审核" in clerk.inner_text("main")
    steps.done(clerk, "clerk-submitted")

    # 2. District staff accept it in the review queue. A group accepted today counts in
    # this year's workbook, which exists only after the year ends (the form offers years
    # up to last year); so the acceptance is dated 30 December of last year, the one
    # thing this test sets, and the workbook is that year's, downloaded afterwards.
    staff = steps.watch(browser.new_context(locale="zh-CN").new_page())
    log_in(staff, base, "district")
    staff.goto(f"{base}/filings/review/")
    row = staff.locator("tr", has_text=GROUP)
    assert row.count() == 1
    steps.done(staff, "staff-review-queue")
    accepted_on = datetime.date(last_year, 12, 30)
    real_localdate = timezone.localdate

    def localdate(value=None, timezone=None):
        return accepted_on if value is None else real_localdate(value, timezone)

    with mock.patch.object(timezone, "localdate", localdate):
        follow(staff, row.locator("button:has-text('通过并备案')"))
    message = staff.inner_text("main")
    number = re.search(r"QYC-\d{4}-\d{4}", message).group(0)
    assert number == f"QYC-{last_year}-0001"
    assert "暂无待审核的备案" in message
    steps.done(staff, "staff-accepted")

    # 3. Anyone finds it in the public list of community groups and in the API.
    visitor = steps.watch(browser.new_context(locale="zh-CN").new_page())
    visitor.goto(f"{base}/community-groups/")
    listed = visitor.locator("tbody tr", has_text=GROUP)
    assert listed.count() == 1
    assert number in listed.inner_text() and "已备案" in listed.inner_text()
    assert "刘淑珍" not in visitor.content() and "13912345678" not in visitor.content()
    steps.done(visitor, "public-groups")
    visitor.goto(f"{base}/api/v1/community-groups/")
    steps.done(visitor, "public-api")
    answer = visitor.request.get(f"{base}/api/v1/community-groups/?q={number}")
    assert answer.ok
    rows = answer.json()["results"]
    assert [(r["filing_number"], r["name"], r["status"]) for r in rows] == [
        (number, GROUP, "filed")
    ]
    assert rows[0]["filed_on"] == accepted_on.isoformat()
    assert "leader_name" not in rows[0] and "leader_phone" not in rows[0]

    # 4. Staff download the annual statistics workbook of that year.
    staff.goto(f"{base}/annual-stats/")
    staff.fill("input[name=year]", str(last_year))
    steps.done(staff, "staff-annual-workbook")
    with staff.expect_download() as download_info:
        staff.click("button:has-text('下载统计报表')")
    download = download_info.value
    assert download.suggested_filename == f"annual-stats-{last_year}.xlsx"
    content = Path(download.path()).read_bytes()
    assert content[:2] == b"PK"  # a zip container, as every xlsx
    book = load_workbook(io.BytesIO(content), read_only=True)
    summary = {
        row[0]: row[1]
        for row in book["总表"].iter_rows(min_row=2, values_only=True)
        if len(row) > 1 and row[0]
    }
    assert summary["备案社区社会组织"] == 1
    assert summary["登记社会组织总数"] == 1
    groups = list(book["社区社会组织名录"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in groups] == [(number, GROUP)]
    steps.done(staff, "staff-downloaded")

    # 5. A citizen on a phone searches the directory by pinyin initials and opens the
    # organization's profile.
    phone = steps.watch(
        browser.new_context(
            viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True, has_touch=True
        ).new_page()
    )
    phone.goto(f"{base}/directory/")
    phone.fill("input[name=q]", "ylfwzx")
    steps.done(phone, "citizen-search-typed")
    follow(phone, "form[role=search] .searchrow button")
    assert "q=ylfwzx" in phone.url
    assert phone.locator("tbody tr", has_text="和平区养老服务中心").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    steps.done(phone, "citizen-search-results")
    follow(phone, "text=和平区养老服务中心")
    assert phone.inner_text("h1") == "和平区养老服务中心"
    assert citizens_organization.credit_code in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    steps.done(phone, "citizen-profile")
