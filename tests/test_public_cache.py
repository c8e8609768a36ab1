"""The public answer cache (``hepingorgs.opendata.cached_for_the_public``): an anonymous
visitor's second request for the same public page or API answer costs no query; logged-in
users, other languages, refusals and pages that set a cookie are never served from it;
rate limits still count cached answers; and the language switch works without a CSRF
token (the cached pages carry none)."""

import pytest

from hepingorgs import opendata

pytest_plugins = ["tests.registry.directory_data"]


@pytest.fixture
def cached(settings):
    settings.PUBLIC_CACHE_SECONDS = 30


@pytest.mark.parametrize(
    "url",
    [
        "/directory/",
        "/directory/?q=养老",
        "/community-groups/",
        "/projects/",
        "/api/v1/organizations/",
        "/api/v1/community-groups/?page_size=5",
        "/api/v1/projects/",
    ],
)
def test_a_second_anonymous_request_costs_no_query(
    client, orgs, groups, cached, django_assert_num_queries, url
):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second


def test_a_profile_is_cached_and_shows_no_csrf_token(
    client, orgs, cached, django_assert_num_queries
):
    url = f"/directory/{orgs['elder'].credit_code}/"
    first = client.get(url)
    assert first.status_code == 200
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "csrftoken" not in first.cookies
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content


def test_staff_are_never_served_the_cache(client, orgs, cached, district_staff):
    anonymous = client.get("/directory/").content  # cached for anonymous visitors
    client.force_login(district_staff)
    response = client.get("/directory/")
    assert response.status_code == 200
    assert response.content != anonymous
    assert 'action="/accounts/logout/"' in response.content.decode()


def test_staff_see_changes_at_once_while_visitors_may_see_the_cached_page(
    client, orgs, cached, district_staff
):
    from registry.models import Organization

    url = "/directory/?q=慈善"
    assert "和平区慈善协会" in client.get(url).content.decode()
    Organization.objects.filter(name="和平区慈善协会").update(name="和平区慈善总会")
    # Anonymous: the cached answer, up to PUBLIC_CACHE_SECONDS old.
    assert "和平区慈善协会" in client.get(url).content.decode()
    client.force_login(district_staff)
    page = client.get(url).content.decode()
    assert "和平区慈善总会" in page and "和平区慈善协会" not in page


def test_each_language_has_its_own_cached_page(client, orgs, cached):
    chinese = client.get("/directory/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/directory/").content.decode()
    assert chinese != english
    assert 'lang="en"' in english and 'lang="zh-Hans"' in chinese


def test_refusals_are_not_cached(client, orgs, cached, django_assert_max_num_queries):
    assert client.get("/directory/", {"status": "nonsense"}).status_code == 400
    assert client.get("/api/v1/projects/999999/").status_code == 404
    # Answered again by the view, not the cache: it queries.
    with django_assert_max_num_queries(50) as captured:
        assert client.get("/api/v1/projects/999999/").status_code == 404
    assert len(captured) > 0


def test_cached_answers_still_count_against_the_rate_limit(client, orgs, cached, settings):
    settings.PUBLIC_THROTTLE_RATES = {**settings.PUBLIC_THROTTLE_RATES, "api": "3/minute"}
    statuses = [client.get("/api/v1/organizations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_language_switch_needs_no_csrf_token(client, db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/directory/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_the_drop_down_filters_are_rendered_once_per_choice_of_filters(client, orgs, settings):
    """``PUBLIC_FILTERS_SECONDS``: the filters panel of a public list is reused for the
    same choice of filters (a search or another page included), and never for another
    choice: each shows its own selection."""
    from registry.models import Street

    settings.PUBLIC_FILTERS_SECONDS = 30
    first = client.get("/directory/?org_type=1").content.decode()
    assert '<option value="1" selected>' in first
    Street.objects.create(code="120101099", name="新设测试街道", abbreviation="XSC")
    # The same filters, with a search and a page: the panel as rendered before.
    again = client.get("/directory/?org_type=1&q=协会&page=1").content.decode()
    assert "新设测试街道" not in again and '<option value="1" selected>' in again
    # Another choice of filters: rendered afresh, with its own selection (and, once the
    # choices kept in the process have expired too, the new street).
    opendata._reference_choices.clear()
    other = client.get("/directory/?org_type=2").content.decode()
    assert "新设测试街道" in other
    assert '<option value="2" selected>' in other and '<option value="1" selected>' not in other
    # The other list keeps its own.
    assert "新设测试街道" in client.get("/community-groups/?").content.decode()
