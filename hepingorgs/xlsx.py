"""Workbooks written safely: sheets are row generators consumed by a write-only
workbook, and text that a spreadsheet would run as a formula stays text."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# Leading characters that make Excel or LibreOffice treat typed text as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet, value, bold=False):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def workbook_bytes(sheets):
    """``sheets``: iterable of (title, header row, iterable of rows). Returns xlsx bytes."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, str(h), bold=True) for h in header])
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
