"""The annual workbook page: district staff choose a year and download the file;
everyone else is refused (anonymous to the login page, other roles 403)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import make_organization

URL = "/annual-stats/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "actor,expected",
    [
        (None, 302),
        ("clerk_qyc", 403),
        ("clerk_xbl", 403),
        ("incubator_staff", 403),
        ("district_staff", 200),
        ("superuser", 200),
    ],
)
def test_who_may_download(client, request, actor, expected):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    for query in ({}, {"year": 2016}):
        response = client.get(URL, query)
        assert response.status_code == expected, (actor, query)
        if expected == 302:
            assert response["Location"].startswith(reverse("login"))


def test_staff_choose_a_year_and_get_the_workbook(client, district_staff, quanyechang):
    make_organization(name="和平区下载测试协会", street=quanyechang)
    client.force_login(district_staff)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'name="year"' in page.content.decode() and "年度统计报表" in page.content.decode()
    response = client.get(URL, {"year": 2016})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="annual-stats-2016.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[0] == "总表"
    names = [row[1] for row in book["社会组织名录"].iter_rows(min_row=2, values_only=True)]
    assert names == ["和平区下载测试协会"]


@pytest.mark.parametrize("year", ["abc", "1800", "2999", "99999999999999999999"])
def test_a_bad_year_is_a_message(client, district_staff, year):
    client.force_login(district_staff)
    response = client.get(URL, {"year": year})
    assert response.status_code == 400
    assert "年份：" in response.content.decode()


def test_page_query_count_is_pinned(client, district_staff, django_assert_num_queries):
    client.force_login(district_staff)
    client.get(URL)
    # session, user, the user's groups (the role check)
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200


def test_admin_index_links_the_page_for_district_staff_only(
    client, district_staff, incubator_staff
):
    client.force_login(district_staff)
    assert URL in client.get("/admin/").content.decode()
    client.force_login(incubator_staff)
    assert URL not in client.get("/admin/").content.decode()
