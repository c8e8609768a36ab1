"""The annual statistics workbook (年度统计报表): every app's figures for a year
(``hepingorgs.figures.collect``) placed in one Excel file, streamed to disk.

Sheets, in the order the bureau reports them: ``总表`` (one official indicator a row,
plain numbers), ``按街道``, ``按领域``, ``孵化中心``, ``公益创投``, ``社区社会组织``, then
the detail sheets ``社会组织名录``, ``社区社会组织名录``, ``公益创投项目``. Every indicator
and sheet the bureau expects is there even when the app that gives it is not installed
(zeros, or a table with its header only). Breakdown sheets end each table with a totals
row of SUM formulas. Detail rows stream from server-side cursors into a write-only
workbook, so memory does not grow with the register.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.utils import get_column_letter

from hepingorgs.figures import COUNT, DECIMAL1, MONEY, RATE, Table, collect
from hepingorgs.xlsx import Formula, StreamedSheet, sample_widths, widths_from

# The 总表 indicators in the bureau's order (issue 9). An indicator no installed app
# gives is written as 0; indicators beyond these follow in the order the apps give them.
SUMMARY_LABELS = [
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
# Kinds of the indicators whose app may be missing (the zeros written in their place).
SUMMARY_KINDS = {
    "每万人拥有社会组织数": DECIMAL1,
    "党组织覆盖率": RATE,
    "营业收入(元)": MONEY,
    "纳税额(元)": MONEY,
    "公益创投资助金额(元)": MONEY,
    "政府购买服务金额(元)": MONEY,
}

SUMMARY = "总表"
BY_STREET = "按街道"
BY_FIELD = "按领域"
INCUBATOR = "孵化中心"
VENTURES = "公益创投"
COMMUNITY_GROUPS = "社区社会组织"
SHEET_ORDER = [BY_FIELD, INCUBATOR, VENTURES, COMMUNITY_GROUPS]
DETAIL_ORDER = ["社会组织名录", "社区社会组织名录", "公益创投项目"]
# 按街道 columns the projects app gives; present (zeros) without it.
STREET_REQUIRED = ["公益创投项目", "公益创投资助金额(元)"]
STREET_ORGANIZATIONS = "登记社会组织"

NUMBER_FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", RATE: "0.0%", DECIMAL1: "0.0"}
MONEY_SUFFIX = "(元)"
CHART_ANCHOR_GAP = 2


def _placeholder_tables():
    """Headers of the sheets whose app is not installed: the layout stays the same."""
    return {
        INCUBATOR: [
            Table(
                _("Incubation centre"),
                [_("Item"), _("Organizations")],
                [],
                [None, COUNT],
                totals=False,
            )
        ],
        VENTURES: [
            Table(
                _("Venture projects by field"),
                [_("Field"), _("Projects"), _("Awarded (yuan)"), _("Beneficiaries")],
                [],
                [None, COUNT, MONEY, COUNT],
                totals=False,
            )
        ],
    }


def _placeholder_detail_header(title):
    if title == "公益创投项目":
        return [
            _("Project"),
            _("Applicant"),
            _("Field"),
            _("Streets"),
            _("Awarded (yuan)"),
            _("Paid (yuan)"),
            _("Beneficiaries"),
            _("Status"),
        ]
    return [_("Name")]


def _format(kind):
    return NUMBER_FORMATS.get(kind)


# ---------------------------------------------------------------------------------------
# Merging the apps' parts
# ---------------------------------------------------------------------------------------


class Merged:
    """Every app's figures for one year, merged into the workbook's layout."""

    def __init__(self, year, parts):
        self.year = year
        self.summary = {}
        self.street_rows = {}
        self.street_columns = []
        self.sheets = {}
        self.details = {}
        self.charts = []
        for _label, figures in parts:
            for indicator in figures.summary:
                self.summary.setdefault(indicator.label, indicator)
            for street, columns in figures.by_street.items():
                row = self.street_rows.setdefault(street, {})
                for column, value in columns.items():
                    if column not in self.street_columns:
                        self.street_columns.append(column)
                    row[column] = value
            for title, tables in figures.sheets.items():
                self.sheets.setdefault(title, []).extend(tables)
            for detail in figures.details:
                self.details.setdefault(detail.title, detail)
            self.charts.extend(figures.charts)
        for column in STREET_REQUIRED:
            if column not in self.street_columns:
                self.street_columns.append(column)

    def summary_rows(self):
        """(label, value, kind) in the bureau's order, then any further indicators."""
        rows = []
        for label in SUMMARY_LABELS:
            indicator = self.summary.get(label)
            if indicator is None:
                kind = SUMMARY_KINDS.get(label, COUNT)
                rows.append((label, Decimal("0.00") if kind == MONEY else 0, kind))
            else:
                rows.append((label, indicator.value, indicator.kind))
        for label, indicator in self.summary.items():
            if label not in SUMMARY_LABELS:
                rows.append((label, indicator.value, indicator.kind))
        return rows

    def street_kind(self, column):
        if column.endswith(MONEY_SUFFIX):
            return MONEY
        values = [row.get(column) for row in self.street_rows.values()]
        if any(isinstance(v, (Decimal, float)) for v in values):
            return DECIMAL1
        return COUNT

    def street_table(self):
        kinds = [None] + [self.street_kind(c) for c in self.street_columns]
        rows = []
        for street, columns in self.street_rows.items():
            row = [street]
            for column, kind in zip(self.street_columns, kinds[1:], strict=True):
                value = columns.get(column)
                if value is None and column in STREET_REQUIRED:
                    value = Decimal("0.00") if kind == MONEY else 0
                row.append(value)
            rows.append(row)
        return Table(
            _("Figures by street"),
            [_("Street"), *self.street_columns],
            rows,
            kinds,
        )

    def ordered_sheets(self):
        sheets = {**_placeholder_tables(), **self.sheets}
        titles = list(SHEET_ORDER) + [t for t in sheets if t not in SHEET_ORDER]
        return [(t, sheets.get(t, [])) for t in titles]

    def ordered_details(self):
        titles = DETAIL_ORDER + [t for t in self.details if t not in DETAIL_ORDER]
        return [(t, self.details.get(t)) for t in titles]

    def detail_rows_expected(self):
        return sum(d.count for d in self.details.values())


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def _write_summary(book, merged):
    rows = merged.summary_rows()
    header = [_("Indicator"), _("Value")]
    sheet = StreamedSheet(
        book, SUMMARY, widths=widths_from(header, [(label, value) for label, value, _k in rows])
    )
    sheet.header(header)
    for label, value, kind in rows:
        sheet.row([label, value], [None, _format(kind)])
    return sheet


def _table_widths(tables):
    """From the headers and rows; a table's title spans the row and widens nothing."""
    columns = max(len(t.header) for t in tables)
    return widths_from(
        [""] * columns, [t.header for t in tables] + [r for t in tables for r in t.rows]
    )


def _write_table(sheet, table):
    """Title, header, rows and a totals row of SUM formulas; returns the rows' span."""
    formats = [_format(kind) for kind in table.kinds]
    sheet.bold_row([table.title])
    sheet.header(table.header)
    first = sheet.rows_written + 1
    for row in table.rows:
        sheet.row(row, formats)
    last = sheet.rows_written
    if table.totals:
        totals = [_("Total")]
        for index, kind in enumerate(table.kinds[1:], start=2):
            if kind in (COUNT, MONEY) and table.rows:
                column = get_column_letter(index)
                totals.append(Formula(f"=SUM({column}{first}:{column}{last})"))
            elif kind in (COUNT, MONEY):
                totals.append(0)
            else:
                totals.append(None)
        sheet.row(totals, formats, bold=True)
    sheet.bold_row([])
    return first, last


def _write_tables(book, title, tables):
    sheet = StreamedSheet(book, title, widths=_table_widths(tables) if tables else None, freeze="")
    spans = [_write_table(sheet, table) for table in tables]
    return sheet, spans


def _write_by_street(book, merged):
    table = merged.street_table()
    sheet, spans = _write_tables(book, BY_STREET, [table])
    first, last = spans[0]
    if STREET_ORGANIZATIONS in merged.street_columns and last >= first:
        column = merged.street_columns.index(STREET_ORGANIZATIONS) + 2
        chart = BarChart()
        chart.type = "col"
        chart.title = _("Registered organizations by street")
        chart.y_axis.title = _("Organizations")
        chart.legend = None
        chart.add_data(
            Reference(sheet.sheet, min_col=column, min_row=first - 1, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(Reference(sheet.sheet, min_col=1, min_row=first, max_row=last))
        chart.width, chart.height = 18, 9
        anchor = get_column_letter(len(table.header) + CHART_ANCHOR_GAP)
        sheet.sheet.add_chart(chart, f"{anchor}2")
    return sheet


def _write_detail(book, title, detail, progress):
    if detail is None:
        header = _placeholder_detail_header(title)
        sheet = StreamedSheet(book, title, widths=widths_from(header, []))
        sheet.header(header)
        sheet.autofilter()
        return sheet
    widths, rows = sample_widths(detail.header, detail.rows)
    # Whole numbers read well in the General format; a styled cell costs openpyxl a
    # style lookup, which on millions of rows is most of the writer's overhead.
    formats = [None if kind == COUNT else _format(kind) for kind in detail.kinds]
    sheet = StreamedSheet(book, title, formats, widths=widths)
    sheet.header(detail.header)
    sheet.rows(rows, progress=progress)
    sheet.autofilter()
    return sheet


def _properties(book, year, generated_at):
    props = book.properties
    props.title = _("%(district)s annual statistics of social organizations, %(year)s") % {
        "district": settings.DISTRICT_NAME,
        "year": year,
    }
    props.subject = str(year)
    props.keywords = f"{year}"
    props.creator = settings.REGISTRATION_AUTHORITY
    props.description = _("Figures as of 31 December %(year)s, generated at %(at)s.") % {
        "year": year,
        "at": timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M"),
    }
    # openpyxl writes these as UTC.
    props.created = props.modified = generated_at.astimezone(datetime.UTC).replace(tzinfo=None)
    book.custom_doc_props.append(IntProperty(name="year", value=year))
    book.custom_doc_props.append(
        StringProperty(name="generated_at", value=timezone.localtime(generated_at).isoformat())
    )


def write_workbook(year, path, progress=None, on_start=None):
    """Write the ``year`` workbook to ``path`` (a file on disk). ``on_start(total)`` is
    told how many detail rows to expect, ``progress(n)`` each time n more are written.
    Returns the merged figures."""
    with translation.override(settings.LANGUAGE_CODE):
        merged = Merged(year, collect(year))
        if on_start is not None:
            on_start(merged.detail_rows_expected())
        book = Workbook(write_only=True)
        _properties(book, year, timezone.now())
        _write_summary(book, merged)
        _write_by_street(book, merged)
        for title, tables in merged.ordered_sheets():
            _write_tables(book, title, tables)
        for title, detail in merged.ordered_details():
            _write_detail(book, title, detail, progress)
        book.save(path)
    return merged


def filename(year):
    return f"annual-stats-{year}.xlsx"
