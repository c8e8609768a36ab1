"""The public read-only API (/api/v1/): anonymous, the directory's filters and search,
explicit public fields, updated_since, throttling, the OpenAPI schema and its docs."""

import datetime

import pgtrigger
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hepingorgs.extensions import hooks
from registry import filings, search
from registry.models import Organization
from tests.conftest import make_group, make_organization

pytest_plugins = ["tests.registry.directory_data"]

ORGANIZATION_FIELDS = {
    "uscc",
    "name",
    "org_type",
    "org_type_label",
    "category",
    "category_label",
    "field",
    "field_label",
    "street",
    "street_code",
    "status",
    "status_label",
    "status_changed_on",
    "registered_on",
    "registration_authority",
    "supervisory_unit",
    "legal_representative",
    "registered_funds",
    "domicile",
    "business_scope",
    "evaluation_grade",
    "evaluation_grade_expires_on",
    "credit_status",
    "party_organization",
    "updated_at",
}
GROUP_FIELDS = {
    "filing_number",
    "name",
    "street",
    "street_code",
    "community",
    "category",
    "category_label",
    "filed_on",
    "status",
    "status_label",
    "updated_at",
}


def results(response):
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def names(response):
    return [row["name"] for row in results(response)]


def test_organizations_list_as_anonymous(client, orgs):
    response = client.get("/api/v1/organizations/")
    body = response.json()
    assert set(body) == {"count", "count_is_exact", "next", "previous", "results"}
    assert body["count"] == 4 and body["count_is_exact"] is True
    rows = {row["name"]: row for row in body["results"]}
    assert all(set(row) == ORGANIZATION_FIELDS for row in rows.values())
    elder = rows["和平区养老服务中心"]
    assert elder["uscc"] == orgs["elder"].credit_code
    assert elder["org_type"] == "2" and elder["category"] == "community"
    assert elder["evaluation_grade"] == "4A" and elder["credit_status"] == "none"
    assert elder["registered_funds"] == "30000.00" and elder["registered_on"] == "2010-05-01"
    assert elder["street"] == "劝业场街道" and elder["street_code"] == "120101001"
    assert rows["和平区慈善协会"]["credit_status"] == "abnormal"
    assert rows["天津市和平区五大道历史文化研究会"]["evaluation_grade"] == ""
    assert "022-23456789" not in response.content.decode()


def test_organization_detail_by_credit_code(client, orgs):
    code = orgs["elder"].credit_code
    body = client.get(f"/api/v1/organizations/{code}/").json()
    assert body["name"] == "和平区养老服务中心"
    assert [(r["year"], r["result"]) for r in body["annual_inspections"]] == [
        (2016, "qualified"),
        (2015, "basic"),
    ]
    assert body["credit_records"][0]["removed_on"] == "2019-05-01"
    assert body["sections"] == []
    assert client.get(f"/api/v1/organizations/{code.lower()}/").json()["uscc"] == code
    assert client.get("/api/v1/organizations/51120101MJ0000000X/").status_code == 404


def test_same_filters_and_search_as_the_page(client, orgs, quanyechang):
    url = "/api/v1/organizations/"
    assert names(client.get(url, {"q": "yanglao"})) == ["和平区养老服务中心"]
    assert names(client.get(url, {"q": orgs["go"].credit_code[-5:]})) == ["和平区围棋协会"]
    assert names(client.get(url, {"q": "慈"})) == ["和平区慈善协会"]
    assert names(client.get(url, {"credit_listed": "true"})) == ["和平区慈善协会"]
    assert sorted(names(client.get(url, {"street": quanyechang.code}))) == sorted(
        ["和平区慈善协会", "和平区养老服务中心"]
    )
    assert names(client.get(url, {"evaluation_grade": "4A", "has_party_organization": "true"})) == [
        "和平区养老服务中心"
    ]
    response = client.get(url, {"street": "nowhere"})
    assert response.status_code == 400 and "street" in response.json()


def test_community_groups(client, groups):
    response = client.get("/api/v1/community-groups/")
    rows = results(response)
    assert [row["name"] for row in rows] == ["福明社区夕阳红合唱团", "开封道社区邻里互助会"]
    assert all(set(row) == GROUP_FIELDS for row in rows)
    assert rows[1]["status"] == "cancelled" and rows[1]["category"] == "mutual_aid"
    text = response.content.decode()
    assert "赵桂芝" not in text and "13912345678" not in text
    number = groups["choir"].filing_number
    assert (
        client.get(f"/api/v1/community-groups/{number}/").json()["name"] == "福明社区夕阳红合唱团"
    )
    assert names(client.get("/api/v1/community-groups/", {"q": "xyh"})) == ["福明社区夕阳红合唱团"]
    assert names(client.get("/api/v1/community-groups/", {"q": "赵桂芝"})) == []
    # Drafts and submitted filings are not public, not even by number or id.
    assert client.get(f"/api/v1/community-groups/{groups['draft'].pk}/").status_code == 404


def test_updated_since(client, orgs, groups):
    # Everything here was written in this test's transaction, at its now(): move the
    # clock back for all rows (with the trigger off), then change one.
    long_ago = timezone.now() - datetime.timedelta(days=30)
    with pgtrigger.ignore("registry.Organization:touch_updated_at"):
        Organization.objects.update(updated_at=long_ago)
    Organization.objects.filter(pk=orgs["go"].pk).update(supervisory_unit="区体育局")
    moved = Organization.objects.get(pk=orgs["go"].pk).updated_at
    since = moved.isoformat()
    assert names(client.get("/api/v1/organizations/", {"updated_since": since})) == [
        "和平区围棋协会"
    ]
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert names(client.get("/api/v1/community-groups/", {"updated_since": future})) == []
    # Without a zone the time is Beijing time.
    local = timezone.localtime(moved).replace(tzinfo=None).isoformat()
    assert "和平区围棋协会" in names(client.get("/api/v1/organizations/", {"updated_since": local}))


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "1700000000"])
def test_invalid_updated_since_is_400_with_a_message(client, orgs, value):
    for url in ("/api/v1/organizations/", "/api/v1/community-groups/"):
        response = client.get(url, {"updated_since": value})
        assert response.status_code == 400
        message = response.json()["updated_since"][0]
        assert "updated_since" in message and "ISO 8601" in message


def test_read_only(client, orgs):
    url = f"/api/v1/organizations/{orgs['elder'].credit_code}/"
    assert client.post("/api/v1/organizations/", {}).status_code == 405
    assert client.put(url, {}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405


def test_root_lists_the_resources(client):
    body = client.get("/api/v1/").json()
    assert {"organizations", "community-groups"} <= set(body)
    assert body["organizations"] == "http://testserver/api/v1/organizations/"


# ---------------------------------------------------------------------------------------
# Throttling
# ---------------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.PUBLIC_THROTTLE_RATES = {"api": "3/minute", "pages": "2/minute", "downloads": "1/hour"}


def test_throttled_with_a_chinese_429(client, low_rates, orgs):
    for _ in range(3):
        assert client.get("/api/v1/organizations/").status_code == 200
    response = client.get("/api/v1/community-groups/")
    assert response.status_code == 429
    assert "请求过于频繁" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_forged_forwarded_for_does_not_escape_the_limit(client, low_rates, orgs):
    for n in range(3):
        client.get("/api/v1/organizations/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert client.get("/api/v1/", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_one_proxy_the_rightmost_address_counts(client, low_rates, settings, orgs):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        client.get("/api/v1/organizations/", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    # The same client forging another leftmost entry is still the same client ...
    forged = client.get("/api/v1/", HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.5")
    assert forged.status_code == 429
    # ... while another client behind the proxy has its own allowance.
    assert client.get("/api/v1/", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


def test_pages_and_downloads_are_throttled_too(client, low_rates, orgs):
    assert client.get("/directory/").status_code == 200
    assert client.get("/directory/").status_code == 200
    response = client.get("/community-groups/")
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode() and response["Retry-After"]
    assert client.get("/downloads/organizations.csv").status_code == 200
    assert client.get("/downloads/organizations.json").status_code == 429


# ---------------------------------------------------------------------------------------
# Schema and documentation
# ---------------------------------------------------------------------------------------


def test_openapi_schema_documents_the_public_resources(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/v1/organizations/" in paths and "/api/v1/organizations/{uscc}/" in paths
    assert "/api/v1/community-groups/{filing_number}/" in paths
    assert not any(path.startswith("/api/filings") for path in paths)
    params = {p["name"] for p in paths["/api/v1/organizations/"]["get"]["parameters"]}
    assert {"q", "updated_since", "street", "credit_listed", "page", "page_size"} <= params
    organization = schema["components"]["schemas"]["Organization"]["properties"]
    assert set(organization) == ORGANIZATION_FIELDS


def test_docs_work_offline(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html


# ---------------------------------------------------------------------------------------
# Query counts: independent of the page size and of the number of rows
# ---------------------------------------------------------------------------------------


def _queries(client, url, params=None):
    search._ngram_stats.clear()  # read afresh, as after they expired
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url,expected",
    [
        ("/api/v1/organizations/", 3),  # estimate, the keys (count), the page's rows
        ("/api/v1/community-groups/", 3),
    ],
)
def test_query_counts_of_api_lists(client, orgs, groups, quanyechang, qyc_community, url, expected):
    small = _queries(client, url)
    for n in range(30):
        make_organization(name=f"和平区计数协会{n}", street=quanyechang)
        group = make_group(quanyechang, qyc_community, name=f"计数队{n}")
        filings.submit(group)
        filings.accept(group)
    assert _queries(client, url) == small == expected
    assert _queries(client, url, {"page_size": 3}) == expected
    # A search asks the planner's estimate first (a large result is not counted), then
    # counts and reads its page directly, without the keys first.
    assert _queries(client, url, {"page_size": 100, "q": "jishu"}) == expected
    # Chinese text of two characters: two more queries, to decide whether to look
    # homophones up too (the names' n-gram statistics, registry.search.rows_holding: is
    # the text in many names; if not, is it in any, registry.search._with_homophones).
    assert _queries(client, url, {"page_size": 100, "q": "计数"}) == expected + 2
    # A street filter looks the street up first.
    assert _queries(client, url, {"street": quanyechang.code, "sort": "name"}) == expected + 1


def test_query_count_of_organization_detail(client, orgs):
    # The organization, its inspections, its credit records, and one query per section
    # other apps register (incubation history, venture projects).
    expected = 3 + len(hooks.profile_sections)
    assert _queries(client, f"/api/v1/organizations/{orgs['elder'].credit_code}/") == expected


@pytest.mark.parametrize("cap", [10000, 2])
def test_search_ranks_exact_then_prefix_matches_first(client, orgs, settings, cap):
    make_organization(name="围棋协会")  # exact
    make_organization(name="围棋协会之友")  # prefix
    settings.PUBLIC_COUNT_CAP = cap
    body = client.get("/api/v1/organizations/", {"q": "围棋协会"}).json()
    # By pinyin alone 和平区 (hepingqu) would come first.
    assert [row["name"] for row in body["results"]] == [
        "围棋协会",
        "围棋协会之友",
        "和平区围棋协会",
    ]
    assert body["count_is_exact"] is (cap > 3)
