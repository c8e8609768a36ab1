"""The import's own xlsx reader (lxml) gives exactly what openpyxl's read-only parser
gives, on workbooks written by openpyxl and on hand-written sheet XML with every kind
of cell; and refuses a DTD in the parts it reads itself."""

import datetime
import io
import os
import pickle
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from hepingorgs import imports
from registry.imports import importer_for
from tests.registry.workbooks import group_row, xlsx

SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def openpyxl_rows(content):
    """What openpyxl's own streaming parser reads (the import's reader before lxml)."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = []
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            if not cells:
                continue
            values = [None] * cells[-1]["column"]
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            if any(v is not None and v != "" for v in values):
                rows.append((number, values))
    book.close()
    return rows


def formula_cells(content):
    """Coordinates of formula cells without a cached value, and of error cells."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    missing, errors = set(), set()
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        original = parser.parse_cell

        def parse_cell(element):
            cell = original(element)
            key = (parser.row_counter, cell["column"])
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                missing.add(key)
            elif cell["data_type"] == "e":
                errors.add(key)
            return cell

        parser.parse_cell = parse_cell
        for _row in parser.parse():
            pass
    book.close()
    return missing, errors


def our_rows(content):
    book = imports.open_workbook(content)
    try:
        return list(imports.sheet_rows(book.worksheets[0]))
    finally:
        book.close()


def assert_same(content):
    ours = our_rows(content)
    missing, errors = formula_cells(content)
    expected = openpyxl_rows(content)
    comparable = []
    for number, values in ours:
        row = []
        for column, value in enumerate(values, start=1):
            if value is imports.FORMULA_WITHOUT_VALUE:
                assert (number, column) in missing
                value = None
            elif isinstance(value, imports.CellError):
                assert (number, column) in errors
                value = value.code
            row.append(value)
        comparable.append((number, row))
    # openpyxl keeps a row whose only cell is a formula without a value as all-empty.
    assert comparable == [
        (n, v) for n, v in expected if n not in {r for r, _c in missing} or (n, v) in comparable
    ]
    assert [(n, [type(x) for x in v]) for n, v in comparable] == [
        (n, [type(x) for x in v]) for n, v in expected if (n, v) in comparable
    ]
    return ours


def with_sheet(xml, strings=None):
    """A workbook written by openpyxl (which writes text as inline strings) with its first
    sheet replaced, and a shared-string table added as Excel and WPS write one."""
    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["x"])
    book.active["B2"] = datetime.date(2016, 5, 1)  # a date style in styles.xml (s="1")
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == SHEET:
                data = xml
            elif item.filename == "[Content_Types].xml" and strings is not None:
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            target.writestr(item, data)
        if strings is not None:
            target.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def test_same_values_as_openpyxl_for_workbooks_it_writes():
    rows = [
        group_row(f"第{n}队", number=f"QYC-2016-{n:04d}", 成员人数=n, 备案日期=n * 1000.5)
        for n in range(1, 40)
    ]
    rows.append(["  ＡＢＣ１２３\n 队", None, "", True, False, 0, -1.25, 1e20, "=not a formula"])
    rows.append([datetime.datetime(2016, 5, 1, 8, 30), datetime.date(1900, 1, 1)])
    content = xlsx(rows, above=[["和平区社区社会组织备案台账"], [], [None, "截至2016年底"]])
    ours = assert_same(content)
    assert ours[0] == (1, ["和平区社区社会组织备案台账"])
    assert ours[-1][1][0] == datetime.datetime(2016, 5, 1, 8, 30)

    book = Workbook(write_only=True)  # no <dimension> record, like the benchmark's file
    sheet = book.create_sheet("台账")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(assert_same(buffer.getvalue())) == len(rows)


KINDS_OF_STRINGS = f"""<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="{NS}" count="4" uniqueCount="4">
<si><t>plain</t></si>
<si><r><rPr><b/></rPr><t>福明</t></r><r><t xml:space="preserve"> 社区 </t></r></si>
<si><t>合唱</t><rPh sb="0" eb="1"><t>ガッショウ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>a_x005F_x000D_b</t></si>
<si><t/></si>
</sst>"""
KINDS_OF_CELLS = f"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="{NS}"><dimension ref="A1:H9"/><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c>
  <c r="E1" t="s"><v>3</v></c><c r="F1" t="s"><v>4</v></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>inline</t></is></c>
  <c r="B2" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>
  <c r="C2" t="str"><f>A1&amp;"x"</f><v>plainx</v></c><c r="D2" t="str"><f>A1</f></c>
  <c r="E2"><f>1+1</f><v></v></c><c r="F2" t="e"><v>#DIV/0!</v></c>
  <c r="G2" t="e"><f>NA()</f><v>#N/A</v></c><c r="H2" t="b"><v>1</v></c></row>
<row><c t="n"><v>42</v></c><c><v>4.5</v></c><c><v>1E3</v></c><c s="1"><v>42491</v></c>
  <c s="1"><v>42491.75</v></c><c s="1"><v>0.5</v></c><c t="d"><v>2016-05-01T08:00:00</v></c></row>
<row r="5" spans="1:3" ht="20" customHeight="1"><c r="B5"/><c r="C5" t="s"/></row>
<row r="6"><c r="A6"><v>1</v></c><!-- a comment --><c r="AB6" t="b"><v>0</v></c></row>
<row r="7.0"><c r="A7" s="1"><v>9999999</v></c></row>
<row r="9"><c r="A9" t="inlineStr"><is><t xml:space="preserve">  </t></is></c></row>
</sheetData></worksheet>"""


@pytest.mark.filterwarnings("ignore:Cell A7 is marked as a date")
def test_same_values_as_openpyxl_for_every_kind_of_cell():
    content = with_sheet(KINDS_OF_CELLS, KINDS_OF_STRINGS)
    ours = assert_same(content)
    values = dict(ours)
    assert values[1][:6] == ["plain", None, "福明 社区 ", "合唱", "a_x000D_b", ""]
    assert values[2][3] is imports.FORMULA_WITHOUT_VALUE
    assert values[2][4] is imports.FORMULA_WITHOUT_VALUE
    assert values[2][5].code == "#DIV/0!" and values[2][6].code == "#N/A"
    assert values[3][:3] == [42, 4.5, 1000.0]
    assert values[3][3] == datetime.datetime(2016, 5, 1)
    assert isinstance(values[7][0], imports.CellError)  # a date beyond the calendar
    assert 5 not in values  # a row of empty cells
    assert values[9] == ["  "]


def test_a_sheet_with_a_dimension_is_sized_from_its_head():
    content = xlsx([group_row()])
    book = imports.open_workbook(content)
    assert book.worksheets[0].max_row == 2
    book.close()


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["sheet", "strings"])
def test_a_dtd_in_a_part_read_by_lxml_is_refused(district_staff, part):
    dtd = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    sheet = f"""<?xml version="1.0"?>{dtd if part == "sheet" else ""}<worksheet xmlns="{NS}">
<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"""
    strings = f"""<?xml version="1.0"?>{dtd if part == "strings" else ""}<sst xmlns="{NS}">
<si><t>&amp;b;</t></si></sst>"""
    report = importer_for("community-groups", district_staff).run(
        with_sheet(sheet, strings), commit=True
    )
    assert report.refused == "该工作簿包含不安全的 XML 内容，未予读取。"


def in_two(content, monkeypatch):
    """(the cut, the rows) of the first sheet parsed in two processes, however small."""
    monkeypatch.setattr(imports, "PARALLEL_PARSE_BYTES", 1)
    book = imports.open_workbook(content)
    try:
        sheet = book.worksheets[0]
        split = imports._split_point(sheet)
        return split, list(imports._rows_in_two(sheet, split)) if split else None
    finally:
        book.close()


def ledger(count=60):
    rows = [group_row(f"第{n}队", number=f"QYC-2016-{n:04d}", 成员人数=n) for n in range(count)]
    return xlsx(rows, above=[["和平区社区社会组织备案台账"]])


def test_a_sheet_parsed_in_two_processes_gives_the_rows_of_one(monkeypatch):
    book = Workbook(write_only=True)  # inline strings and no <dimension>, like the bench
    sheet = book.create_sheet("台账")
    for n in range(60):
        sheet.append([f"第{n}队", n, datetime.date(2016, 5, 1 + n % 28), None, True, 1.5])
    buffer = io.BytesIO()
    book.save(buffer)
    for content in (ledger(), buffer.getvalue()):
        split, rows = in_two(content, monkeypatch)
        assert split is not None and rows == our_rows(content)
    # The cut is at the start of a row near the middle of the sheet's XML.
    book = imports.open_workbook(ledger())
    with book.worksheets[0]._get_source() as source:
        xml = source.read()
    book.close()
    _head, prefix, offset = in_two(ledger(), monkeypatch)[0]
    assert prefix == b"" and xml[offset:].startswith(b"<row r=")
    assert abs(offset - len(xml) / 2) < len(xml) / 20


def test_a_sheet_with_prefixed_tags_is_cut_too(monkeypatch):
    rows = "".join(
        f'<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>第{n}队</x:t></x:is></x:c>'
        f'<x:c r="B{n}"><x:v>{n}</x:v></x:c></x:row>'
        for n in range(1, 80)
    )
    xml = f'<?xml version="1.0"?><x:worksheet xmlns:x="{NS}"><x:sheetData>{rows}'
    content = with_sheet((xml + "</x:sheetData></x:worksheet>").encode())
    split, parsed = in_two(content, monkeypatch)
    assert split[1] == b"x:" and parsed == our_rows(content)
    assert parsed[-1] == (79, ["第79队", 79])


def test_no_cut_before_a_row_without_its_number(monkeypatch):
    rows = "".join(f"<row><c><v>{n}</v></c></row>" for n in range(1, 80))
    xml = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'
    content = with_sheet(xml.encode())
    assert in_two(content, monkeypatch) == (None, None)
    assert our_rows(content)[-1] == (79, [79])


def test_a_cut_inside_a_comment_or_a_dead_child_still_gives_every_row(monkeypatch):
    rows = [f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 81)]
    rows[40] = "<!-- " + '<row r="0"> ' * 40 + " -->" + rows[40]  # the middle is a comment
    xml = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>{"".join(rows)}'
    content = with_sheet((xml + "</sheetData></worksheet>").encode())
    split, parsed = in_two(content, monkeypatch)
    assert split is not None and parsed == our_rows(content) and len(parsed) == 80

    def dies_after_one_block(self, sender):
        rows = imports.sheet_rows(self.sheet, self.open_source)
        sender.send_bytes(pickle.dumps([next(rows), next(rows)]))
        os._exit(1)

    monkeypatch.setattr(imports._SecondPart, "work", dies_after_one_block)
    split, parsed = in_two(ledger(), monkeypatch)
    assert parsed == our_rows(ledger())
