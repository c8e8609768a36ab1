"""One search for the directory, the API, the clerks' workspace and the admin
(registry.search): how people type, ranking, the normalizer, the indexes behind it, and
the counts that stay cheap on a large register."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import directory, filings, search
from registry.models import AnnualReport, CommunityGroup, Organization
from registry.search import (
    EstimatedCountPaginator,
    capped_count,
    estimated_count,
    ngrams,
    normalize,
    search_groups,
    search_organizations,
    walked,
)
from tests.conftest import client_for, make_group, make_organization, valid_code
from tests.registry.test_admin import admin_url, full_width

ELDERLY = "和平区养老服务协会"
YOUTH = "天津市和平区青少年科技协会"
CENTRE = "养老服务中心"
CENTRE_UNION = "养老服务中心联合会"
DISTRICT_CENTRE = "南开区养老服务中心"
CHAMBER = "鑫源商会"


@pytest.fixture
def organizations(db):
    names = [ELDERLY, YOUTH, CENTRE, CENTRE_UNION, DISTRICT_CENTRE, CHAMBER]
    return {name: make_organization(name=name, credit_code=valid_code()) for name in names}


def found(queryset):
    return sorted(o.name for o in queryset)


def ranked(queryset):
    return [o.name for o in queryset.order_by("search_rank", "name_pinyin", "id")]


# What people type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("鑫", [CHAMBER], id="one-character"),
        pytest.param("科", [YOUTH], id="one-character-inside"),
        pytest.param("和平", [ELDERLY, YOUTH], id="two-characters"),
        pytest.param("养老", [CENTRE, CENTRE_UNION, ELDERLY, DISTRICT_CENTRE], id="two-养老"),
        pytest.param("青少年科技", [YOUTH], id="five-characters"),
        pytest.param("区养老服务", [ELDERLY, DISTRICT_CENTRE], id="spanning-words"),
        pytest.param("hepingqu", [ELDERLY, YOUTH], id="full-pinyin"),
        pytest.param("he ping qu", [ELDERLY, YOUTH], id="pinyin-with-spaces"),
        pytest.param("HePingQu", [ELDERLY, YOUTH], id="pinyin-mixed-case"),
        pytest.param(full_width("hepingqu"), [ELDERLY, YOUTH], id="pinyin-full-width"),
        pytest.param("hpq", [ELDERLY, YOUTH], id="initials"),
        pytest.param("tjshpq", [YOUTH], id="initials-longer"),
        pytest.param("ylfwzx", [CENTRE, CENTRE_UNION, DISTRICT_CENTRE], id="initials-inside"),
        pytest.param("和平 区", [ELDERLY, YOUTH], id="spaces-between-characters"),
        pytest.param("%", [], id="like-wildcard-is-literal"),
        pytest.param("_", [], id="like-underscore-is-literal"),
        pytest.param("没有这个", [], id="nothing"),
    ],
)
def test_organization_search_cases(organizations, term, expected):
    assert found(search_organizations(Organization.objects.all(), term)) == sorted(expected)


def test_empty_search_returns_everything_with_a_constant_rank(organizations):
    for term in ("", "   ", None):
        result = search_organizations(Organization.objects.all(), term)
        assert result.count() == len(organizations)
        assert {o.search_rank for o in result} == {0}


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda code: code, id="full"),
        pytest.param(lambda code: code.lower(), id="lower-case"),
        pytest.param(full_width, id="full-width"),
        pytest.param(lambda code: f"{code[:4]}-{code[4:10]} {code[10:]}", id="hyphens-spaces"),
        pytest.param(lambda code: code[-6:], id="last-6"),
        pytest.param(lambda code: code[-4:], id="last-4"),
    ],
)
def test_credit_code_full_or_its_last_characters(organizations, shape):
    wanted = organizations[CHAMBER]
    result = search_organizations(Organization.objects.all(), shape(wanted.credit_code))
    assert list(result) == [wanted]


def test_credit_code_middle_or_three_last_characters_do_not_match(organizations):
    code = organizations[CHAMBER].credit_code
    assert not search_organizations(Organization.objects.all(), code[2:10]).exists()
    # Three characters would match one code in 30,000 at random: too many to be useful.
    assert organizations[CHAMBER] not in search_organizations(Organization.objects.all(), code[-3:])


def test_a_homophone_typo_finds_the_name_through_its_pinyin(organizations):
    # 阳老 (yang lao) for 养老: the same sound, another character.
    result = found(search_organizations(Organization.objects.all(), "阳老服务"))
    assert result == sorted([ELDERLY, CENTRE, CENTRE_UNION, DISTRICT_CENTRE])


# Ranking -------------------------------------------------------------------------------------


def test_exact_then_prefix_then_the_rest(organizations):
    assert ranked(search_organizations(Organization.objects.all(), CENTRE)) == [
        CENTRE,  # exact
        CENTRE_UNION,  # prefix
        DISTRICT_CENTRE,  # inside
    ]


def test_pinyin_and_initials_rank_exact_and_prefix_first(organizations):
    by_pinyin = ranked(search_organizations(Organization.objects.all(), "yanglaofuwuzhongxin"))
    assert by_pinyin == [CENTRE, CENTRE_UNION, DISTRICT_CENTRE]
    by_initials = ranked(search_organizations(Organization.objects.all(), "ylfwzx"))
    assert by_initials == [CENTRE, CENTRE_UNION, DISTRICT_CENTRE]


def test_credit_code_match_is_exact_rank(organizations):
    code = organizations[YOUTH].credit_code
    (only,) = search_organizations(Organization.objects.all(), code)
    assert only.search_rank == 0


# Filed groups --------------------------------------------------------------------------------


@pytest.fixture
def groups(quanyechang, qyc_community):
    choir = make_group(
        quanyechang, qyc_community, name="福明社区夕阳红合唱团", leader_name="赵桂芝"
    )
    filings.submit(choir)
    filings.accept(choir)
    choir.refresh_from_db()
    dance = make_group(quanyechang, qyc_community, name="福明社区舞蹈队", leader_name="王芳")
    chorus = make_group(quanyechang, qyc_community, name="合唱团", leader_name="李明")
    return {"choir": choir, "dance": dance, "chorus": chorus}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("舞", ["dance"], id="one-character"),
        pytest.param("合唱", ["chorus", "choir"], id="two-characters"),
        pytest.param("hechang", ["chorus", "choir"], id="pinyin"),
        pytest.param("fmsq", ["choir", "dance"], id="initials"),
        pytest.param("QYC-", ["choir"], id="filing-number-part"),
        pytest.param("qyc-", ["choir"], id="filing-number-lower-case"),
    ],
)
def test_group_search_cases(groups, term, expected):
    result = search_groups(CommunityGroup.objects.all(), term)
    assert sorted(g.pk for g in result) == sorted(groups[key].pk for key in expected)


def test_filing_number_in_full_ranks_first(groups):
    number = groups["choir"].filing_number
    result = search_groups(CommunityGroup.objects.all(), full_width(number))
    assert [(g.pk, g.search_rank) for g in result] == [(groups["choir"].pk, 0)]


def test_leader_name_only_on_private_pages(groups):
    public = search_groups(CommunityGroup.objects.all(), "王芳")
    private = search_groups(CommunityGroup.objects.all(), "王芳", private=True)
    assert not public.exists()
    assert list(private) == [groups["dance"]]
    # A single character of a leader's name, too.
    assert groups["choir"] in search_groups(CommunityGroup.objects.all(), "桂", private=True)


def test_group_ranking(groups):
    result = search_groups(CommunityGroup.objects.all(), "合唱")
    ordered = result.order_by("search_rank", *CommunityGroup._meta.ordering)
    assert [g.pk for g in ordered] == [groups["chorus"].pk, groups["choir"].pk]


@pytest.mark.parametrize("text", ["合唱", "hechang", "QYC", "赵桂芝"])
def test_the_rest_after_the_best_matches_is_what_exclude_leaves(groups, text):
    """``_after_first`` tests the best matches' condition only on the search's matches
    (a CASE), and leaves the rows ``exclude()`` leaves: groups without a filing number
    (NULL, so that the condition on the number is NULL) included."""
    make_group(groups["choir"].street, groups["choir"].community, name="合唱")
    make_group(groups["choir"].street, groups["choir"].community, name="合唱之家")
    result = search_groups(CommunityGroup.objects.all(), text, private=True)
    first = result.query.search_first
    rest = search._after_first(result, first)
    assert "CASE WHEN" in str(rest.query)
    assert sorted(g.pk for g in rest) == sorted(g.pk for g in result.exclude(first))
    assert set(result) - set(rest) == set(result.filter(first))


# The normalizer and the n-grams --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｈｅｐｉｎｇ", "heping"),
        ("和平\u3000养老", "和平 养老"),  # ideographic space
        ("  和平   养老 \n", "和平 养老"),
        ("５１１２", "5112"),
        ("（养老）", "(养老)"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_ngrams_of_a_query():
    assert ngrams("养") == ["养"]
    assert ngrams("养老") == ["养老"]
    assert ngrams("养老服务") == sorted(["养老", "老服", "服务"])
    assert ngrams("AB") == ["ab"]


def test_the_database_function_holds_every_query_ngram(db):
    name = "和平区 IT 养老服务协会"
    with connection.cursor() as cursor:
        cursor.execute("SELECT registry_ngrams(%s)", [name])
        (stored,) = cursor.fetchone()
    for start in range(len(name)):
        for end in range(start + 1, len(name) + 1):
            assert set(ngrams(name[start:end])) <= set(stored), name[start:end]


def test_a_public_search_alone_is_estimated_from_the_statistics_it_read(db):
    """A public list's search with nothing else narrowing it takes its estimate from
    ``rows_holding`` (no EXPLAIN); with a filter, from the planner."""
    for i in range(40):
        make_organization(name=f"和平区养老服务中心{i:02d}号")
    for i in range(120):
        make_organization(name=f"南开区社区服务中心{i:03d}号")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_organization")
    search._ngram_stats.clear()
    for text, held in [("养老", 40), ("hpq", 40)]:
        result = search_organizations(Organization.objects.all(), text)
        paginator = EstimatedCountPaginator(result, 10, search_cap=5, estimate_first=True)
        with CaptureQueriesContext(connection) as queries:
            count = paginator.count
        statements = [q["sql"] for q in queries.captured_queries]
        assert not any(sql.startswith("EXPLAIN") for sql in statements), text
        assert count == round(search.searched_alone(result)) == pytest.approx(held, abs=8)
        assert not paginator.count_is_exact
    narrowed = search_organizations(Organization.objects.all(), "养老").filter(status="active")
    paginator = EstimatedCountPaginator(narrowed, 10, search_cap=5, estimate_first=True)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count >= 1
    assert queries.captured_queries[0]["sql"].startswith("EXPLAIN")


def test_a_search_looks_up_the_rarest_pair_of_its_text(db):
    """With the table analyzed, a longer text looks up its rarest pair only, not 服务 (in
    every name here), and still finds exactly the names that hold the whole text."""
    wanted = {make_organization(name=f"养老服务中心{i:02d}号").name for i in range(12)}
    for i in range(150):
        make_organization(name=f"社区服务中心{i:03d}号")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_organization")
    looked_up = search.ngrams_to_look_up("养老服务", "default", "organization_name_ngrams")
    assert looked_up in (["养老"], ["老服"])
    assert set(found(search_organizations(Organization.objects.all(), "养老服务"))) == wanted
    # A pair in no name's statistics is rarer than any that are: it alone is looked up.
    assert search.ngrams_to_look_up("养老服务站", "default", "organization_name_ngrams") == ["务站"]


def test_the_statistics_tell_how_many_organizations_hold_a_text(db):
    """``rows_holding`` for organizations: two Chinese characters from the name's n-gram
    statistics, three Latin letters from the statistics of the initials' trigrams, and
    nothing for text they do not hold as such."""
    for i in range(40):
        make_organization(name=f"和平区养老服务中心{i:02d}号")  # initials hpqylfwzx..h
    for i in range(120):
        make_organization(name=f"南开区社区服务中心{i:03d}号")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_organization")
    everyone = Organization.objects.all()
    assert search.rows_holding(everyone, search._Terms("养老")) == pytest.approx(40, abs=8)
    assert search.rows_holding(everyone, search._Terms("服务")) == pytest.approx(160, abs=16)
    assert search.rows_holding(everyone, search._Terms("hpq")) == pytest.approx(40, abs=8)
    assert search.rows_holding(everyone, search._Terms("HPQ")) == pytest.approx(40, abs=8)
    for text in ["养老服务", "hpqy", "hp", "xyz"]:
        assert search.rows_holding(everyone, search._Terms(text)) is None, text


def test_the_database_function_is_inlined_and_keeps_null(db):
    """PostgreSQL inlines registry_ngrams() (not STRICT, see NGRAMS_FUNCTION_SQL): its
    body, not a call, is what a query and an index's upkeep evaluate."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE) SELECT registry_ngrams(name) FROM registry_organization")
        explained = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SELECT registry_ngrams(NULL), registry_ngrams('')")
        assert cursor.fetchone() == (None, [""])
    assert "regexp_split_to_array(lower" in explained and "registry_ngrams" not in explained


# The indexes serve each kind of search -------------------------------------------------------


def plan(queryset):
    """The plan when a full scan is ruled out: every branch of the search's OR must then
    come from an index (on a six-row table the planner would rather read it all)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    explained = queryset.order_by().explain()
    assert "Seq Scan" not in explained, explained
    return explained


@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("养", "organization_name_ngrams"),
        ("养老", "organization_name_ngrams"),
        ("hepingqu", "organization_pinyin_trgm"),
        ("hpq", "organization_initials_trgm"),
    ],
)
def test_search_uses_its_index(organizations, term, index):
    assert index in plan(search_organizations(Organization.objects.all(), term))


def test_latin_letters_and_digits_of_a_name_are_found(organizations):
    it = make_organization(name="天津IT产业A1联合会", credit_code=valid_code())
    for term in ["it", "IT", "a1", "Ａ１", "it chan"]:
        assert found(search_organizations(Organization.objects.all(), term)) == [it.name], term


def walk_plan(found):
    """The plan of a page of ``found``'s keys in pinyin order when nothing but an
    index-only scan is allowed (as ``walked`` reads them)."""
    with connection.cursor() as cursor:
        for name in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {name} = off")
    return found.order_by("name_pinyin", "id").values_list("pk", flat=True)[:20].explain()


def test_a_latin_search_tests_the_pinyin_index_alone(organizations):
    """A search of Latin letters walks the pinyin order testing each name from the index
    (an index-only scan: no n-grams of the name, no credit code where the text cannot end
    one: I, O, S, V and Z are in no code)."""
    for term in ["hpq", "hepingqu", "tjshpq"]:
        explained = walk_plan(search_organizations(Organization.objects.all(), term))
        assert "Index Only Scan using organization_pinyin_id" in explained, (term, explained)
        assert "regexp_split_to_array" not in explained, (term, explained)  # the n-grams
        assert "registry_ngrams" not in explained and "credit_code" not in explained


def test_a_group_search_tests_the_public_pinyin_index_alone(groups):
    public = CommunityGroup.objects.filter(status__in=["filed", "cancelled"])
    for term in ["合唱", "hct", "taijiquan"]:
        explained = walk_plan(search_groups(public, term))
        assert "Index Only Scan using communitygroup_public_pinyin" in explained, (term, explained)


def test_credit_code_suffix_uses_the_reversed_index(organizations):
    code = organizations[YOUTH].credit_code[-6:]
    assert "organization_code_suffix" in plan(
        search_organizations(Organization.objects.all(), code)
    )


def test_group_search_uses_its_indexes(groups):
    assert "communitygroup_name_ngrams" in plan(search_groups(CommunityGroup.objects.all(), "合"))
    private = plan(search_groups(CommunityGroup.objects.all(), "王芳", private=True))
    assert "communitygroup_leader_ngrams" in private


# Counts --------------------------------------------------------------------------------------


def test_capped_and_estimated_counts(organizations):
    everything = Organization.objects.all()
    assert capped_count(everything) == 6
    assert capped_count(everything, cap=4) == 5  # "more than 4"
    assert estimated_count(everything) == (6, True)
    count, exact = estimated_count(everything, cap=4)
    assert count >= 5 and exact is False


def test_paginator_counts_exactly_up_to_its_cap(organizations):
    paginator = EstimatedCountPaginator(Organization.objects.order_by("pk"), 4)
    assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (6, True, 2)


class TinyCap(EstimatedCountPaginator):
    cap = search_cap = 2


class PublicTinyCap(TinyCap):
    """The public lists' way: the estimate first, keys in place of a count."""

    estimate_first = True


def test_paginator_estimates_above_its_cap(organizations):
    paginator = TinyCap(Organization.objects.order_by("pk"), 4)
    assert paginator.count >= 3 and not paginator.count_is_exact
    assert [o.pk for o in paginator.page(1)] == [
        o.pk for o in Organization.objects.order_by("pk")[:4]
    ]


def test_paginator_ranks_a_large_result_through_its_best_matches(organizations):
    # Above the cap the page is put together from the exact and prefix matches, then
    # the rest: the same order as ranking every row.
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    expected = [o.name for o in result]
    paginator = TinyCap(result, 2)
    assert not paginator.count_is_exact
    assert [o.name for n in (1, 2) for o in paginator.page(n)] == expected
    assert expected[:2] == [CENTRE, CENTRE_UNION]


def test_a_search_the_planner_expects_to_be_large_is_not_counted(organizations, monkeypatch):
    """Above TRUSTED_ESTIMATE times the cap the planner's estimate is shown as it is
    (marked as an estimate) and no COUNT runs; below it the matches are counted. (The
    planner's: the statistics hold no figure for the text here, whatever earlier tests
    left in the tables' statistics; see the next test for when they do.)"""
    monkeypatch.setattr(search, "rows_holding", lambda queryset, terms: None)
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    monkeypatch.setattr(search, "TRUSTED_ESTIMATE", 0)
    with CaptureQueriesContext(connection) as queries:
        paginator = PublicTinyCap(result, 2)
        count, exact = paginator.count, paginator.count_is_exact
    assert not exact and count == search.planner_estimate(result) >= 1
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["EXPLAIN"]
    monkeypatch.setattr(search, "TRUSTED_ESTIMATE", 10**9)
    paginator = EstimatedCountPaginator(result, 2, estimate_first=True)
    assert (paginator.count, paginator.count_is_exact) == (len(result), True)


def test_a_substring_of_one_or_two_characters_is_estimated_by_its_ngram(organizations):
    """The substring test next to the n-gram look-up (strpos, not ILIKE) leaves the
    planner's estimate to the n-gram index's statistics: PostgreSQL took ILIKE for rare
    and multiplied, expecting 255 of 12,707 matches at a million names."""
    found = search_organizations(Organization.objects.all(), "养老")
    sql = str(found.query)
    assert "strpos(" in sql and "ILIKE" not in sql


def test_text_without_case_is_looked_for_in_the_name_itself(db):
    """``Holds``: text whose characters have no case is tested against the name as it
    is, other text against the lower-cased name, and both find what ILIKE finds."""
    names = ["ABC合唱团", "abc舞蹈队", "第Ⅷ合唱团", "ⅷ号合唱", "Straße合唱", "2026合唱", "合唱"]
    for name in names:
        make_organization(name=name)
    everyone = Organization.objects.filter(name__in=names)
    for text in ["合唱", "abc", "ABC合唱", "Ⅷ", "ⅷ号", "ß", "SS", "2026", "号合", "团"]:
        held = everyone.filter(search.Holds(F("name"), Value(text.lower())))
        sql = str(held.query)
        assert ("strpos(lower(" in sql) != search.caseless(text.lower()), text
        expected = sorted(everyone.filter(name__icontains=text).values_list("name", flat=True))
        assert sorted(held.values_list("name", flat=True)) == expected, text
    assert search.caseless("合唱2026·") and not search.caseless("ⅷ")
    assert not search.caseless("abc") and not search.caseless("ß")


def test_cased_text_is_looked_for_after_a_probe_and_finds_what_ilike_finds(db):
    """``Holds`` with cased text lower-cases only the names that hold one of its
    characters (``_probe``), and finds what PostgreSQL's ILIKE finds, which lower-cases
    İ to i and the Kelvin sign to k: no probe is made of those two letters."""
    names = [
        "HCT合唱团", "hct舞蹈队", "Hct", "İstanbul之友", "Kelvin \u212a乐队", "ΣΑΣ合唱",
        "A1书画社", "ABC合唱团", "合唱",
    ]  # fmt: skip
    for name in names:
        make_organization(name=name)
    everyone = Organization.objects.filter(name__in=names)
    probes = {"hct": ("h", "H"), "is": ("s", "S"), "k": (), "i": (), "σα": (), "a1": ("1",)}
    probes |= {"abc合唱": ("合",), "kv": ("v", "V")}
    for text, probe in probes.items():
        assert search._probe(text) == probe, text
        held = everyone.filter(search.Holds(F("name"), Value(text)))
        assert ("CASE WHEN strpos(" in str(held.query)) == bool(probe), text
        expected = everyone.extra(where=["name ILIKE %s"], params=[f"%{text}%"])
        assert sorted(held.values_list("name", flat=True)) == sorted(
            expected.values_list("name", flat=True)
        ), text
    assert set(everyone.filter(search.Holds(F("name"), Value("k")))) >= {
        Organization.objects.get(name="Kelvin \u212a乐队")
    }
    assert everyone.filter(search.Holds(F("name"), Value("is"))).get().name == "İstanbul之友"


class OneCap(EstimatedCountPaginator):
    cap = search_cap = 1


@pytest.mark.parametrize("per_page", [1, 3, 4])
def test_paginator_ranks_prefix_matches_too_many_to_rank_by_key(organizations, per_page):
    """Above the cap even the exact and prefix matches (two here,养老服务中心 and its
    union) are too many to rank by key: the page takes the prefix matches in pinyin
    order from their own indexes, then the rest, on every page, however the pages
    fall (a page wholly after the prefix matches counts them first)."""
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    expected = [o.name for o in result]
    assert expected[:2] == [CENTRE, CENTRE_UNION] and len(expected) == 4
    assert [o.name for o in OneCap(result, per_page).page(1)] == expected[:per_page]
    # Every page (the estimated count may end the paginator's before the rows do).
    first = result.query.search_first
    pages = [
        search._ranked_slice(result, first, start, start + per_page)
        for start in range(0, len(expected), per_page)
    ]
    assert [o.name for page in pages for o in page] == expected


def test_a_ranked_page_reads_its_best_matches_and_the_rest_in_one_statement(organizations):
    """A page that holds both prefix matches and others reads the rows of both by key
    in one statement, in the page's order."""
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    expected = [o.pk for o in result]
    first = result.query.search_first
    with CaptureQueriesContext(connection) as queries:
        page = search._ranked_slice(result.all(), first, 0, 3)
    assert [o.pk for o in page] == expected[:3]
    by_key = '"registry_organization"."id" IN ('
    rows = [q["sql"] for q in queries.captured_queries if by_key in q["sql"]]
    assert len(rows) == 1 and rows[0].endswith(f"{by_key}{', '.join(map(str, expected[:3]))})")


def test_paginator_ranks_exact_then_prefix_matches_above_the_cap(organizations):
    make_organization(name="养老", credit_code=valid_code())
    result = search_organizations(Organization.objects.all(), "yanglao").order_by(
        "search_rank", "name_pinyin", "id"
    )
    expected = [o.name for o in result]
    assert expected[:3] == ["养老", CENTRE, CENTRE_UNION]
    first = result.query.search_first
    pages = [search._ranked_slice(result, first, start, start + 2) for start in (0, 2, 4)]
    assert [o.name for page in pages for o in page] == expected


def test_a_prefix_with_too_many_matches_to_sort_leaves_the_result_unranked(
    organizations, monkeypatch
):
    """A prefix matching more than PREFIX_COLLECT_MAX names (those whose initials begin
    with one letter are a seventh of them all) is not sorted: the page is the walk's,
    in pinyin order, as if there were no ranking, and so is every page of the search."""
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    by_pinyin = [o.name for o in result.order_by("name_pinyin", "id")]
    ranked_names = [o.name for o in result]
    assert ranked_names != by_pinyin
    assert [o.name for o in OneCap(result, 4).page(1)] == ranked_names
    monkeypatch.setattr(search, "PREFIX_COLLECT_MAX", 1)  # 养老服务中心 and its union: 2
    first = result.query.search_first
    assert search._best_keys(result, ("name_pinyin", "id"), 0, 4) is None
    for start in (0, 2):
        page = search._ranked_slice(result, first, start, start + 2)
        assert [o.name for o in page] == by_pinyin[start : start + 2]


def test_a_prefix_part_leaves_out_the_substring_test_it_implies(organizations):
    """A name that begins with the text holds it: the name's prefix part of a ranked
    page (``_best_keys``) does not test every name its index gives for it."""
    result = search.without_ngrams(search_organizations(Organization.objects.all(), "养老"))
    by_name = Q(name__startswith="养老")
    held = search._held_by_prefix(result, by_name).filter(by_name)
    assert "strpos" in str(result.query) and "strpos" not in str(held.query)
    assert found(held) == found(result.filter(by_name)) == [CENTRE, CENTRE_UNION]
    # Any other condition keeps the test.
    by_pinyin = Q(name_pinyin__startswith="yanglao")
    assert "strpos" in str(search._held_by_prefix(result, by_pinyin).filter(by_pinyin).query)
    assert "strpos" in str(search._held_by_prefix(result, by_name | by_pinyin).query)


def test_without_ngrams_finds_the_same_rows_by_the_substring_alone(organizations, groups):
    for term in ["养老", "养", "和平区", "yanglao"]:
        result = search_organizations(Organization.objects.all(), term)
        plain = search.without_ngrams(result)
        assert found(plain) == found(result)
        assert "registry_ngrams" not in str(plain.query)
        assert "strpos" in str(plain.query) or term.isascii()
    leader = search_groups(CommunityGroup.objects.all(), "王芳", private=True)
    assert "registry_ngrams" in str(leader.query)
    plain = search.without_ngrams(leader)
    assert "registry_ngrams" not in str(plain.query)
    assert sorted(g.pk for g in plain) == sorted(g.pk for g in leader) != []


def test_a_staff_search_looks_up_both_names_at_once(groups):
    """Chinese text on a staff page is one condition over the name and the leader's
    name, ``(holds OR holds) AND (n-grams OR n-grams)``, so PostgreSQL drops the look-ups
    from each found row's test; it finds what a substring test of either name finds."""
    everyone = CommunityGroup.objects.all()
    for term in ["王芳", "合唱", "王", "队"]:
        result = search_groups(everyone, term, private=True)
        where = str(result.query).split(" WHERE ", 1)[1]
        assert where.index(" OR strpos(") < where.index("registry_ngrams")
        expected = sorted(g.pk for g in everyone if term in g.name or term in g.leader_name)
        assert sorted(g.pk for g in result) == expected
        plain = search.without_ngrams(result)
        assert "registry_ngrams" not in str(plain.query)
        assert sorted(g.pk for g in plain) == expected
    assert any(search_groups(everyone, term, private=True) for term in ["王芳", "合唱"])


def test_without_ngrams_keeps_a_look_up_the_tests_beside_it_do_not_cover(groups):
    """An n-gram look-up of the name alone beside a test of the name or the leader's
    name is not implied by that test: it stays."""
    terms = search._Terms("王芳")
    name_only, aliases = terms.name_condition(CommunityGroup.objects.all())
    either = search.Holds(F("name"), "王芳") | search.Holds(F("leader_name"), "王芳")
    looked_up = next(child for child in name_only.children if isinstance(child, Q))
    query = CommunityGroup.objects.alias(**aliases).filter(either & looked_up)
    assert "registry_ngrams" in str(search.without_ngrams(query).query)


def test_a_pages_rows_are_read_by_key_without_the_search_again(organizations):
    """The page's keys came from the search: its rows are read by key alone, without
    its conditions or its rank, and keep the list's other annotations."""
    result = search_organizations(directory.public_organizations(), "养老")
    keys = [o.pk for o in result.order_by("-pk")]
    assert len(keys) >= 2
    with CaptureQueriesContext(connection) as queries:
        rows = search._rows_by_keys(result, keys)
    assert [row.pk for row in rows] == keys
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "strpos" not in sql and "CASE WHEN" not in sql and "search_rank" not in sql
    assert all(row.on_serious_list is False for row in rows)
    assert search._rows_by_keys(result, []) == []
    # An aggregate, which the conditions narrow, keeps them.
    counted = result.filter(credit_records__isnull=True).annotate(n=Count("credit_records"))
    with CaptureQueriesContext(connection) as queries:
        assert [row.pk for row in search._rows_by_keys(counted, keys)] == keys
    assert "strpos" in queries.captured_queries[0]["sql"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["", "和", "和平", "和平区", "和平合唱团", "A b", "Tianjin 和平 2号", "  ", "ÄÖ的"]
)
def test_a_streets_n_grams_are_the_names_n_grams_after_the_streets_key(value):
    """registry_street_ngrams(street, x) holds "<street> <g>" for each n-gram g of x
    (registry_ngrams; an empty one, which is never looked up, left out), and nothing
    else: a street's look-up finds what the name's does.
    And PostgreSQL inlines it (an index built on it, or a row tested with it, runs no
    function call of its own)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT registry_street_ngrams(12, %s), registry_ngrams(%s)", [value, value])
        street, plain = cursor.fetchone()
        assert set(street) == {f"12 {gram}" for gram in plain if gram}
        cursor.execute("EXPLAIN VERBOSE SELECT registry_street_ngrams(12, %s)", [value])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "registry_street_ngrams" not in plan


def test_a_deep_page_of_a_large_filtered_list_comes_by_keys(organizations):
    """Above the cap, an unsearched list reads the page's keys first (from the covering
    index at scale), then the rows: the same rows in the same order as a plain slice."""
    listed = Organization.objects.exclude(name=CHAMBER).order_by("name_pinyin", "id")
    expected = [o.pk for o in listed]
    paginator = TinyCap(listed, 2)
    assert not paginator.count_is_exact
    # An estimated page always takes its full slice (pages 1 and 2 exist: the estimate
    # is above the cap of 2).
    assert [o.pk for n in (1, 2) for o in paginator.page(n)] == expected[:4]


def test_a_small_list_reads_its_keys_once_in_order_and_each_page_by_key(organizations):
    """Up to the cap an unsearched list is counted with the keys of the page asked for,
    read with the values it is ordered by and sorted in the same statement, which sends
    that page's keys alone; the page's rows are then read by key: its filters are looked
    up once, not twice. Each page as a request asks for it: a paginator of its own."""
    listed = Organization.objects.exclude(name=CHAMBER).order_by("name_pinyin", "id")
    expected = [o.pk for o in listed]
    assert len(expected) > 4
    pages = []
    for number in (1, 2, 3):
        paginator = EstimatedCountPaginator(listed, 2, estimate_first=True)
        with CaptureQueriesContext(connection) as queries:
            pages.append([o.pk for o in paginator.get_page(str(number))])
        assert (paginator.count, paginator.count_is_exact) == (len(expected), True)
        statements = [q["sql"] for q in queries.captured_queries]
        assert len(statements) == 3 and statements[0].startswith("EXPLAIN")
        # Up to four times the cap: a list of filters alone is counted up to that.
        assert (
            "LIMIT 40001) AS listed ORDER BY 2 ASC, 3 ASC "
            f"LIMIT 2 OFFSET {(number - 1) * 2}" in statements[1]
        )
        assert "count(*) OVER ()" in statements[1]
        # The page: its rows by key, with no condition of the list's tested again.
        assert " IN (" in statements[2] and CHAMBER not in statements[2]
    assert [pk for page in pages for pk in page] == expected[:6]


def test_another_page_of_a_small_list_and_a_page_past_its_end(organizations):
    """A paginator asked for a second page reads it by its keys (``_by_keys``); a page
    past the end of a small list (which sends no keys, nor so its count) counts the list
    by reading its keys and shows its last page, as Django's ``get_page`` does."""
    listed = Organization.objects.exclude(name=CHAMBER).order_by("-registered_on", "-id")
    expected = [o.pk for o in listed]
    paginator = EstimatedCountPaginator(listed, 2, estimate_first=True)
    assert [o.pk for o in paginator.page(2)] == expected[2:4]
    assert [o.pk for o in paginator.page(1)] == expected[:2]
    assert paginator.count == len(expected) and paginator.count_is_exact
    last = (len(expected) + 1) // 2
    for asked in ("999", "0", "-3"):
        paginator = EstimatedCountPaginator(listed, 2, estimate_first=True)
        page = paginator.get_page(asked)
        assert page.number == last and [o.pk for o in page] == expected[(last - 1) * 2 :]
        assert paginator.count == len(expected) and paginator.count_is_exact
    empty = EstimatedCountPaginator(listed.none() | listed.filter(name="—"), 2, estimate_first=True)
    assert list(empty.get_page("1")) == [] and (empty.count, empty.count_is_exact) == (0, True)


def test_a_list_of_filters_alone_within_four_times_the_cap_is_counted_and_paged_by_key(
    organizations, monkeypatch
):
    """Estimated within ``TRUSTED_ESTIMATE`` times the cap, a list of filters alone is
    read whole up to that bound: counted exactly above the cap, and each page read by
    key (no walk of its ordering). Beyond the bound the estimate stands, as above the
    cap for a search (whose keys are tested one by one)."""
    listed = Organization.objects.exclude(name=CHAMBER).order_by("name_pinyin", "id")
    expected = [o.pk for o in listed]
    assert len(expected) > 4
    cap = 2
    monkeypatch.setattr(search, "_plan", lambda queryset: {"Node Type": "Seq Scan", "Plan Rows": 7})
    for number in (1, 2):
        paginator = EstimatedCountPaginator(listed, 2, cap=cap, estimate_first=True)
        with CaptureQueriesContext(connection) as queries:
            page = [o.pk for o in paginator.page(number)]
        assert (paginator.count, paginator.count_is_exact) == (len(expected), True)
        assert page == expected[(number - 1) * 2 : number * 2]
        counted, rows = (q["sql"] for q in queries.captured_queries)
        assert f"LIMIT {search.TRUSTED_ESTIMATE * cap + 1}) AS listed" in counted
        assert " IN (" in rows and "ORDER BY" not in rows
    # More rows than the bound (four times a cap of 1): at least the bound, estimated.
    few = EstimatedCountPaginator(listed, 2, cap=1, estimate_first=True)
    monkeypatch.setattr(search, "_plan", lambda queryset: {"Node Type": "Seq Scan", "Plan Rows": 3})
    assert (few.count, few.count_is_exact) == (search.TRUSTED_ESTIMATE + 1, False)
    assert [o.pk for o in few.page(1)] == expected[:2]


def test_a_small_search_result_reads_its_page_among_its_keys(organizations, monkeypatch):
    # The planner's estimate first (the statistics hold no figure for the text here).
    monkeypatch.setattr(search, "rows_holding", lambda queryset, terms: None)
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    expected = [o.pk for o in result]
    assert len(expected) > 2
    for number in (1, 2):
        paginator = EstimatedCountPaginator(result.all(), 2, estimate_first=True)
        with CaptureQueriesContext(connection) as queries:
            page = [o.pk for o in paginator.page(number)]
        assert (paginator.count, paginator.count_is_exact) == (len(expected), True)
        assert page == expected[(number - 1) * 2 : number * 2]
        statements = [q["sql"] for q in queries.captured_queries]
        assert statements[0].startswith("EXPLAIN") and "COUNT(" not in statements[1]
        assert (
            f"AS listed ORDER BY 2 ASC, 3 ASC, 4 ASC LIMIT 2 OFFSET {(number - 1) * 2}"
            in statements[1]
        )
        assert "strpos" not in statements[2] and len(statements) == 3


def test_a_large_lists_page_reads_its_keys_in_one_process(organizations):
    """``_by_keys``: the keys of a page of a large list are read without parallel
    workers, set for that statement alone in the same round trip; the rows are the
    list's, in its order; a list that holds no row sends nothing."""
    listed = Organization.objects.order_by("name_pinyin", "id")
    expected = list(listed[1:4])
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        before = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as queries:
        rows = search._by_keys(listed, 1, 4)
    assert rows == expected and len(queries) == 2
    keys = queries[0]["sql"]
    assert keys.startswith("SELECT set_config('max_parallel_workers_per_gather', '0', true); ")
    assert "LIMIT 3 OFFSET 1" in keys
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == before
    with CaptureQueriesContext(connection) as queries:
        assert search._by_keys(listed.filter(pk__in=[]), 0, 2) == []
        assert search._by_keys(listed.none(), 0, 2) == []
    assert len(queries) == 0


@pytest.mark.parametrize("index_only", [False, True])
@pytest.mark.parametrize(
    "ordering",
    [
        ("search_rank", "name_pinyin", "id"),
        ("-registered_on", "-pk"),
        (F("grade_expires_on").asc(nulls_first=True), "id"),
        (F("grade_expires_on").desc(nulls_last=True), "-id"),
        ("grade_expires_on", "name"),
        ("-grade_expires_on", "name"),
    ],
)
def test_ordered_keys_are_the_lists_keys_in_its_order(organizations, ordering, index_only):
    """Read with the values they are ordered by (or, ``index_only``, ordered by key
    among them), the keys come in the list's own order, NULLs where it puts them."""
    # Some of the matches graded, the others not: NULLs to place.
    Organization.objects.filter(name__startswith="养老服务中心").update(
        grade="4A",
        grade_awarded_on=datetime.date(2022, 1, 1),
        grade_expires_on=datetime.date(2027, 1, 1),
    )
    result = search_organizations(Organization.objects.all(), "养老").order_by(*ordering)
    expected = list(result.values_list("pk", flat=True))
    assert len(expected) > 3
    with CaptureQueriesContext(connection) as queries:
        keys = search.ordered_keys(result, 100, index_only=index_only)
    assert keys == expected and len(queries) == 1 + index_only
    # No more than the limit are read, in whatever order they are found: a count's.
    limited = search.ordered_keys(result, 3, index_only=index_only)
    assert len(limited) == 3 and set(limited) <= set(expected)
    # All of them, one more than there are: in order.
    assert search.ordered_keys(result, len(expected) + 1, index_only=index_only) == expected


def _random_page_cost():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        return cursor.fetchone()[0]


SETTING_READ = "SELECT current_setting('random_page_cost'), %s"


def _read_with_setting():
    """``_rows_with_settings``: the statement runs with the settings, and every
    statement after it with the connection's own (PostgreSQL's default, 4)."""
    assert _random_page_cost() == "4"
    rows = search._rows_with_settings("default", SETTING_READ, ["x"], search._FEW_ROWS)
    assert rows == [("1.1", "x")]
    assert _random_page_cost() == "4"


def test_a_statement_with_settings_inside_a_transaction(db):
    """In a caller's transaction (a test's), the settings are reset after it."""
    assert connection.in_atomic_block
    _read_with_setting()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_with_settings_on_its_own():
    """Outside a transaction, the batch is one: the settings end with it."""
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        _read_with_setting()
    sent = queries[1]["sql"]
    assert sent.startswith("SELECT set_config('random_page_cost', '1.1', true); SELECT")
    assert "RESET" not in sent


def test_a_statement_with_settings_where_parameters_are_bound_on_the_server(db, monkeypatch):
    """A connection that binds parameters on the server cannot send several statements
    at once: the settings take a transaction of their own (``_planner_settings``)."""
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
    with CaptureQueriesContext(connection) as queries:
        _read_with_setting()
    sent = [query["sql"] for query in queries]
    settings = sent.index("SELECT set_config('random_page_cost', '1.1', true)")
    assert sent[settings + 1] == SETTING_READ.replace("%s", "'x'")


def test_the_keys_statement_is_planned_for_few_rows(organizations):
    """``ordered_keys`` reads the keys of its derived table with ``_FEW_ROWS``, in one
    round trip, and returns its rows (not the settings')."""
    result = search_organizations(Organization.objects.all(), "养老").order_by("name_pinyin", "pk")
    expected = list(result.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        keys = search.ordered_keys(result, 100)
    assert keys == expected and len(keys) > 3 and len(queries) == 1
    assert queries[0]["sql"].startswith("SELECT set_config('random_page_cost', '1.1', true); ")
    assert "AS listed ORDER BY" in queries[0]["sql"]
    assert queries[0]["sql"].endswith("; RESET random_page_cost")  # in the test's transaction
    assert _random_page_cost() == "4"


def test_ordered_keys_through_a_foreign_key_are_read_as_values(organizations):
    """A column reached forward through a foreign key (one row for each key) is read as
    a value, a NULL street included."""
    listed = Organization.objects.order_by("-street__name", "id")
    assert search._ordering_terms(listed) is not None
    with CaptureQueriesContext(connection) as queries:
        keys = search.ordered_keys(listed, 100)
    assert keys == list(listed.values_list("pk", flat=True))
    assert "AS listed ORDER BY 2 DESC, 3 ASC" in queries[0]["sql"] and len(queries) == 1


def test_ordered_keys_of_an_ordering_through_a_relation_are_ordered_among_them(
    organizations,
):
    """A foreign key's name orders by the related model's ordering, and a reverse path
    may give several rows for one: neither is read as a value of the row; the keys are
    ordered among them."""
    for ordering in (("street", "id"), ("annual_reports__year", "-id")):
        listed = Organization.objects.order_by(*ordering)
        assert search._ordering_terms(listed) is None
        with CaptureQueriesContext(connection) as queries:
            keys = search.ordered_keys(listed, 100)
        assert keys == list(listed.values_list("pk", flat=True))
        assert "AS listed ORDER BY" not in queries[0]["sql"]


def test_a_list_whose_keys_come_from_an_index_alone_orders_them_among_them(
    organizations, monkeypatch
):
    """``_reads_index_only``: whether the count's plan finds many keys from an index
    alone (reading the ordering's values would change that plan); the paginator orders
    the keys among them, in the same one statement, and the pages are the same."""
    many = search.TABLE_READ_ROWS + 1
    plan = {"Node Type": "Hash Join", "Plans": [{"Node Type": "Seq Scan", "Plan Rows": many}]}
    assert not search._reads_index_only(plan)
    index_only = {"Node Type": "Index Only Scan", "Plan Rows": many - 1}
    plan["Plans"].append({"Node Type": "Hash", "Plan Rows": 1, "Plans": [index_only]})
    assert not search._reads_index_only(plan)  # few: read from the table all the same
    index_only["Plan Rows"] = many
    assert search._reads_index_only(plan)
    listed = Organization.objects.exclude(name=CHAMBER).order_by("-registered_on", "-id")
    expected = [o.pk for o in listed]
    monkeypatch.setattr(search, "_reads_index_only", lambda plan: True)
    for number in (1, 2):
        paginator = EstimatedCountPaginator(listed, 2, estimate_first=True)
        with CaptureQueriesContext(connection) as queries:
            page = [o.pk for o in paginator.page(number)]
        assert page == expected[(number - 1) * 2 : number * 2]
        assert paginator.count == len(expected)
        keys, ordered = queries[1]["sql"], queries[2]["sql"]
        assert "AS listed" not in keys and "LIMIT 40001" in keys
        # The page's keys alone come back from the keys ordered among them.
        assert "= ANY(" in ordered and "ORDER BY" in ordered and len(queries) == 4
        assert f"LIMIT 2 OFFSET {(number - 1) * 2}" in ordered or (
            number == 1 and ordered.endswith("LIMIT 2")
        )


def test_a_page_among_its_keys_is_read_without_its_conditions_where_they_only_narrow(
    organizations,
):
    """``_among_keys``: the rows of the keys a search found, in its order, without
    testing the search again; a query joined to several rows of another table for one
    of its own keeps its conditions, so its rows stay the same."""
    result = search_organizations(Organization.objects.all(), "养老").order_by(
        "search_rank", "name_pinyin", "id"
    )
    keys = list(result.order_by().values_list("pk", flat=True))
    among = search._among_keys(result, keys)
    assert "strpos" not in str(among.query) and list(among) == list(result)
    for organization in organizations.values():
        AnnualReport.objects.create(organization=organization, year=2015, result="qualified")
        AnnualReport.objects.create(organization=organization, year=2016, result="qualified")
    joined = Organization.objects.filter(annual_reports__year=2016).order_by("name_pinyin")
    among = search._among_keys(joined, list(joined.values_list("pk", flat=True)))
    assert "2016" in str(among.query) and list(among) == list(joined)


def test_a_list_the_planner_expects_to_be_large_is_not_counted(organizations, monkeypatch):
    monkeypatch.setattr(search, "TRUSTED_ESTIMATE", 0)
    listed = Organization.objects.order_by("name_pinyin", "id")
    with CaptureQueriesContext(connection) as queries:
        paginator = EstimatedCountPaginator(listed, 2, estimate_first=True)
        count, exact = paginator.count, paginator.count_is_exact
    assert not exact and count == search.planner_estimate(listed)
    assert len(queries) == 1


def settings_now(*names):
    values = []
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(cursor.fetchone()[0])
    return values


WALKED = ("enable_seqscan", "enable_bitmapscan", "enable_sort", "statement_timeout")


def test_a_walk_leaves_the_connection_as_it_found_it(organizations):
    before = settings_now(*WALKED, "enable_indexscan")
    result = search_organizations(Organization.objects.all(), "养老").order_by("name_pinyin", "id")
    assert [o.name for o in walked(result, 0, 10)] == [o.name for o in result]
    assert settings_now(*WALKED, "enable_indexscan") == before


@pytest.mark.parametrize(
    ("collect_timeout", "attempts"),
    [pytest.param("10000", 2, id="then-collected"), pytest.param("20", 3, id="then-walked-whole")],
)
def test_a_walk_that_runs_too_long_gives_way(organizations, monkeypatch, collect_timeout, attempts):
    """A walk over matches bunched far down the order is cancelled after WALK_TIMEOUT_MS;
    the page then comes from collecting the matches and sorting them, with the same rows.
    A walk cut short on a busy machine may be over a word in most names, whose matches
    are too many to collect: a collection is cancelled after COLLECT_TIMEOUT_MS too, and
    the walk is then run to its end under the connection's own timeout. Each name here
    takes 30 ms to test (pg_sleep), so a 20 ms limit cannot be met."""
    monkeypatch.setitem(search._WALK, "statement_timeout", "20")
    monkeypatch.setitem(search._COLLECT, "statement_timeout", collect_timeout)
    slow = paused_search("0.03")
    with CaptureQueriesContext(connection) as queries:
        rows = walked(slow, 0, 2)
    assert [o.name for o in rows] == [o.name for o in slow[:2]]
    settings_set = [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]
    assert len(settings_set) == attempts and "enable_indexscan" in settings_set[1]
    if attempts == 3:
        assert "enable_bitmapscan" in settings_set[2]
        assert "statement_timeout" not in settings_set[2]
    assert settings_now("statement_timeout", "enable_indexscan") == ["0", "on"]


def test_a_search_whose_walk_gave_way_is_collected_first_next_time(organizations, monkeypatch):
    """Once a search's walk has given way and its matches were collected in less time
    than the walk was given, its next pages (or the same search again) are collected
    first, without waiting for the walk to give way, for COLLECTED_FIRST_SECONDS; when
    collecting takes too long (twice the walk's limit), the search is walked first
    again. Here each name a
    walk tests takes 30 ms (pg_sleep while index scans are on, as in a walk); one a
    collection tests takes ``test.collect_pause`` seconds (none unless set)."""
    monkeypatch.setitem(search._WALK, "statement_timeout", "20")
    pause = (
        "CASE WHEN current_setting('enable_indexscan') = 'on' THEN 0.03"
        " ELSE coalesce(nullif(current_setting('test.collect_pause', true), ''), '0')::float END"
    )
    slow = paused_search(pause)
    expected = [o.name for o in slow]

    def attempts(start, stop):
        with CaptureQueriesContext(connection) as queries:
            assert [o.name for o in walked(slow, start, stop)] == expected[start:stop]
        return [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]

    assert len(attempts(0, 2)) == 2 and len(search._collected_first) == 1
    collected = attempts(2, 4)
    assert len(collected) == 1 and "enable_indexscan" in collected[0]
    # Another list is walked first as before (and then remembered too).
    other = attempts_of(slow.exclude(name=CENTRE))
    assert "enable_bitmapscan" in other[0] and len(search._collected_first) == 2
    # Collecting takes too long now: collected, walked, walked whole; and forgotten.
    monkeypatch.setitem(search._COLLECT, "statement_timeout", "20")
    with connection.cursor() as cursor:
        cursor.execute("SET test.collect_pause = '0.05'")
    assert len(attempts(0, 2)) == 3 and len(search._collected_first) == 1
    assert "enable_bitmapscan" in attempts(0, 2)[0]
    # A collection that took longer than the walk was given is not remembered: the
    # walk may give way only now and then (a cold cache), and collecting is slower.
    monkeypatch.setitem(search._COLLECT, "statement_timeout", "10000")
    search._collected_first.clear()
    assert len(attempts(0, 2)) == 2 and len(search._collected_first) == 0
    # And one collected first is forgotten once collecting takes that long.
    with connection.cursor() as cursor:
        cursor.execute("RESET test.collect_pause")
    assert len(attempts(0, 2)) == 2 and len(search._collected_first) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET test.collect_pause = '0.05'")
    assert len(attempts(0, 2)) == 1 and len(search._collected_first) == 0
    with connection.cursor() as cursor:
        cursor.execute("RESET test.collect_pause")


def test_a_search_is_collected_first_only_if_collecting_beat_the_walks_limit(
    organizations, monkeypatch
):
    """A search whose walk gave way, and whose matches then took longer to collect than
    the walk was given, is walked first again next time (the walk may have given way
    to a cold cache, and collecting is not the quicker way then); collected in less
    time than that, it is collected first. Each name a walk tests takes
    ``test.walk_pause`` seconds; a collection pauses ``test.collect_pause`` seconds
    once, at one of the matches."""
    monkeypatch.setitem(search._WALK, "statement_timeout", "100")
    paused = organizations[CENTRE].pk
    pause = (
        "CASE WHEN current_setting('enable_indexscan') = 'on'"
        " THEN coalesce(nullif(current_setting('test.walk_pause', true), ''), '0')::float"
        f" WHEN registry_organization.id = {paused}"
        " THEN coalesce(nullif(current_setting('test.collect_pause', true), ''), '0')::float"
        " ELSE 0 END"
    )
    slow = paused_search(pause)
    expected = [o.name for o in slow[:2]]

    def attempts(collect_pause):
        with connection.cursor() as cursor:
            cursor.execute("SET test.walk_pause = '0.06'")
            cursor.execute(f"SET test.collect_pause = '{collect_pause}'")
        with CaptureQueriesContext(connection) as queries:
            assert [o.name for o in walked(slow, 0, 2)] == expected
        statements = [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]
        return ["enable_indexscan" in sql for sql in statements]

    search._collected_first.clear()
    try:
        # Walked (two names, 120 ms), gave way at 100, collected in 150: walked again.
        assert attempts(0.15) == [False, True] and attempts(0.15) == [False, True]
        assert len(search._collected_first) == 0
        # Collected in less than the walk was given: collected first from then on.
        assert attempts(0) == [False, True] and attempts(0) == [True]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET test.walk_pause")
            cursor.execute("RESET test.collect_pause")


def paused_search(pause):
    """The organizations holding 养老, in pinyin order, each row tested pausing for
    ``pause`` (SQL, seconds: ``pg_sleep``)."""
    return (
        Organization.objects.alias(
            pause=Func(RawSQL(pause, ()), function="pg_sleep", output_field=CharField())
        )
        .filter(pause__isnull=False, name__contains="养老")
        .order_by("name_pinyin", "id")
    )


def attempts_of(queryset):
    with CaptureQueriesContext(connection) as queries:
        walked(queryset, 0, 1)
    return [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]


def test_the_application_switches_jit_off(db):
    assert settings_now("jit") == ["off"]


def test_sampled_counts_agree_with_exact_ones_on_a_small_table(organizations):
    everyone = Organization.objects.all()
    exact = search.sampled_counts(everyone, ["org_type"], 6, exact=True)
    assert exact == {("1",): 6}
    # A "sample" of more rows than the table holds reads every row.
    assert search.sampled_counts(everyone, ["org_type"], 6, exact=False) == exact


# Through the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("鑫", [CHAMBER], id="one-character"),
        pytest.param("和平", [ELDERLY, YOUTH], id="two-characters"),
        pytest.param("he ping qu", [ELDERLY, YOUTH], id="pinyin"),
        pytest.param("hpq", [ELDERLY, YOUTH], id="initials"),
        pytest.param(full_width("HPQ"), [ELDERLY, YOUTH], id="full-width"),
    ],
)
def test_admin_organization_search(client, district_staff, organizations, term, expected):
    client_for(client, district_staff)
    response = client.get(admin_url(Organization, "changelist"), {"q": term})
    assert found(response.context["cl"].result_list) == sorted(expected)


def test_admin_organization_search_by_code_suffix(client, district_staff, organizations):
    client_for(client, district_staff)
    code = organizations[CHAMBER].credit_code
    response = client.get(admin_url(Organization, "changelist"), {"q": code[-5:]})
    assert list(response.context["cl"].result_list) == [organizations[CHAMBER]]


def test_admin_organization_search_is_ranked(client, district_staff, organizations):
    client_for(client, district_staff)
    response = client.get(admin_url(Organization, "changelist"), {"q": CENTRE})
    names = [o.name for o in response.context["cl"].result_list]
    assert names == [CENTRE, CENTRE_UNION, DISTRICT_CENTRE]
    # Without a search the usual order (pinyin) stays.
    response = client.get(admin_url(Organization, "changelist"))
    names = [o.name for o in response.context["cl"].result_list]
    assert names == sorted(names, key=lambda n: Organization.objects.get(name=n).name_pinyin)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("舞", ["dance"], id="one-character"),
        pytest.param("合唱", ["chorus", "choir"], id="two-characters-ranked"),
        pytest.param("hechang", ["chorus", "choir"], id="pinyin"),
        pytest.param("王芳", ["dance"], id="leader"),
    ],
)
def test_admin_group_search(client, district_staff, groups, term, expected):
    client_for(client, district_staff)
    response = client.get(admin_url(CommunityGroup, "changelist"), {"q": term})
    assert [g.pk for g in response.context["cl"].result_list] == [
        groups[key].pk for key in expected
    ]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("舞", ["dance"], id="one-character"),
        pytest.param("合唱", ["chorus", "choir"], id="two-characters-ranked"),
        pytest.param("he chang", ["chorus", "choir"], id="pinyin"),
        pytest.param("fmsq", ["dance", "choir"], id="initials-by-pinyin"),
        pytest.param("芳", ["dance"], id="one-character-of-the-leader"),
        pytest.param("QYC-", ["choir"], id="filing-number"),
    ],
)
def test_workspace_search(client, clerk_qyc, groups, term, expected):
    client_for(client, clerk_qyc)
    response = client.get(reverse("filings:list"), {"q": term})
    assert [g.pk for g in response.context["page"]] == [groups[key].pk for key in expected]


def test_workspace_search_stays_in_the_clerks_street(
    client, clerk_xbl, groups, xiaobailou, xbl_community
):
    mine = make_group(xiaobailou, xbl_community, name="开封道社区合唱团")
    client_for(client, clerk_xbl)
    response = client.get(reverse("filings:list"), {"q": "合唱"})
    assert [g.pk for g in response.context["page"]] == [mine.pk]


def test_workspace_counts_are_exact_at_a_districts_size(client, clerk_qyc, groups):
    client_for(client, clerk_qyc)
    response = client.get(reverse("filings:list"))
    assert response.context["counts_exact"] is True
    assert response.context["page"].paginator.count_is_exact
    assert "≈" not in response.content.decode()


def test_workspace_counts_are_sampled_once_a_minute_at_scale(
    client, clerk_qyc, groups, monkeypatch
):
    """Above EXACT_COUNTS_UP_TO the counts by status and category are sampled and shown
    as estimates; the sample is kept for SAMPLED_COUNTS_SECONDS, so the next view of the
    same list asks only for the planner's estimate. Exact counts are taken at every view."""
    client_for(client, clerk_qyc)
    url = reverse("filings:list")

    def view():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        grouped = [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
        return response, len(grouped)

    _response, grouped = view()
    assert grouped == 1  # exact: counted
    assert view()[1] == 1  # and counted again
    monkeypatch.setattr(search, "EXACT_COUNTS_UP_TO", 0)
    first, grouped = view()
    assert grouped == 1 and first.context["counts_exact"] is False
    second, grouped = view()
    assert grouped == 0
    assert second.context["status_counts"] == first.context["status_counts"]
    assert "≈" in second.content.decode()
    # Once the kept sample is gone (after the minute), it is taken again.
    cache.clear()
    assert view()[1] == 1


def test_admin_registration_year_filter(client, district_staff):
    import datetime

    old = make_organization(name="老协会", registered_on=datetime.date(2015, 3, 1))
    new = make_organization(name="新协会", registered_on=datetime.date(2019, 6, 1))
    client_for(client, district_staff)
    url = admin_url(Organization, "changelist")
    response = client.get(url, {"registered_year": "2019"})
    assert list(response.context["cl"].result_list) == [new]
    page = response.content.decode()
    assert "registered_year=2015" in page and "registered_year=2017" in page
    # A value that is not a year filters nothing rather than failing.
    response = client.get(url, {"registered_year": "x"})
    assert set(response.context["cl"].result_list) == {old, new}


def test_a_best_match_found_twice_counts_once_at_its_best_rank(db):
    """An exact match is a prefix match too: ``_best_keys`` lists it once, first."""
    made = {
        name: make_organization(name=name, credit_code=valid_code()).pk
        for name in ["和平区协会", "和平", "和平区商会", "南开区和平协会"]
    }
    result = search_organizations(Organization.objects.all(), "和平").order_by(
        "search_rank", "name_pinyin", "id"
    )
    order = ("name_pinyin", "id")
    assert search._best_keys(result, order, 0, 10) == (
        [made["和平"], made["和平区商会"], made["和平区协会"]],
        3,
    )
    assert search._best_keys(result, order, 1, 1) == ([made["和平区商会"]], None)
    # A page after them all: how many there are.
    assert search._best_keys(result, order, 5, 2) == ([], 3)
