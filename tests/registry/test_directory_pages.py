"""The public directory pages as an anonymous visitor: lists, search, filters, sorting,
profiles, community groups; Chinese, accessible, no private data."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hepingorgs import opendata
from hepingorgs.extensions import hooks
from registry import directory, filings, filters, search
from registry.models import (
    CommunityGroup,
    CreditKind,
    CreditRecord,
    Field,
    OrgStatus,
    OrgType,
    PartyForm,
)
from tests.conftest import make_group, make_organization

pytest_plugins = ["tests.registry.directory_data"]

ORGS = reverse("directory:organizations")
GROUPS = reverse("directory:groups")


def names(response):
    assert response.status_code == 200, response.content[:500]
    return [row.name for row in response.context["page"]]


def test_directory_lists_every_organization_by_pinyin(client, orgs):
    response = client.get(ORGS)
    assert names(response) == [
        "和平区慈善协会",
        "和平区围棋协会",
        "和平区养老服务中心",
        "天津市和平区五大道历史文化研究会",
    ]
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "共 4 个社会组织" in html
    assert '<main id="content">' in html and 'role="search"' in html
    assert '<label for="id_q">搜索</label>' in html
    # A discreet staff login for anonymous visitors, and the public navigation.
    assert reverse("login") in html and "/stats/" in html and 'href="/"' in html
    assert "022-23456789" not in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ("养", ["和平区养老服务中心"]),  # one Chinese character
        ("慈善", ["和平区慈善协会"]),  # two
        ("围棋协会", ["和平区围棋协会"]),
        ("yanglao", ["和平区养老服务中心"]),  # full pinyin
        ("yang lao", ["和平区养老服务中心"]),
        ("YangLao", ["和平区养老服务中心"]),
        ("wddls", ["天津市和平区五大道历史文化研究会"]),  # initials
        ("ｗｄｄ", ["天津市和平区五大道历史文化研究会"]),  # full-width input
        ("没有这个组织", []),
    ],
)
def test_search_by_name_pinyin_initials(client, orgs, query, expected):
    assert names(client.get(ORGS, {"q": query})) == expected


def test_search_by_credit_code_full_or_last_digits(client, orgs):
    code = orgs["go"].credit_code
    assert names(client.get(ORGS, {"q": code})) == ["和平区围棋协会"]
    assert names(client.get(ORGS, {"q": code.lower()})) == ["和平区围棋协会"]
    assert names(client.get(ORGS, {"q": code[-6:]})) == ["和平区围棋协会"]


def test_filters(client, orgs, quanyechang):
    def query(**params):
        return sorted(names(client.get(ORGS, params)))

    assert query(org_type="2") == ["和平区养老服务中心"]
    assert query(category="charity") == ["和平区慈善协会"]
    assert query(field="06") == ["和平区围棋协会"]
    assert query(street=quanyechang.code) == sorted(["和平区慈善协会", "和平区养老服务中心"])
    assert query(status="deregistered") == ["和平区围棋协会"]
    # Only grades in force: the 5A awarded in 2005 expired in 2010.
    assert query(evaluation_grade="4A") == ["和平区养老服务中心"]
    assert query(evaluation_grade="5A") == []
    # On a list now: the charity; the old-age centre's listing was removed in 2019.
    assert query(credit_listed="true") == ["和平区慈善协会"]
    assert "和平区慈善协会" not in query(credit_listed="false")
    assert query(has_party_organization="true") == ["和平区养老服务中心"]
    assert len(query(has_party_organization="false")) == 3
    assert query(q="和平区", street=quanyechang.code, org_type="1") == ["和平区慈善协会"]


def test_filter_key_fills_list_the_open_columns_before_one_asked():
    """The columns of organization_filter_keys (field, category, Party organization,
    type, status, street) left open before one asked for are listed whole, left to
    right, within FILL_LIMIT ranges; none after the last one asked, and never the
    street."""
    fills = filters.filter_key_fills
    assert fills(set()) == {} and fills({"field"}) == {} and fills({"q", "sort"}) == {}
    assert fills({"category"}) == {"field": list(Field.values)}
    # Four asked, type and status open before the street: 3 x 3 ranges.
    assert fills({"street", "field", "category", "has_party_organization"}) == {
        "org_type": list(OrgType.values),
        "status": list(OrgStatus.values),
    }
    # Field (14) x Party form (4) = 56 ranges up to the type; the status's 3 more would
    # pass 64, and the street is tested within them.
    assert fills({"street", "category", "org_type"}) == {
        "field": list(Field.values),
        "party_form": list(PartyForm.values),
    }
    # The type is not listed when no column asked for follows it within the ranges.
    assert fills({"street", "category", "has_party_organization"}) == {"field": list(Field.values)}
    # A street alone, or a status: the ranges would stop before them, each as long as
    # all a field's organizations; nothing is listed.
    assert fills({"street"}) == {} and fills({"status", "street"}) == {}


def test_filters_asked_together_are_ranges_of_one_index_with_the_same_rows(
    client, orgs, quanyechang
):
    """A street, a category and a Party organization: the keys' statement lists every
    field (ranges of organization_filter_keys); the rows are those of the filters alone,
    a Party organization's absence as the other forms."""
    base = {"street": quanyechang.code, "category": "charity"}
    with CaptureQueriesContext(connection) as queries:
        shown = names(client.get(ORGS, {**base, "has_party_organization": "false"}))
    assert shown == ["和平区慈善协会"]
    keys = next(query["sql"] for query in queries if "AS listed ORDER BY" in query["sql"])
    assert "\"field\" IN ('00', '01'" in keys and '"org_type" IN' not in keys
    assert "\"party_form\" IN ('instructor', 'none')" in keys
    assert names(client.get(ORGS, {**base, "has_party_organization": "true"})) == []


def test_a_grade_is_in_force_through_its_expiry_day(client, db):
    """The grade filter asks for the grade in force: a grade expiring today still is,
    one that expired yesterday is not (every grade has its expiry date: constraint
    organization_grade_expires)."""
    today = timezone.localdate()
    make_organization(
        name="和平区今天到期协会",
        grade="3A",
        grade_awarded_on=today - datetime.timedelta(days=900),
        grade_expires_on=today,
    )
    make_organization(
        name="和平区昨天到期协会",
        grade="3A",
        grade_awarded_on=today - datetime.timedelta(days=900),
        grade_expires_on=today - datetime.timedelta(days=1),
    )
    assert names(client.get(ORGS, {"evaluation_grade": "3A"})) == ["和平区今天到期协会"]


def test_a_search_within_a_street_looks_up_that_streets_ngrams_and_tests_the_street(
    client, orgs, quanyechang, xiaobailou
):
    """The search runs after the other filters, so a street narrows its look-up to the
    street's n-grams (``registry_street_ngrams``), and the keys' statement tests the
    street on each match (``street_id + 0``) rather than reading the street's rows;
    the rows are those of the search and the street."""
    elsewhere = make_organization(name="和平区另一家养老院", street=xiaobailou)
    statements = []

    def sql_of(url, params):
        statements.clear()

        def record(execute, sql, params, many, context):
            statements.append(sql % tuple(map(repr, params or ())))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            return names(client.get(url, params))

    assert sql_of(ORGS, {"q": "养老", "street": quanyechang.code}) == ["和平区养老服务中心"]
    keys = [sql for sql in statements if "AS listed ORDER BY" in sql]
    assert len(keys) == 1 and "registry_street_ngrams" in keys[0]
    assert re.search(rf'\("registry_organization"."street_id" \+ \S+\) = {quanyechang.pk}', keys[0])
    assert elsewhere.name in sql_of(ORGS, {"q": "养老"})
    # Latin text has no street n-grams: the street is looked up as it is.
    assert sql_of(ORGS, {"q": "yanglao", "street": xiaobailou.code}) == [elsewhere.name]
    assert not any("registry_street_ngrams" in sql for sql in statements)


def test_the_rows_are_written_in_chinese_with_their_labels_and_escaped(
    client, orgs, groups, quanyechang
):
    """The list rows written in Python (``organization_rows``, ``group_rows``): each
    cell labelled for the stacked layout, choice labels, the credit-list mark, the
    values escaped."""
    make_organization(name="<b>和平区</b>测试会", street=quanyechang)
    html = client.get(ORGS, {"street": quanyechang.code}).content.decode()
    charity = orgs["charity"]
    assert (
        f'<td data-label="名称"><a href="/directory/{charity.credit_code}/">和平区慈善协会</a>'
        ' <span class="status status-listed">列入信用名单</span></td>'
    ) in html
    assert f'<td data-label="信用代码"><span class="code">{charity.credit_code}</span>' in html
    assert '<td data-label="类型">社会团体</td><td data-label="街道">劝业场街道</td>' in html
    assert '<span class="status status-org-active">' in html
    assert "&lt;b&gt;和平区&lt;/b&gt;测试会" in html and "<b>和平区" not in html
    html = client.get(GROUPS).content.decode()
    assert '<td data-label="备案日期">' in html and '<td data-label="社区">' in html
    assert 'data-label="状态"><span class="status status-filed">' in html
    assert "没有符合条件的社区社会组织" not in html
    # No match: the count (0) and what to try, not an empty page.
    html = client.get(GROUPS, {"q": "没有这个组"}).content.decode()
    assert "没有符合条件的社区社会组织" in html and 'data-label="备案日期"' not in html
    assert "共 0 个" in html
    html = client.get(ORGS, {"q": "没有这个组织"}).content.decode()
    assert "共 0 个社会组织" in html and '<td colspan="6">' in html


def test_sort_by_registration_date(client, orgs):
    newest = names(client.get(ORGS, {"sort": "-registered"}))
    assert newest[0] == "天津市和平区五大道历史文化研究会" and newest[-1] == "和平区围棋协会"
    assert names(client.get(ORGS, {"sort": "registered"})) == newest[::-1]


def test_bad_filter_values_are_a_message_not_an_error(client, orgs):
    response = client.get(ORGS, {"updated_since": "yesterday", "street": "nowhere"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "updated_since" in html and "ISO 8601" in html
    assert response.context["page"] is None


def test_updated_since_on_the_page(client, orgs):
    later = orgs["elder"].updated_at + datetime.timedelta(seconds=1)
    assert names(client.get(ORGS, {"updated_since": later.isoformat()})) == []
    earlier = orgs["elder"].updated_at - datetime.timedelta(days=1)
    assert len(names(client.get(ORGS, {"updated_since": earlier.isoformat()}))) == 4


def test_pages_and_capped_count(client, orgs, settings):
    for n in range(30):
        make_organization(name=f"和平区测试分页协会{n:02d}")
    first = client.get(ORGS, {"q": "分页"})
    assert len(first.context["page"]) == 20 and first.context["page"].has_next()
    second = client.get(ORGS, {"q": "分页", "page": 2})
    assert len(second.context["page"]) == 10
    assert "共 30 个社会组织" in first.content.decode()
    # Above the cap the page marks its count as estimated instead of counting every row,
    # and every page still lists its rows.
    settings.PUBLIC_COUNT_CAP = 25
    capped = client.get(ORGS, {"q": "分页"})
    paginator = capped.context["page"].paginator
    assert not paginator.count_is_exact and paginator.count > 25
    assert "≈ 共" in capped.content.decode()
    assert len(client.get(ORGS, {"q": "分页", "page": 2}).context["page"]) == 10


@pytest.mark.parametrize("cap", [None, 2, 1])
def test_search_ranks_exact_then_prefix_matches_first(client, orgs, settings, cap):
    make_organization(name="围棋协会")  # exact
    make_organization(name="围棋协会之友")  # prefix
    if cap:
        # Above the count cap the page is put together from the exact and prefix matches
        # first, each from their own indexes (EstimatedCountPaginator,
        # registry.search._best_keys), without ranking every row; whatever the cap.
        settings.PUBLIC_COUNT_CAP = cap
    response = client.get(ORGS, {"q": "围棋协会"})
    assert response.context["page"].paginator.count_is_exact is not bool(cap)
    # By pinyin alone 和平区 (hepingqu) would come first.
    assert names(response) == ["围棋协会", "围棋协会之友", "和平区围棋协会"]
    # An explicit sort overrides the ranking.
    by_name = names(client.get(ORGS, {"q": "围棋协会", "sort": "name"}))
    assert by_name == ["和平区围棋协会", "围棋协会", "围棋协会之友"]


def test_group_search_ranks_exact_then_prefix_matches_first(
    client, groups, quanyechang, qyc_community
):
    for name in ("合唱团", "合唱团二队"):
        group = make_group(quanyechang, qyc_community, name=name)
        filings.submit(group)
        filings.accept(group)
    assert names(client.get(GROUPS, {"q": "合唱团"})) == [
        "合唱团",
        "合唱团二队",
        "福明社区夕阳红合唱团",
    ]


def test_profile_shows_the_public_record(client, orgs):
    elder = orgs["elder"]
    response = client.get(reverse("directory:organization", args=[elder.credit_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>和平区养老服务中心</h1>" in html
    for text in (
        elder.credit_code,
        "民办非企业单位",
        "天津市和平区民政局",
        elder.legal_representative,
        elder.domicile,
        "30000.00 元",
        "2010-05-01",
        "4A",
        "通过登记的住所无法联系",
        "2019-05-01",  # the removal date of the old listing
        "基本合格",
        "2015",
    ):
        assert text in html, text
    assert "022-23456789" not in html


def test_profile_of_a_listed_and_a_deregistered_organization(client, orgs):
    html = client.get(reverse("directory:organization", args=[orgs["charity"].credit_code]))
    assert "未按规定报送年度工作报告" in html.content.decode()
    assert "活动异常名录" in html.content.decode()
    html = client.get(reverse("directory:organization", args=[orgs["go"].credit_code]))
    assert "自行解散" in html.content.decode() and "2020-01-02" in html.content.decode()


def test_profile_lookup_normalizes_and_unknown_is_404(client, orgs):
    code = orgs["go"].credit_code
    response = client.get(f"/directory/{code.lower()}/")
    assert response.status_code == 301 and response["Location"] == f"/directory/{code}/"
    assert client.get("/directory/51120101MJ0000000X/").status_code == 404


def test_profile_shows_sections_registered_by_other_apps(client, orgs, monkeypatch):
    from hepingorgs.extensions import ProfileSection, hooks

    def projects(org):
        return ProfileSection(
            title="公益创投项目",
            header=["年度", "项目", "金额（元）"],
            rows=[[2016, "助老", "50000.00"]],
        )

    monkeypatch.setattr(hooks, "profile_sections", [projects])
    html = client.get(reverse("directory:organization", args=[orgs["elder"].credit_code]))
    assert "公益创投项目" in html.content.decode() and "50000.00" in html.content.decode()


def test_filters_registered_by_other_apps(client, orgs, monkeypatch):
    from hepingorgs.extensions import OrganizationFilter, hooks

    funded = OrganizationFilter(
        label="获得公益创投资助",
        apply=lambda qs, value: (
            qs.filter(name__contains="养老") if value else qs.exclude(name__contains="养老")
        ),
    )
    monkeypatch.setattr(hooks, "organization_filters", {"venture_funded": funded})
    response = client.get(ORGS, {"venture_funded": "true"})
    assert names(response) == ["和平区养老服务中心"]
    assert "获得公益创投资助" in response.content.decode()
    assert len(names(client.get(ORGS, {"venture_funded": "false"}))) == 3


# ---------------------------------------------------------------------------------------
# Community groups
# ---------------------------------------------------------------------------------------


def test_group_list_shows_filed_and_cancelled_groups_only(client, groups):
    response = client.get(GROUPS)
    assert names(response) == ["福明社区夕阳红合唱团", "开封道社区邻里互助会"]
    html = response.content.decode()
    for private in ("赵桂芝", "13912345678", "钱德明", "福明社区太极拳队", "福明社区书法队"):
        assert private not in html
    assert groups["choir"].filing_number in html and "2016-04-01" in html
    assert "已注销" in html or "注销" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        # 合 is in one name only (the old search also matched "he" inside the pinyin
        # "shequ" of 开封道社区邻里互助会; one character's pinyin is no longer searched).
        ("合", ["福明社区夕阳红合唱团"]),
        ("合唱", ["福明社区夕阳红合唱团"]),
        ("xiyanghong", ["福明社区夕阳红合唱团"]),
        ("xyh", ["福明社区夕阳红合唱团"]),
        ("QYC-2016", ["福明社区夕阳红合唱团"]),
        ("qyc-2016-0001", ["福明社区夕阳红合唱团"]),
        ("赵桂芝", []),  # the leader's name finds nothing on the public page
        ("太极拳", []),  # a draft is not public
    ],
)
def test_group_search(client, groups, query, expected):
    assert names(client.get(GROUPS, {"q": query})) == expected


def test_group_filters(client, groups, quanyechang, xbl_community):
    assert names(client.get(GROUPS, {"street": quanyechang.code})) == ["福明社区夕阳红合唱团"]
    assert names(client.get(GROUPS, {"community": xbl_community.pk})) == ["开封道社区邻里互助会"]
    assert names(client.get(GROUPS, {"category": "mutual_aid"})) == ["开封道社区邻里互助会"]
    assert names(client.get(GROUPS, {"status": "cancelled"})) == ["开封道社区邻里互助会"]
    assert client.get(GROUPS, {"status": "draft"}).status_code == 400
    assert names(client.get(GROUPS, {"sort": "-filed"}))[0] == "开封道社区邻里互助会"


def test_group_list_on_a_phone_without_javascript(client, groups):
    html = client.get(GROUPS).content.decode()
    assert "<script" not in html
    assert 'name="viewport"' in html and 'data-label="' in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_public_pages_answer_get_only(client, orgs):
    assert client.post(ORGS).status_code == 405
    assert client.post(GROUPS).status_code == 405


@pytest.mark.parametrize(
    "actor", [None, "clerk_qyc", "clerk_xbl", "incubator_staff", "district_staff"]
)
def test_every_role_sees_the_same_public_pages(client, request, orgs, groups, actor):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    assert len(names(client.get(ORGS))) == 4
    response = client.get(GROUPS)
    assert names(response) == ["福明社区夕阳红合唱团", "开封道社区邻里互助会"]
    assert "赵桂芝" not in response.content.decode()
    profile = client.get(reverse("directory:organization", args=[orgs["go"].credit_code]))
    assert profile.status_code == 200
    assert "022-" not in profile.content.decode()
    assert CommunityGroup.objects.count() == 4


# ---------------------------------------------------------------------------------------
# Query counts: independent of the page size and of the number of rows
# ---------------------------------------------------------------------------------------


def _queries(client, url, params=None):
    # The filters' reference choices read afresh, as at a view after they expired
    # (hepingorgs.opendata.REFERENCE_CHOICES_SECONDS).
    opendata._reference_choices.clear()
    search._ngram_stats.clear()  # the n-gram statistics too (search.NGRAM_STATS_SECONDS)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_query_counts_of_the_public_pages(client, orgs, groups, quanyechang, qyc_community):
    # Lists: the planner's estimate, the keys (at most the cap's worth: the count), the
    # page's rows among them, and the choices of the street (and community, category)
    # filters. A search reads its page directly (no keys first).
    expected = {ORGS: 4, GROUPS: 6}
    profile = reverse("directory:organization", args=[orgs["elder"].credit_code])
    small = {url: _queries(client, url) for url in expected}
    assert small == expected
    # The profile: the organization, its inspections, its credit records, and one query
    # per section other apps register (incubation history, venture projects).
    profile_queries = 3 + len(hooks.profile_sections)
    assert _queries(client, profile) == profile_queries
    for n in range(45):
        make_organization(name=f"和平区计数协会{n}", street=quanyechang)
        group = make_group(quanyechang, qyc_community, name=f"计数队{n}")
        filings.submit(group)
        filings.accept(group)
    for url, count in expected.items():
        assert _queries(client, url) == count
        # A search: the planner's estimate first (a large result is not counted), the
        # count, the page directly (no keys first).
        assert _queries(client, url, {"page": 2, "q": "jishu"}) == count
        # Chinese text of two characters: two more queries, to decide whether to look
        # homophones up too (the names' n-gram statistics, registry.search.rows_holding:
        # is the text in many names; if not, is it in any, search._with_homophones).
        assert _queries(client, url, {"page": 2, "q": "计数"}) == count + 2
        # A street filter looks the street up first.
        assert _queries(client, url, {"street": quanyechang.code, "sort": "name"}) == count + 1
    assert _queries(client, profile) == profile_queries


def test_the_public_organizations_query_is_made_once_a_day(db, monkeypatch):
    """``directory.public_organizations`` keeps one query a day and hands out copies: a
    copy is the caller's to evaluate, and the credit lists are those in force on the
    day it is asked for."""
    organization = make_organization(name="信用测试社")
    today = timezone.localdate()
    CreditRecord.objects.create(
        organization=organization,
        kind=CreditKind.ABNORMAL,
        reason="无法取得联系",
        decided_on=today - datetime.timedelta(days=10),
        removed_on=today + datetime.timedelta(days=1),
        removal_reason="恢复联系",
    )
    directory._public_organizations.clear()
    first, second = directory.public_organizations(), directory.public_organizations()
    assert first is not second and first.query is not second.query
    assert first.get(pk=organization.pk).on_abnormal_list
    assert list(first) and second._result_cache is None
    kept = directory._public_organizations.peek(today)
    assert kept is not None and kept._result_cache is None
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(directory.timezone, "localdate", lambda: tomorrow)
    assert not directory.public_organizations().get(pk=organization.pk).on_abnormal_list
    assert directory._public_organizations.peek(tomorrow) is not None
    assert directory._public_organizations.peek(today) is None
    assert len(directory._public_organizations) == 1
