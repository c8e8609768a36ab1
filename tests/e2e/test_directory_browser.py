"""The public directory in a real browser on a 375 px phone screen with JavaScript off:
search, open a profile, the community groups; nothing wider than the screen; the login
page's inputs are equally wide."""

import pytest

from registry import filings
from tests.conftest import follow, make_group, make_organization
from tests.e2e.test_filing_browser import SCREENSHOTS, phone

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.fixture
def public_data(quanyechang, qyc_community):
    org = make_organization(name="和平区养老服务中心", street=quanyechang, org_type="2")
    make_organization(name="和平区围棋协会", street=quanyechang)
    group = make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")
    filings.submit(group)
    filings.accept(group)
    return org


def test_visitor_searches_on_a_phone(live_server, public_data, browser):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    org = public_data
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone(browser)
    base = live_server.url

    page.goto(f"{base}/directory/")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    page.fill("input[name=q]", "养老")
    follow(page, "form[role=search] .searchrow button")
    assert "和平区养老服务中心" in page.inner_text("main")
    assert "和平区围棋协会" not in page.inner_text("main")
    assert fits(page)
    page.screenshot(path=SCREENSHOTS / "directory-phone.png", full_page=True)

    follow(page, "text=和平区养老服务中心")
    assert page.inner_text("h1") == "和平区养老服务中心"
    assert org.credit_code in page.inner_text("main")
    assert fits(page)
    page.screenshot(path=SCREENSHOTS / "profile-phone.png", full_page=True)

    page.goto(f"{base}/community-groups/?q=xyh")
    assert "福明社区夕阳红合唱团" in page.inner_text("main")
    assert fits(page)
    page.screenshot(path=SCREENSHOTS / "groups-phone.png", full_page=True)

    page.goto(f"{base}/downloads/dictionary/")
    page.screenshot(path=SCREENSHOTS / "dictionary-phone.png", full_page=True)
    assert fits(page)

    follow(page, "text=工作人员登录")
    widths = page.eval_on_selector_all(
        "form.login input:not([type=hidden])", "els => els.map(e => e.offsetWidth)"
    )
    assert len(widths) == 2 and widths[0] == widths[1]
    page.screenshot(path=SCREENSHOTS / "login-phone.png", full_page=True)
