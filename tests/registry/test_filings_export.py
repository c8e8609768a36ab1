"""The clerk's list as an Excel workbook: same scope and filters as the list, formulas
neutralized, a bounded number of queries."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from registry import filings
from tests.conftest import make_group


@pytest.fixture
def groups(quanyechang, qyc_community, xiaobailou, xbl_community):
    choir = make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")
    filings.submit(choir)
    filings.accept(choir)
    make_group(quanyechang, qyc_community, name='=HYPERLINK("http://x","点我")')
    make_group(xiaobailou, xbl_community, name="开封道社区舞蹈队")


def read(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet


def test_clerk_gets_own_street_only_with_filters(client, clerk_qyc, groups):
    client.force_login(clerk_qyc)
    rows, _sheet = read(client.get(reverse("filings:export")))
    assert rows[0][:3] == ["名称", "备案编号", "备案日期"]
    names = sorted(r[0] for r in rows[1:])
    assert names == sorted(["福明社区夕阳红合唱团", '=HYPERLINK("http://x","点我")'])
    rows, _sheet = read(client.get(reverse("filings:export"), {"status": "filed"}))
    assert [r[0] for r in rows[1:]] == ["福明社区夕阳红合唱团"]
    assert rows[1][1].startswith("QYC-") and rows[1][8] == "13800000000"


def test_text_that_looks_like_a_formula_stays_text(client, clerk_qyc, groups):
    client.force_login(clerk_qyc)
    _rows, sheet = read(client.get(reverse("filings:export"), {"status": "draft"}))
    cell = sheet.cell(row=2, column=1)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_filename_names_the_street(client, clerk_qyc, groups):
    client.force_login(clerk_qyc)
    disposition = client.get(reverse("filings:export"))["Content-Disposition"]
    assert disposition.startswith("attachment;") and "%E5%8A%9D" in disposition  # 劝


@pytest.mark.parametrize(
    "actor,expected", [("incubator_staff", 403), (None, 302), ("district_staff", 200)]
)
def test_who_may_export(client, request, groups, actor, expected):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("filings:export")).status_code == expected


def test_export_queries_do_not_grow_with_rows(client, district_staff, quanyechang, qyc_community):
    client.force_login(district_staff)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("filings:export"))
        return len(queries)

    make_group(quanyechang, qyc_community)
    small = count()
    for _ in range(20):
        make_group(quanyechang, qyc_community)
    assert count() == small
