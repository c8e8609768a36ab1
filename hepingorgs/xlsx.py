"""Workbooks written safely: sheets are row generators consumed by a write-only
workbook, and text that a spreadsheet would run as a formula stays text.

- Text is cleaned of the control characters XML cannot carry (openpyxl would refuse the
  whole workbook for one of them) and, if it begins like a formula, stored as text.
- Only values wrapped in ``Formula`` are written as formulas: the writer's own totals.
- ``StreamedSheet`` writes any number of rows with bounded memory: bold header, frozen
  panes, column widths, number formats, dates as dates, an optional autofilter.
"""

import io
import itertools
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# Leading characters that make Excel or LibreOffice treat typed text as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Either of the above: one search per text cell on the fast path.
_UNSAFE_TEXT = re.compile(r"\A[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f]")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limits.
MAX_TITLE = 31
MAX_WIDTH = 60
# Rows read to size the columns of a streamed sheet.
WIDTH_SAMPLE = 200
BOLD = Font(bold=True)


class Formula(str):
    """A formula the writer itself composed (e.g. ``=SUM(B2:B7)``), never user text."""


def clean_text(value):
    """``value`` without the characters XML cannot carry."""
    return ILLEGAL_CHARACTERS.sub("", value)


def _cell(sheet, value, bold=False, number_format=None):
    text = isinstance(value, str) and not isinstance(value, Formula)
    if text:
        value = clean_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if text and value.startswith(FORMULA_START):
        cell.data_type = "s"
    if bold:
        cell.font = BOLD
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def display_width(value):
    """Column width in characters; a Chinese character takes two."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def sheet_title(title):
    return clean_text(str(title)).replace("/", "_")[:MAX_TITLE]


class StreamedSheet:
    """A write-only worksheet: ``header`` once, then ``row`` or ``rows`` as often as
    needed. ``formats`` gives each column's number format (None for text and dates)."""

    def __init__(self, book, title, formats=(), widths=None, freeze="A2"):
        self.sheet = book.create_sheet(title=sheet_title(title))
        self.formats = list(formats)
        self.rows_written = 0
        self.columns = 0
        if widths:
            self.set_widths(widths)
        if freeze:
            self.sheet.freeze_panes = freeze
        # One styled cell per formatted column, reused row after row: openpyxl writes a
        # cell as soon as the row is appended, so the next row may set it again.
        self._styled = [self._styled_cell(f) for f in self.formats]

    def _styled_cell(self, number_format):
        if not number_format:
            return None
        cell = WriteOnlyCell(self.sheet)
        cell.number_format = number_format
        return cell

    def set_widths(self, widths):
        """Only before the first row (write-only sheets write the columns first)."""
        for index, width in enumerate(widths, start=1):
            if width:
                self.sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH)

    def header(self, values):
        self.columns = max(self.columns, len(values))
        self.sheet.append([_cell(self.sheet, str(v), bold=True) for v in values])
        self.rows_written += 1

    def bold_row(self, values):
        self.columns = max(self.columns, len(values))
        self.sheet.append([_cell(self.sheet, v, bold=True) for v in values])
        self.rows_written += 1

    def row(self, values, formats=None, bold=False):
        """One row with its own formats (small tables, totals rows)."""
        formats = self.formats if formats is None else formats
        cells = []
        for index, value in enumerate(values):
            number_format = formats[index] if index < len(formats) else None
            cells.append(_cell(self.sheet, value, bold=bold, number_format=number_format))
        self.columns = max(self.columns, len(cells))
        self.sheet.append(cells)
        self.rows_written += 1

    def rows(self, rows, progress=None, every=10000):
        """Many rows, at close to the speed of appending bare values."""
        sheet, styled, unsafe = self.sheet, self._styled, _UNSAFE_TEXT.search
        width = len(styled)
        written = 0
        for values in rows:
            out = list(values)
            for index, value in enumerate(out):
                if value.__class__ is str:
                    if unsafe(value):
                        out[index] = _cell(sheet, value)
                elif value is not None and index < width and styled[index] is not None:
                    cell = styled[index]
                    cell.value = value
                    out[index] = cell
            sheet.append(out)
            written += 1
            if progress is not None and written % every == 0:
                progress(every)
        self.rows_written += written
        if progress is not None and written % every:
            progress(written % every)
        self.columns = max(self.columns, width)
        return written

    def autofilter(self):
        """Filter buttons on the header row over every row written."""
        if self.columns and self.rows_written:
            last = get_column_letter(self.columns)
            self.sheet.auto_filter.ref = f"A1:{last}{self.rows_written}"


def widths_from(header, rows, extra=2):
    """Column widths from the header and some rows (a few hundred at most)."""
    widths = [display_width(h) + extra for h in header]
    for row in rows:
        for index, value in enumerate(row):
            if index < len(widths):
                shown = value.isoformat() if hasattr(value, "isoformat") else value
                widths[index] = max(widths[index], display_width(shown) + extra)
    return [max(8, w) for w in widths]


def sample_widths(header, rows):
    """Widths from the header and the first rows of ``rows``; returns (widths, rows) with
    the rows read put back in front."""
    rows = iter(rows)
    first = list(itertools.islice(rows, WIDTH_SAMPLE))
    return widths_from(header, first), itertools.chain(first, rows)


def workbook_bytes(sheets):
    """``sheets``: iterable of (title, header row, iterable of rows). Returns xlsx bytes."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = StreamedSheet(book, title)
        sheet.header(header)
        sheet.rows(rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(sheet, row, column, value, bold=False):
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def template_bytes(title, header, sample, options):
    """An import template: the header, one sample row, and a drop-down list (Excel data
    validation) on each column of ``options`` (column index -> labels). The lists live on
    a hidden sheet, since a list typed into the validation itself is limited to 255
    characters."""
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for column, value in enumerate(header, start=1):
        _put(sheet, 1, column, str(value), bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = 18
    for column, value in enumerate(sample, start=1):
        _put(sheet, 2, column, value)
    sheet.freeze_panes = "A2"
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"
    for n, (index, labels) in enumerate(sorted(options.items()), start=1):
        letter = get_column_letter(n)
        for row, label in enumerate(labels, start=1):
            _put(lists, row, n, str(label))
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${max(len(labels), 1)}",
            allow_blank=True,
        )
        sheet.add_data_validation(validation)
        column = get_column_letter(index + 1)
        validation.add(f"{column}2:{column}1048576")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
