"""A clerk on a phone, JavaScript off, imports a ledger: the check shows the errors, the
corrected file goes in with one click."""

from tests.conftest import follow
from tests.e2e.test_filing_browser import SCREENSHOTS, log_in, phone, pytestmark
from tests.registry.workbooks import group_row, xlsx

__all__ = ["pytestmark"]


def test_clerk_checks_then_imports_on_a_phone(
    live_server, clerk_qyc, qyc_community, tmp_path, browser
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    bad = tmp_path / "台账.xlsx"
    bad.write_bytes(
        xlsx([group_row("福明社区合唱团"), group_row("福明社区书画社", 成员人数="很多")])
    )
    good = tmp_path / "台账-改正.xlsx"
    good.write_bytes(xlsx([group_row("福明社区合唱团"), group_row("福明社区书画社")]))
    page = phone(browser)
    log_in(page, live_server.url, "clerk_qyc")
    page.goto(f"{live_server.url}/filings/")
    follow(page, "text=从 Excel 导入")
    page.set_input_files("input[type=file]", str(bad))
    follow(page, "button:has-text('检查文件')")
    assert page.locator("h2:has-text('错误')").is_visible()
    assert "很多 不是整数" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "import-errors-phone.png"), full_page=True)
    assert page.locator("button:has-text('立即导入')").count() == 0
    follow(page, "text=从 Excel 导入")
    page.set_input_files("input[type=file]", str(good))
    follow(page, "button:has-text('检查文件')")
    follow(page, "button:has-text('立即导入')")
    assert "导入完成：新建 2 条" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "import-done-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/filings/?q=福明社区书画社")
    assert "QYC-2016-0002" in page.content()
