"""The 2016 workbook of the demo district, written by ``export_annual_stats`` and read
back with openpyxl: the bureau report's figures, the sheets in order, Excel-native
formatting, and a file LibreOffice opens.

The incubator's and the venture projects' figures (24 in-shell, 100 out-of-shell, 32
introduced, 116 projects) are checked when those apps' ``stats`` modules are installed
(after the merge they are); until then the workbook must show zeros in their rows and
their sheets with headers only, and this module checks that instead.
"""

import datetime
import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from hepingorgs import annual, figures

# In a transaction like every database test, so that pytest-django runs these before
# the transactional (end-to-end) tests, which leave the database flushed.
pytestmark = pytest.mark.django_db

ISSUE_LABELS = [
    "登记社会组织总数",
    "社会团体",
    "民办非企业单位",
    "基金会",
    "当年新登记",
    "当年注销",
    "备案社区社会组织",
    "每万人拥有社会组织数",
    "党组织应建数",
    "党组织已建数",
    "党组织覆盖率",
    "从业人员总数",
    "本科以上学历人数",
    "营业收入(元)",
    "纳税额(元)",
    "年检合格",
    "年检基本合格",
    "年检不合格",
    "评估等级3A以上",
    "列入活动异常名录",
    "孵化中心入驻组织",
    "壳外指导组织",
    "当年引进孵化组织",
    "公益创投项目数",
    "公益创投资助金额(元)",
    "政府购买服务金额(元)",
]
SHEETS = [
    "总表",
    "按街道",
    "按领域",
    "孵化中心",
    "公益创投",
    "社区社会组织",
    "社会组织名录",
    "社区社会组织名录",
    "公益创投项目",
]

COMMAND_OUTPUT = []


def installed_stats(label):
    return any(config.label == label for config, _module in figures.stats_modules())


@pytest.fixture(scope="module")
def workbook_path(demo_district, django_db_blocker, tmp_path_factory):
    """The demo district's 2016 workbook, written once by the command."""
    path = tmp_path_factory.mktemp("annual") / "stats-2016.xlsx"
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("export_annual_stats", year=2016, output=str(path), stdout=out)
        COMMAND_OUTPUT.append(out.getvalue())
    return path


@pytest.fixture(scope="module")
def book(workbook_path):
    return load_workbook(workbook_path)


def summary(book):
    rows = list(book["总表"].iter_rows(min_row=2))
    return [row[0].value for row in rows], {row[0].value: row[1] for row in rows}


def test_the_command_reports_the_detail_rows_it_wrote(workbook_path, book):
    written = sum(book[title].max_row - 1 for title in SHEETS[6:])
    assert f"({written:,} detail rows)" in COMMAND_OUTPUT[-1]


def test_the_report_figures(book):
    labels, cells = summary(book)
    assert labels[: len(ISSUE_LABELS)] == ISSUE_LABELS
    value = {label: cell.value for label, cell in cells.items()}
    assert value["登记社会组织总数"] == 274
    assert value["社会团体"] == 77
    assert value["民办非企业单位"] == 197
    assert value["基金会"] == 0
    assert value["备案社区社会组织"] == 3232
    assert value["本科以上学历人数"] == 6783
    assert value["营业收入(元)"] == 600000000
    assert value["党组织覆盖率"] == 1
    assert value["党组织应建数"] == value["党组织已建数"] > 0
    assert 6_000_000 <= value["纳税额(元)"] < 7_000_000
    # (274 + 3,232) organizations for 355,800 residents: the report's "近百".
    assert value["每万人拥有社会组织数"] == pytest.approx(98.5)
    assert value["年检合格"] + value["年检基本合格"] + value["年检不合格"] == 274
    for label, cell in cells.items():
        assert cell.data_type == "n", label


def test_the_incubator_and_projects_figures(book):
    _labels, cells = summary(book)
    value = {label: cell.value for label, cell in cells.items()}
    if installed_stats("incubator"):
        assert value["孵化中心入驻组织"] == 24
        assert value["壳外指导组织"] == 100
        assert value["当年引进孵化组织"] == 32
    else:
        assert value["孵化中心入驻组织"] == value["壳外指导组织"] == 0
        assert value["当年引进孵化组织"] == 0
        assert [c.value for c in next(book["孵化中心"].iter_rows(min_row=2, max_row=2))][:2] == [
            "项目",
            "组织数",
        ]
    if installed_stats("projects"):
        assert value["公益创投项目数"] == 116
        assert value["公益创投资助金额(元)"] > 0
    else:
        assert value["公益创投项目数"] == value["公益创投资助金额(元)"] == 0
        assert book["公益创投项目"].max_row == 1  # the header only


def test_sheets_in_order_with_excel_formats(book):
    assert book.sheetnames == SHEETS
    _labels, cells = summary(book)
    assert cells["营业收入(元)"].number_format == "#,##0.00"
    assert cells["党组织覆盖率"].number_format == "0.0%"
    assert cells["每万人拥有社会组织数"].number_format == "0.0"
    assert cells["登记社会组织总数"].number_format == "#,##0"
    assert book["总表"]["A1"].font.b
    assert book["总表"].freeze_panes == "A2"
    assert book.properties.title == "和平区社会组织年度统计报表（2016年）"
    assert book.properties.subject == "2016"
    assert book.properties.created.year >= 2026  # generated now
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props["year"] == 2016 and props["generated_at"][:4].isdigit()


def test_detail_sheets(book):
    organizations = book["社会组织名录"]
    assert organizations.max_row == 1 + 274
    assert organizations.freeze_panes == "A2"
    assert organizations.auto_filter.ref == "A1:T275"
    header = [c.value for c in organizations[1]]
    assert header[:3] == ["统一社会信用代码", "名称", "组织类型"]
    assert all(c.font.b for c in organizations[1])
    first = organizations[2]
    assert isinstance(first[header.index("登记日期")].value, datetime.datetime)
    assert first[header.index("登记日期")].is_date
    revenue = first[header.index("营业收入(元)")]
    assert revenue.number_format == "#,##0.00"
    assert organizations.column_dimensions["B"].width >= 20
    total = sum(
        Decimal(str(row[header.index("营业收入(元)")].value or 0))
        for row in organizations.iter_rows(min_row=2)
    )
    assert total == 600000000

    groups = book["社区社会组织名录"]
    assert groups.max_row == 1 + 3232
    assert groups.auto_filter.ref.startswith("A1:")
    header = [c.value for c in groups[1]]
    assert "负责人" not in header and "负责人电话" not in header


def test_native_bar_chart_on_by_street(workbook_path):
    with zipfile.ZipFile(workbook_path) as archive:
        names = archive.namelist()
        charts = [n for n in names if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
        assert "<barChart>" in xml and "按街道" in xml
        sheet_rels = archive.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
        assert "drawing" in sheet_rels


def test_by_street_table(book):
    sheet = book["按街道"]
    header = [c.value for c in sheet[2]]
    assert header[:3] == ["街道", "登记社会组织", "备案社区社会组织"]
    assert "公益创投项目" in header and "公益创投资助金额(元)" in header
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    streets = [r for r in rows if r[0].endswith("街道")]
    assert len(streets) == 6
    assert sum(r[1] for r in streets) == 274
    assert sum(r[2] for r in streets) == 3232
    per_10k = header.index("每万人拥有社会组织数")
    assert all(r[per_10k] > 50 for r in streets)


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_it(workbook_path, tmp_path):
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = tmp_path / "stats-2016.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists() and pdf.stat().st_size > 10_000, result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_command_refuses_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="--year"):
        call_command("export_annual_stats", year=1800, output=str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_annual_stats", year=2016, output=str(tmp_path / "no" / "x.xlsx"))


def test_progress_bar_counts_to_the_end():
    from hepingorgs.management.commands.export_annual_stats import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.start(3506)
    bar.advance(3000)
    bar.advance(506)
    bar.finish()
    assert "100.0%" in stream.getvalue() and "3,506/3,506" in stream.getvalue()
    assert stream.getvalue().count("\r") == 3


def test_filename():
    assert annual.filename(2016) == "annual-stats-2016.xlsx"
