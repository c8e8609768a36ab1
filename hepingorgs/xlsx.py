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
