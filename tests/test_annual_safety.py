"""Names that a spreadsheet would run as formulas stay text, and characters XML cannot
carry are removed rather than breaking the workbook."""

import datetime
import shutil
import subprocess

import pytest
from openpyxl import Workbook, load_workbook

from hepingorgs import annual
from hepingorgs.xlsx import Formula, StreamedSheet, clean_text
from registry import filings
from tests.conftest import make_group, make_organization

HYPERLINK = '=HYPERLINK("http://x","点击")协会'
CONTROL = "和平区\x07响铃\x1b转义\x1f分隔符协会"


@pytest.fixture
def hostile(quanyechang, qyc_community):
    make_organization(name=HYPERLINK, street=quanyechang, legal_representative="=1+1")
    make_organization(name=CONTROL, street=quanyechang, supervisory_unit="@SUM(A1)")
    group = make_group(quanyechang, qyc_community, name="-2+3合唱团\x0b")
    filings.submit(group)
    filings.accept(group, on=datetime.date(2016, 5, 1))


def test_hostile_names_are_text(hostile, tmp_path):
    path = tmp_path / "stats.xlsx"
    annual.write_workbook(2016, path)
    book = load_workbook(path)
    sheet = book["社会组织名录"]
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == {HYPERLINK, "和平区响铃转义分隔符协会"}
    link = cells[HYPERLINK]
    assert link[1].data_type == "s" and link[7].value == "=1+1" and link[7].data_type == "s"
    assert cells["和平区响铃转义分隔符协会"][6].value == "@SUM(A1)"
    group = next(book["社区社会组织名录"].iter_rows(min_row=2))
    assert group[1].value == "-2+3合唱团" and group[1].data_type == "s"
    # No formula anywhere but the writer's own totals.
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert cell.value.startswith("=SUM("), (ws.title, cell.coordinate)


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_hostile_workbook(hostile, tmp_path):
    path = tmp_path / "hostile.xlsx"
    annual.write_workbook(2016, path)
    result = subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "hostile.pdf").read_bytes().startswith(b"%PDF")


def test_streamed_sheet_formats_and_formulas(tmp_path):
    book = Workbook(write_only=True)
    sheet = StreamedSheet(book, "x" * 40, ["#,##0.00", None, "0.0%"], widths=[12, 30, 8])
    sheet.header(["金额", "名称", "比例"])
    sheet.rows([(1.5, "=1+2", 0.25), (None, "甲\x01", 1), (3, datetime.date(2016, 12, 31), 0)])
    sheet.row([Formula("=SUM(A2:A4)"), "合计", None], bold=True)
    sheet.autofilter()
    path = tmp_path / "x.xlsx"
    book.save(path)
    ws = load_workbook(path).worksheets[0]
    assert ws.title == "x" * 31
    assert ws["A2"].number_format == "#,##0.00" and ws["C2"].number_format == "0.0%"
    assert ws["B2"].value == "=1+2" and ws["B2"].data_type == "s"
    assert ws["B3"].value == "甲"
    assert ws["B4"].is_date
    assert ws["A5"].value == "=SUM(A2:A4)" and ws["A5"].data_type == "f"
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C5"
    assert ws.column_dimensions["B"].width == 30


def test_clean_text_keeps_tabs_and_newlines():
    assert clean_text("甲\t乙\n丙\x1f") == "甲\t乙\n丙"
