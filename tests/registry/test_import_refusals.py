"""Files that cannot be imported are refused with one clear message and nothing written."""

import io
import zipfile

import openpyxl.xml
import pytest
from openpyxl import Workbook

from hepingorgs import imports
from registry.imports import importer_for
from registry.models import CommunityGroup
from tests.registry.workbooks import group_row, xlsx

pytestmark = pytest.mark.django_db


def refusal(user, content, commit=True):
    before = CommunityGroup.objects.count()
    report = importer_for("community-groups", user).run(content, commit=commit)
    assert not report.committed and report.refused
    assert CommunityGroup.objects.count() == before
    return report.refused


def test_defusedxml_is_installed_so_openpyxl_uses_it():
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_renamed_csv_is_refused(district_staff):
    content = "名称,所属街道\n福明社区合唱团,劝业场街道\n".encode()
    assert "不是Excel工作簿" in refusal(district_staff, content)


def test_an_image_is_refused(district_staff):
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    assert "不是Excel工作簿" in refusal(district_staff, content)


def test_a_zip_that_is_not_a_workbook_is_refused(district_staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "无法读取" in refusal(district_staff, buffer.getvalue())


def test_a_password_protected_workbook_is_refused(district_staff):
    # Excel stores an encrypted workbook as an OLE compound file with these two streams.
    content = (
        imports.OLE_MAGIC
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 50
        + "EncryptedPackage".encode("utf-16-le")
    )
    assert "密码" in refusal(district_staff, content)


def test_an_old_xls_file_is_refused(district_staff):
    content = imports.OLE_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le")
    assert ".xls" in refusal(district_staff, content)


def test_an_empty_sheet_is_refused(district_staff):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert "空" in refusal(district_staff, buffer.getvalue())


def test_a_header_without_data_rows_is_refused(district_staff, qyc_community):
    assert "没有数据" in refusal(district_staff, xlsx([]))


def test_a_header_that_matches_no_expected_column_is_refused(district_staff):
    content = xlsx([["a", "b"]], header=["编号", "金额"])
    message = refusal(district_staff, content)
    assert "表头" in message and "名称" in message


def test_missing_required_columns_are_named(district_staff):
    content = xlsx([["福明社区合唱团"]], header=["名称"])
    assert "所属社区" in refusal(district_staff, content)


def test_more_than_the_row_limit_is_refused(district_staff, qyc_community, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    content = xlsx([group_row(f"第{n}队") for n in range(4)])
    assert "行" in refusal(district_staff, content)
    # A workbook whose dimension already says so is refused before reading any row.
    book = Workbook()
    book.active.append(["名称", "所属社区"])
    book.active["A10"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    assert "行" in refusal(district_staff, buffer.getvalue())


def test_a_file_over_20_mb_is_refused(district_staff):
    content = imports.ZIP_MAGIC + b"\x00" * (20 * 1024 * 1024)
    assert "20 MB" in refusal(district_staff, content)


def test_an_xml_bomb_is_refused_not_expanded(district_staff):
    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["名称"])
    book.save(buffer)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
        target.writestr("xl/worksheets/sheet1.xml", bomb)
    content = out.getvalue()
    message = refusal(district_staff, content)
    assert "不安全" in message or "无法读取" in message
