"""End to end in a real browser (Debian's Chromium driven by Playwright): a clerk on a
phone screen with JavaScript off files a group; district staff accept it."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import CHROMIUM, PASSWORD, follow

SCREENSHOTS = Path(settings.BASE_DIR) / ".var" / "screenshots"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def phone(browser):
    return browser.new_context(
        viewport={"width": 375, "height": 740},
        java_script_enabled=False,
        locale="zh-CN",
        is_mobile=True,
    ).new_page()


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    follow(page, "button[type=submit]")


def test_clerk_files_on_a_phone_and_staff_accept(
    live_server, clerk_qyc, district_staff, qyc_community, browser
):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone(browser)
    log_in(page, live_server.url, "clerk_qyc")
    assert "社区社会组织备案" in page.content()
    follow(page, "text=新建备案")
    page.fill("input[name=name]", "福明社区夕阳红合唱团")
    page.select_option("select[name=community]", str(qyc_community.pk))
    page.select_option("select[name=category]", label="文体娱乐类")
    page.check("input[name=service_targets][value=elderly]")
    page.fill("input[name=leader_name]", "赵桂芝")
    page.fill("input[name=leader_phone]", "139 1234 5678")
    page.fill("input[name=member_count]", "26")
    follow(page, "button:has-text('保存')")
    assert "草稿已保存" in page.content()
    follow(page, "button:has-text('提交审核')")
    assert "已提交区民政局审核" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "clerk-phone-submitted.png"), full_page=True)
    # Nothing overflows the phone's width (no sideways scrolling).
    page.goto(f"{live_server.url}/filings/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "clerk-phone-list.png"), full_page=True)

    staff = browser.new_page()
    log_in(staff, live_server.url, "district")
    staff.goto(f"{live_server.url}/filings/review/")
    assert "福明社区夕阳红合唱团" in staff.content()
    staff.screenshot(path=str(SCREENSHOTS / "staff-review.png"), full_page=True)
    follow(staff, "button:has-text('通过并备案')")
    assert "暂无待审核的备案" in staff.content()
    staff.goto(f"{live_server.url}/filings/?q=fmsq")
    follow(staff, "text=福明社区夕阳红合唱团")
    content = staff.content()
    assert "QYC-" in content and "已备案" in content
    staff.screenshot(path=str(SCREENSHOTS / "staff-filed.png"), full_page=True)
