"""The public home page: a search box, the district's headline figures for the latest
complete year, links to the public lists, a discreet staff login; anonymous, Chinese,
no JavaScript, a bounded number of queries."""

import datetime
import re
from decimal import Decimal

import pytest

from registry.models import AnnualReport, Population
from tests.conftest import make_organization
from tests.figures_queries import other_apps_queries

LINKS = ["/directory/", "/community-groups/", "/projects/", "/notices/", "/stats/", "/downloads/"]


@pytest.fixture
def district(quanyechang):
    for day in (datetime.date(2015, 2, 1), datetime.date(2016, 7, 1)):
        org = make_organization(registered_on=day, street=quanyechang)
        AnnualReport.objects.create(
            organization=org,
            year=2016,
            result="qualified",
            staff_total=10,
            staff_bachelor_plus=6,
            revenue=Decimal("1234567.00"),
        )
    Population.objects.create(year=2016, residents=1000)


def test_anonymous_sees_search_figures_and_links(client, district):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<html lang="zh-hans"', html, re.I)
    assert "<script" not in html
    assert 'action="/directory/"' in html and 'name="q"' in html
    assert '<label for="home-q">查找社会组织</label>' in html
    for link in LINKS:
        assert f'href="{link}"' in html, link
    assert "工作人员登录" in html and 'href="/accounts/login/"' in html
    # The latest complete year is the newest with annual reports: 2016 here.
    assert "2016年全区数据" in html
    assert "<dt>登记社会组织总数</dt><dd>2</dd>" in html
    assert "<dt>本科以上学历人数</dt><dd>12</dd>" in html
    assert "<dt>营业收入(元)</dt><dd>2,469,134</dd>" in html
    assert "<dt>每万人拥有社会组织数</dt><dd>20.0</dd>" in html


def test_no_personal_data_on_the_home_page(client, district):
    html = client.get("/").content.decode()
    assert "王某" not in html and "南京路1号" not in html


@pytest.mark.parametrize("actor", ["clerk_qyc", "district_staff", "incubator_staff"])
def test_signed_in_users_see_it_too_without_the_login_link(client, request, district, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get("/")
    assert response.status_code == 200
    assert "工作人员登录" not in response.content.decode()


def test_without_any_data_it_still_answers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "<dt>登记社会组织总数</dt><dd>0</dd>" in response.content.decode()


def test_query_count_does_not_depend_on_the_data(client, district, django_assert_num_queries):
    # The newest report year, then the registry's figures: streets, categories,
    # populations, organizations (2), reports, credit list, groups (2); plus whatever
    # the other installed apps' stats modules ask.
    expected = 10 + other_apps_queries(2016)
    with django_assert_num_queries(expected):
        client.get("/")
    for _ in range(15):
        make_organization(registered_on=datetime.date(2016, 1, 1))
    with django_assert_num_queries(expected):
        client.get("/")


def test_posting_is_refused(client, db):
    assert client.post("/").status_code == 405


def test_the_figures_of_a_completed_year_are_kept_for_a_while(client, district, settings):
    """They read the whole register (seconds at national scale), so the home page and
    /stats/ keep them in the cache for PUBLIC_FIGURES_SECONDS; with 0 every visit
    computes them."""
    from django.core.cache import cache

    cache.clear()
    settings.PUBLIC_FIGURES_SECONDS = 600
    assert "<dt>登记社会组织总数</dt><dd>2</dd>" in client.get("/").content.decode()
    make_organization(registered_on=datetime.date(2016, 3, 1))
    assert "<dt>登记社会组织总数</dt><dd>2</dd>" in client.get("/").content.decode()
    stats = client.get("/stats/?year=2016").content.decode()
    settings.PUBLIC_FIGURES_SECONDS = 0
    assert "<dt>登记社会组织总数</dt><dd>3</dd>" in client.get("/").content.decode()
    assert client.get("/stats/?year=2016").content.decode() != stats
    cache.clear()
