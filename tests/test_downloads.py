"""/downloads/: every public API resource as CSV (UTF-8 with BOM) and JSON, streamed,
with a data dictionary; the same public fields as the API."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Organization
from tests.conftest import make_organization

pytest_plugins = ["tests.registry.directory_data"]


def body(response):
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


def test_index_links_every_registered_resource(client):
    html = client.get("/downloads/").content.decode()
    for name in ("organizations", "community-groups", "projects"):
        assert f"/downloads/{name}.csv" in html and f"/downloads/{name}.json" in html
    assert "/downloads/dictionary/" in html and "/api/docs/" in html


def test_organizations_csv_opens_with_the_right_characters(client, orgs):
    response = client.get("/downloads/organizations.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 4
    by_name = {row["name"]: row for row in rows}
    elder = by_name["和平区养老服务中心"]
    assert elder["uscc"] == orgs["elder"].credit_code
    assert elder["street"] == "劝业场街道"
    assert elder["org_type_label"] == "民办非企业单位（社会服务机构）"
    assert by_name["和平区慈善协会"]["credit_status"] == "abnormal"
    assert "022-23456789" not in raw.decode("utf-8-sig")
    # The columns are the API's fields, in the API's order.
    api_row = client.get("/api/v1/organizations/").json()["results"][0]
    assert list(rows[0]) == list(api_row)


def test_groups_json_is_the_public_rows(client, groups):
    rows = json.loads(body(client.get("/downloads/community-groups.json")).decode())
    assert sorted(row["name"] for row in rows) == ["开封道社区邻里互助会", "福明社区夕阳红合唱团"]
    assert set(rows[0]) == set(client.get("/api/v1/community-groups/").json()["results"][0])
    text = json.dumps(rows, ensure_ascii=False)
    assert "赵桂芝" not in text and "13912345678" not in text


def test_formula_like_text_stays_text(client, orgs):
    Organization.objects.filter(pk=orgs["go"].pk).update(business_scope="=HYPERLINK(1)")
    raw = body(client.get("/downloads/organizations.csv")).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in raw


def test_unknown_resource_or_format_is_404(client):
    assert client.get("/downloads/people.csv").status_code == 404
    assert client.get("/downloads/organizations.xml").status_code == 404


def test_data_dictionary_lists_each_field_in_chinese(client):
    html = client.get("/downloads/dictionary/").content.decode()
    assert "<code>uscc</code>" in html and "统一社会信用代码" in html
    assert "<code>filing_number</code>" in html and "备案编号" in html
    assert "日期，YYYY-MM-DD" in html and "代码：" in html
    assert "serious = 严重违法失信名单" in html
    assert "<code>applicant_credit_code</code>" in html and "申请方统一社会信用代码" in html


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_download_queries_do_not_grow_with_rows(client, orgs, fmt):
    def count():
        with CaptureQueriesContext(connection) as queries:
            body(client.get(f"/downloads/organizations.{fmt}"))
        return len(queries)

    small = count()
    for n in range(40):
        make_organization(name=f"和平区下载测试协会{n}")
    assert count() == small
