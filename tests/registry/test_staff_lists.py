"""The clerks' workspace and the staff admin at national scale (issue 8): how their
counts are taken and shown (exact, estimated with ≈, or "more than" for a search with
more matches than are counted), the admin's order that an index can walk, and the
workspace's counts by status and category from one sampled query, still within the
clerk's street.

The caps are lowered here so that a handful of rows crosses them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from hepingorgs import opendata
from registry import filings, search
from registry.models import CommunityGroup, FilingCategory, Organization
from tests.conftest import make_group, make_organization
from tests.registry.test_admin import admin_url


@pytest.fixture
def care_homes(db):
    return [make_organization(name=f"和平区养老服务协会{i}") for i in range(5)]


@pytest.fixture
def choirs(quanyechang, qyc_community, xiaobailou, xbl_community):
    mine = [make_group(quanyechang, qyc_community, name=f"福明社区合唱团{i}") for i in range(5)]
    theirs = [make_group(xiaobailou, xbl_community, name=f"开封道合唱团{i}") for i in range(3)]
    return mine, theirs


def paginator_text(response):
    content = response.content.decode()
    start = content.index('<p class="paginator">')
    return content[start : content.index("</p>", start)]


# The admin --------------------------------------------------------------------------------


def test_admin_search_above_the_cap_says_more_than(client, district_staff, care_homes, monkeypatch):
    monkeypatch.setattr(search.StaffPaginator, "search_cap", 3)
    client.force_login(district_staff)
    response = client.get(admin_url(Organization, "changelist"), {"q": "养老"})
    cl = response.context["cl"]
    assert cl.paginator.count_is_lower_bound and cl.result_count == 4
    assert "超过 3" in paginator_text(response)
    assert "超过 3 条结果" in response.content.decode()  # beside the search box
    # Every match is still reachable: the page lists them, best ranked first.
    assert sorted(o.name for o in cl.result_list) == sorted(o.name for o in care_homes)


def test_admin_search_below_the_cap_is_exact(client, district_staff, care_homes):
    client.force_login(district_staff)
    response = client.get(admin_url(Organization, "changelist"), {"q": "养老"})
    cl = response.context["cl"]
    assert cl.paginator.count_is_exact and not cl.paginator.count_is_lower_bound
    text = paginator_text(response)
    assert "5" in text and "≈" not in text and "超过" not in text


def test_admin_estimated_list_count_is_marked(client, district_staff, care_homes, monkeypatch):
    monkeypatch.setattr(search.StaffPaginator, "cap", 3)
    client.force_login(district_staff)
    response = client.get(admin_url(Organization, "changelist"))
    cl = response.context["cl"]
    assert not cl.paginator.count_is_exact and not cl.paginator.count_is_lower_bound
    assert f"≈ {cl.result_count}" in paginator_text(response)


def test_other_changelists_show_plain_counts(client, district_staff, quanyechang):
    # admin/registry/pagination.html serves every registry changelist; those with
    # Django's own paginator have no estimate to mark.
    client.force_login(district_staff)
    response = client.get(admin_url(FilingCategory, "changelist"))
    text = paginator_text(response)
    assert "≈" not in text and "超过" not in text
    assert str(FilingCategory.objects.count()) in text


def test_admin_orders_organizations_by_an_indexed_order(client, district_staff, care_homes):
    # Not (name_pinyin, -pk), which Django adds for a stable order and no index walks.
    client.force_login(district_staff)
    for params in ({}, {"q": "养老"}):
        response = client.get(admin_url(Organization, "changelist"), params)
        ordering = response.context["cl"].queryset.query.order_by
        assert ordering[-2:] == ("name_pinyin", "id"), ordering
        assert "-pk" not in ordering


# The workspace ----------------------------------------------------------------------------


def test_workspace_search_above_the_cap_says_more_than(client, clerk_qyc, choirs, monkeypatch):
    monkeypatch.setattr(search.StaffPaginator, "search_cap", 3)
    client.force_login(clerk_qyc)
    response = client.get(reverse("filings:list"), {"q": "合唱"})
    page = response.context["page"]
    assert page.paginator.count_is_lower_bound
    assert escape("超过 3 个社区社会组织符合条件") in response.content.decode()
    # Still the clerk's own street only.
    mine, theirs = choirs
    assert sorted(g.name for g in page) == sorted(g.name for g in mine)


def test_workspace_search_below_the_cap_counts_exactly(client, district_staff, choirs):
    client.force_login(district_staff)
    response = client.get(reverse("filings:list"), {"q": "合唱"})
    page = response.context["page"]
    assert page.paginator.count == 8 and page.paginator.count_is_exact
    assert "超过" not in response.content.decode()


def test_workspace_sampled_counts_stay_in_the_clerks_street(client, clerk_qyc, choirs, monkeypatch):
    # As at a street of half a million groups: the counts are scaled from a sample (all
    # of the rows here, the scope being far below the sample size) and marked ≈.
    monkeypatch.setattr(search, "EXACT_COUNTS_UP_TO", 0)
    mine, _theirs = choirs
    filings.submit(mine[0])
    filings.accept(mine[0])
    client.force_login(clerk_qyc)
    response = client.get(reverse("filings:list"))
    assert response.context["counts_exact"] is False
    by_status = {value: n for value, _label, n in response.context["status_counts"]}
    assert by_status == {"draft": 4, "submitted": 0, "filed": 1, "returned": 0, "cancelled": 0}
    by_category = {c.code: n for c, n in response.context["category_counts"]}
    assert by_category["culture_sports"] == 1 and sum(by_category.values()) == 1
    assert "≈4" in response.content.decode()


def test_sampled_counts_exact_and_sampled_agree(choirs):
    scope = CommunityGroup.objects.all()
    exact = search.sampled_counts(scope, ("status", "category"), 8, exact=True)
    culture = FilingCategory.objects.get(code="culture_sports").pk
    assert exact == {("draft", culture): 8}
    # A sample of (at least) every row scales by one.
    sampled = search.sampled_counts(scope, ("status", "category"), 8, exact=False)
    assert sampled == exact
    by_street = search.sampled_counts(scope, ("street",), 8, exact=True)
    assert sorted(by_street.values()) == [3, 5]


def search_queries(client, params):
    # The filters' reference choices and the n-gram statistics read afresh, as at a view
    # after they expired (hepingorgs.opendata.REFERENCE_CHOICES_SECONDS,
    # search.NGRAM_STATS_SECONDS).
    opendata._reference_choices.clear()
    search._ngram_stats.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("filings:list"), params)
    assert response.status_code == 200
    return len(queries)


# session, user, role names, clerk's profile and street; the name's n-gram statistics (is the
# text in many names: search.rows_holding); the search's homophone check (is the text
# in a name as typed), the capped count (in a savepoint here, inside the test's
# transaction: savepoint, the planner setting, the count, its reset, release), the page's
# rows; the planner's estimate of the street and its counts by status and category;
# category names; the community and category choices of the filter form.
EXPECTED_SEARCH_QUERIES = 18


def test_workspace_search_query_count_is_pinned(client, clerk_qyc, quanyechang, qyc_community):
    client.force_login(clerk_qyc)
    for i in range(3):
        make_group(quanyechang, qyc_community, name=f"福明社区合唱团{i}")
    small = search_queries(client, {"q": "合唱"})
    for i in range(60):
        make_group(quanyechang, qyc_community, name=f"福明社区合唱队{i:02d}")
    assert search_queries(client, {"q": "合唱"}) == small == EXPECTED_SEARCH_QUERIES


def test_tested_per_row_keeps_the_rows(choirs, quanyechang):
    scope = CommunityGroup.objects.filter(street=quanyechang, status="draft")
    tested = search.tested_per_row(scope, "street_id")
    assert '"street_id" + 0) =' in str(tested.query)
    assert '"street_id" + 0' not in str(scope.query)  # the original is left as it was
    assert set(tested) == set(scope) and len(scope) == 5
    # AND groups too (a queryset combined with &), and nothing else is rewritten.
    combined = search.tested_per_row(tested & scope, "street_id")
    assert '"street_id" = ' not in str(combined.query) and set(combined) == set(scope)
    assert '"status" = ' in str(combined.query)


def test_workspace_search_counts_without_the_street_index(client, clerk_qyc, choirs):
    # The capped count and the homophone check test the street on each row the search's
    # indexes find; the page's query keeps the condition its index walk starts from.
    client.force_login(clerk_qyc)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("filings:list"), {"q": "合唱"})
    mine, _theirs = choirs
    assert sorted(g.name for g in response.context["page"]) == sorted(g.name for g in mine)
    searched = [q["sql"] for q in queries.captured_queries if "_ngrams(" in q["sql"]]
    count = next(sql for sql in searched if sql.startswith("SELECT COUNT(*)"))
    assert '"street_id" + 0) = ' in count and '"street_id" = ' not in count
    assert "registry_street_ngrams(" in count  # the street's own index entries
    page = next(sql for sql in searched if "search_rank" in sql)
    assert '"registry_communitygroup"."street_id" = ' in page


def test_admin_group_search_within_a_street(client, district_staff, choirs, xiaobailou):
    client.force_login(district_staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            admin_url(CommunityGroup, "changelist"),
            {"q": "合唱", "street__id__exact": xiaobailou.pk},
        )
    _mine, theirs = choirs
    cl = response.context["cl"]
    assert sorted(g.name for g in cl.result_list) == sorted(g.name for g in theirs)
    assert cl.result_count == 3 and cl.paginator.count_is_exact
    count = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT"))
    assert '"street_id" + 0) = ' in count
    # Without a search the list is the street's, as before.
    response = client.get(
        admin_url(CommunityGroup, "changelist"), {"street__id__exact": xiaobailou.pk}
    )
    assert sorted(g.name for g in response.context["cl"].result_list) == sorted(
        g.name for g in theirs
    )


def test_a_staff_search_is_counted_in_one_process(district_staff, choirs):
    """The count of a staff search runs without parallel workers (see
    ``search._ONE_PROCESS``), and the connection's own setting is back afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        before = cursor.fetchone()[0]
    assert before != "0"
    found = search.search_staff_groups(CommunityGroup.objects.all(), "合唱")
    with CaptureQueriesContext(connection) as queries:
        paginator = search.StaffPaginator(found.order_by("search_rank", "name_pinyin", "id"), 50)
        assert paginator.count == 8 and paginator.count_is_exact
    statements = [q["sql"] for q in queries.captured_queries]
    setting = next(i for i, sql in enumerate(statements) if "max_parallel_workers" in sql)
    count = next(i for i, sql in enumerate(statements) if sql.startswith("SELECT COUNT(*)"))
    assert setting < count
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == before


@pytest.fixture
def leaders(quanyechang, qyc_community, xiaobailou, xbl_community):
    """Forty choirs of one street and twenty of another, two of each led by 王芳;
    analyzed, so that the n-gram statistics are there."""
    made = {"mine": [], "theirs": []}
    for i in range(40):
        leader = "王芳" if i < 2 else "张秀兰"
        group = make_group(
            quanyechang, qyc_community, name=f"福明合唱团{i:02d}", leader_name=leader
        )
        made["mine"].append(group)
    for i in range(20):
        leader = "王芳" if i < 2 else "李桂英"
        group = make_group(
            xiaobailou, xbl_community, name=f"开封道合唱团{i:02d}", leader_name=leader
        )
        made["theirs"].append(group)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_communitygroup")
    return made


def test_a_search_knows_the_share_of_rows_it_finds_from_the_statistics(leaders):
    everyone = CommunityGroup.objects.all()
    rare = search.search_share(search.search_staff_groups(everyone, "王芳"))
    common = search.search_share(search.search_staff_groups(everyone, "合唱"))
    assert 0 < rare < 0.2 and common > 0.8
    # Trigram look-ups (Latin text) and homophones give no share: their estimates are
    # no guide.
    assert search.search_share(search.search_staff_groups(everyone, "hct")) is None
    homophone = search.search_staff_groups(everyone, "和唱")
    assert search.search_share(homophone) is None


def test_a_rare_search_is_collected_without_the_streets_index(
    client, clerk_qyc, leaders, monkeypatch
):
    """Few matches for the rows a walk would test: the page's matches are collected
    first, with the street tested on each (not read as a bitmap of the whole street),
    and the page is the clerk's own matches, as a walk would give them."""
    monkeypatch.setattr(search.StaffPaginator, "search_cap", 1)
    client.force_login(clerk_qyc)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("filings:list"), {"q": "王芳"})
    page = response.context["page"]
    assert page.paginator.count_is_lower_bound
    assert [g.name for g in page] == ["福明合唱团00", "福明合唱团01"]
    statements = [q["sql"] for q in queries.captured_queries]
    first_setting = next(
        sql for sql in statements if "enable_indexscan" in sql or "enable_bitmapscan" in sql
    )
    assert "enable_indexscan" in first_setting  # collected, not walked first
    # In one process: two parallel workers took longer to start than the collection.
    assert "set_config('max_parallel_workers_per_gather', '0', true)" in first_setting
    collected = statements[statements.index(first_setting) + 1]
    assert '"street_id" + 0) =' in collected
    assert '"registry_communitygroup"."street_id" = ' not in collected
    # A search in most names is walked as before.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("filings:list"), {"q": "合唱"})
    assert len(response.context["page"]) == 40
    settings = [q["sql"] for q in queries.captured_queries if "enable_bitmapscan" in q["sql"]]
    assert settings and "enable_indexscan" not in settings[0]


def test_a_search_within_one_street_reads_that_streets_n_grams(leaders, quanyechang):
    """Limited to one street (a clerk's list, a street filter), a staff search looks up
    that street's n-grams (``search._Terms.name_condition``): the same rows as the plain
    look-ups, all of them the street's, and PostgreSQL finds them through the street's
    index entries."""
    street = CommunityGroup.objects.filter(street=quanyechang)
    for term in ["王芳", "合唱", "合唱团0", "芳"]:
        found = search.search_staff_groups(street, term)
        assert "registry_street_ngrams" in str(found.query)
        expected = sorted(
            g.pk
            for g in CommunityGroup.objects.all()
            if g.street_id == quanyechang.pk and (term in g.name or term in g.leader_name)
        )
        assert sorted(g.pk for g in found) == expected != []
        plain = search.without_ngrams(found)
        assert "registry_street_ngrams" not in str(plain.query)
        assert sorted(g.pk for g in plain) == expected
    with connection.cursor() as cursor:  # a few dozen rows here: no scan of them all
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = search.tested_per_row(found, "street_id").order_by().explain()
    assert "group_street_name_ngrams" in plan and "group_street_leader_ngrams" in plan


def test_a_search_over_several_streets_reads_every_streets_n_grams(leaders, quanyechang):
    for queryset in [
        CommunityGroup.objects.all(),
        CommunityGroup.objects.filter(street__in=[quanyechang.pk]),
        CommunityGroup.objects.exclude(street=quanyechang),
    ]:
        found = search.search_staff_groups(queryset, "王芳")
        assert "registry_street_ngrams" not in str(found.query)
        assert "registry_ngrams" in str(found.query)


def test_text_in_many_names_is_no_typo(leaders, monkeypatch):
    """Chinese text that the statistics find in at least ``COMMON_TEXT_ROWS`` names is
    searched as typed, without first checking that a name holds it (the homophone
    check); rarer text, and text the statistics do not hold, is checked as before."""
    everyone = CommunityGroup.objects.all()
    held = search.rows_holding(everyone, search._Terms("合唱"))
    assert 50 <= held <= 70  # 60 names, all analyzed
    assert search.rows_holding(everyone, search._Terms("王芳")) is None  # leaders' only
    assert search.rows_holding(everyone, search._Terms("合唱团0")) is None  # three pairs
    # Three Latin letters are one trigram of the pinyin or the initials (fmhct00, ...).
    assert 50 <= search.rows_holding(everyone, search._Terms("hct")) <= 70
    assert 30 <= search.rows_holding(everyone, search._Terms("FMH")) <= 50  # 福明's 40
    assert search.rows_holding(everyone, search._Terms("fm h")) == pytest.approx(40, abs=10)
    for text in ["hc", "hcttuan", "f-m", "xyz"]:  # not one trigram, or not in names
        assert search.rows_holding(everyone, search._Terms(text)) is None, text

    def checks(text):
        with CaptureQueriesContext(connection) as queries:
            found = search.search_staff_groups(everyone, text)
        return found, [q["sql"] for q in queries.captured_queries if 'AS "a"' in q["sql"]]

    monkeypatch.setattr(search, "COMMON_TEXT_ROWS", 50)
    found, exists = checks("合唱")
    assert exists == [] and "%hechang%" not in str(found.query)  # no homophones
    assert found.count() == 60
    monkeypatch.setattr(search, "COMMON_TEXT_ROWS", 100)
    found, exists = checks("合唱")
    assert len(exists) == 1 and found.count() == 60
    # A typo is still found by its sound.
    found, exists = checks("和唱")
    assert len(exists) == 1 and "%hechang%" in str(found.query) and found.count() == 60


def test_a_search_alone_in_many_names_is_not_counted(client, district_staff, leaders, monkeypatch):
    """A staff search with nothing else narrowing it, whose text the statistics find in
    ``SURELY_MORE_TIMES`` the cap's rows or more, is "more than the cap" without
    counting; with a filter, or fewer rows by the statistics, it is counted."""
    monkeypatch.setattr(search.StaffPaginator, "search_cap", 2)  # 40 rows are enough
    client.force_login(district_staff)

    def listed(url, params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        counted = [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
        return response, counted

    changelist = admin_url(CommunityGroup, "changelist")
    response, counted = listed(changelist, {"q": "合唱"})
    cl = response.context["cl"]
    assert counted == [] and cl.paginator.count_is_lower_bound and cl.result_count == 3
    response, counted = listed(reverse("filings:list"), {"q": "合唱"})
    assert counted == [] and response.context["page"].paginator.count_is_lower_bound
    assert len(response.context["page"]) == 50
    # Narrowed by a filter, or by the street, the search is counted.
    response, counted = listed(changelist, {"q": "合唱", "status__exact": "draft"})
    assert len(counted) == 1 and response.context["cl"].paginator.count_is_lower_bound
    _mine, theirs = leaders["mine"], leaders["theirs"]
    response, counted = listed(
        reverse("filings:list"), {"q": "合唱", "street": theirs[0].street_id}
    )
    assert len(counted) == 1 and response.context["page"].paginator.count_is_lower_bound
    # So are three Latin letters, from the statistics of the trigrams of the initials.
    response, counted = listed(changelist, {"q": "hct"})
    assert counted == [] and response.context["cl"].paginator.count_is_lower_bound
    # Text the statistics do not find in names (a leader's name) is counted.
    response, counted = listed(changelist, {"q": "王芳"})
    cl = response.context["cl"]
    assert len(counted) == 1 and cl.result_count == 3 and cl.paginator.count_is_lower_bound
    # Fewer than SURELY_MORE_TIMES the cap by the statistics: counted, and exact.
    monkeypatch.setattr(search.StaffPaginator, "search_cap", 100)
    response, counted = listed(changelist, {"q": "合唱"})
    cl = response.context["cl"]
    assert len(counted) == 1 and cl.result_count == 60 and cl.paginator.count_is_exact


def test_the_trigram_statistics_are_the_ones_the_search_reads(db):
    """Each table's statistics named in ``search.TRIGRAM_STATISTICS`` exist (migration
    0022), on that table's pinyin and initials trigrams."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.stxname, s.stxrelid::regclass::text, "
            "pg_get_statisticsobjdef_expressions(s.oid) FROM pg_statistic_ext s "
            "WHERE s.stxnamespace = current_schema()::regnamespace"
        )
        found = {name: (table, expressions) for name, table, expressions in cursor.fetchall()}
    for table, names in search.TRIGRAM_STATISTICS.items():
        columns = [found[name] for name in names]
        assert [t for t, _ in columns] == [table, table]
        assert [e for _, e in columns] == [
            ["show_trgm((name_pinyin)::text)"],
            ["show_trgm((name_initials)::text)"],
        ]
