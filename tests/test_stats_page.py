"""The public /stats/ page: headline figures of a chosen year and SVG bar charts drawn on
the server, with the figures also as tables; a bad year is a clear message, never a
server error."""

import datetime
import re

import pytest

from registry import filings
from registry.models import FilingCategory
from tests.conftest import make_group, make_organization
from tests.figures_queries import other_apps_charts, other_apps_queries


@pytest.fixture
def district(quanyechang, xiaobailou, qyc_community):
    make_organization(registered_on=datetime.date(2014, 1, 1), street=quanyechang)
    make_organization(registered_on=datetime.date(2016, 5, 1), street=xiaobailou)
    make_organization(registered_on=datetime.date(2017, 5, 1), street=xiaobailou)
    group = make_group(quanyechang, qyc_community, name="福明社区<b>合唱团</b>")
    filings.submit(group)
    filings.accept(group, on=datetime.date(2016, 3, 1))


def test_the_figures_of_a_year(client, district):
    response = client.get("/stats/", {"year": 2016})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<html lang="zh-hans"', html, re.I)
    assert "<script" not in html
    assert "<dt>登记社会组织总数</dt><dd>2</dd>" in html
    assert "<dt>备案社区社会组织</dt><dd>1</dd>" in html
    # The registry's three charts, plus one per chart of the other installed apps.
    assert html.count("<svg") == 3 + other_apps_charts(2016)
    for title in ("登记社会组织（按类型）", "登记社会组织（按街道）", "备案社区社会组织（按类别）"):
        assert f">{title}</title>" in html, title
        assert f"{title}</h2>" in html, title
    assert 'role="img"' in html and "<desc id=" in html
    # The same figures as a table.
    assert '<th scope="row">劝业场街道</th><td>1</td>' in html
    assert '<th scope="row">小白楼街道</th><td>1</td>' in html
    assert f'<th scope="row">{FilingCategory.objects.get(code="culture_sports").name}</th>' in html
    assert "合唱团" not in html  # aggregates only, no names


def test_the_next_year_counts_the_later_registration(client, district):
    html = client.get("/stats/", {"year": 2017}).content.decode()
    # 2017 is not complete while the running year is later than 2018; figures still shown.
    assert "<dt>登记社会组织总数</dt><dd>3</dd>" in html


def test_default_year_is_the_latest_complete_one(client, district):
    response = client.get("/stats/")
    assert response.status_code == 200
    last = datetime.date.today().year - 1
    assert f'value="{last}"' in response.content.decode()


@pytest.mark.parametrize(
    "year", ["abc", "1800", "3000", "2016.5", "99999999999999999999999", "<script>"]
)
def test_a_bad_year_is_a_clear_message(client, district, year):
    response = client.get("/stats/", {"year": year})
    assert response.status_code == 400
    html = response.content.decode()
    assert "年份：" in html
    assert "<svg" not in html
    assert "<script>" not in html


@pytest.mark.parametrize("actor", [None, "clerk_qyc", "district_staff", "incubator_staff"])
def test_everyone_may_read_it(client, request, district, actor):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    assert client.get("/stats/", {"year": 2016}).status_code == 200


def test_query_count_does_not_depend_on_the_data(client, district, django_assert_num_queries):
    # The newest report year, then the registry's nine figure queries; plus whatever
    # the other installed apps' stats modules ask.
    expected = 10 + other_apps_queries(2016)
    with django_assert_num_queries(expected):
        client.get("/stats/", {"year": 2016})
    for _ in range(15):
        make_organization(registered_on=datetime.date(2016, 1, 1))
    with django_assert_num_queries(expected):
        client.get("/stats/", {"year": 2016})


def test_svg_escapes_labels():
    from hepingorgs.figures import Chart
    from hepingorgs.svg import bar_chart

    svg = bar_chart(Chart("<图>", ["<b>甲</b>", "乙"], [3, 0]))
    assert "<b>" not in svg and "&lt;b&gt;甲&lt;/b&gt;" in svg
    assert "<title" in svg and "&lt;图&gt;" in svg
    assert 'width="0.0"' in svg  # a zero bar is drawn empty, not skipped
