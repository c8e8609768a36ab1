"""The public list of venture projects in a real browser (Debian's Chromium): a visitor
on a phone screen with JavaScript off searches it; nothing overflows the screen."""

from pathlib import Path

import pytest

from projects import workflow
from tests.conftest import follow
from tests.e2e.test_filing_browser import CHROMIUM, SCREENSHOTS, phone
from tests.projects.conftest import advance, make_project, make_round

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def shown(xiaobailou):
    round_ = make_round()
    for title in ["爱洒回家路——预防老年人走失关爱项目", "社区四点半课堂项目"]:
        project = workflow.start_review(make_project(round_, streets=[xiaobailou], title=title))
        advance(project, "completed")


def test_a_visitor_searches_the_projects_on_a_phone(live_server, shown, browser):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone(browser)
    page.goto(f"{live_server.url}/projects/")
    assert "公益创投项目" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("input[name=q]", "爱洒")
    follow(page, "button[type=submit]")
    content = page.content()
    assert "爱洒回家路" in content and "四点半课堂" not in content
    assert "100,000.00" in content and "良好" in content
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "projects-phone.png"), full_page=True)
