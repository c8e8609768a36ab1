"""The clerk's list: search, filters, counts, pagination and a pinned query count."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from hepingorgs import opendata
from registry import filings
from registry.models import Community, CommunityGroup, FilingCategory
from registry.views.filings import _rows_html
from tests.conftest import make_group


@pytest.fixture
def street_groups(quanyechang, qyc_community):
    other = Community.objects.create(street=quanyechang, name="滨西社区")
    choir = make_group(
        quanyechang, qyc_community, name="福明社区夕阳红合唱团", leader_name="赵桂芝"
    )
    filings.submit(choir)
    filings.accept(choir)
    taichi = make_group(
        quanyechang,
        other,
        name="滨西社区太极拳队",
        service_targets=["elderly"],
        category=FilingCategory.objects.get(code="culture_sports"),
    )
    helpers = make_group(
        quanyechang,
        other,
        name="滨西社区邻里互助会",
        service_targets=["hardship", "elderly"],
        category=FilingCategory.objects.get(code="mutual_aid"),
    )
    choir.refresh_from_db()
    return {"choir": choir, "taichi": taichi, "helpers": helpers, "other": other}


def names(response):
    return sorted(g.name for g in response.context["page"])


@pytest.mark.parametrize(
    "query,expected",
    [
        ("合唱", ["福明社区夕阳红合唱团"]),
        ("taiji", ["滨西社区太极拳队"]),
        ("bxsq", ["滨西社区太极拳队", "滨西社区邻里互助会"]),
        ("TaiJi Quan", ["滨西社区太极拳队"]),
        ("QYC-20", ["福明社区夕阳红合唱团"]),
        ("赵桂芝", ["福明社区夕阳红合唱团"]),
        ("太级拳", ["滨西社区太极拳队"]),  # a homophone typo still finds it by pinyin
        ("没有这个", []),
    ],
)
def test_search(client, clerk_qyc, street_groups, query, expected):
    client.force_login(clerk_qyc)
    assert names(client.get(reverse("filings:list"), {"q": query})) == expected


def test_filters(client, clerk_qyc, street_groups):
    client.force_login(clerk_qyc)
    url = reverse("filings:list")
    assert names(client.get(url, {"community": street_groups["other"].pk})) == [
        "滨西社区太极拳队",
        "滨西社区邻里互助会",
    ]
    assert names(client.get(url, {"status": "filed"})) == ["福明社区夕阳红合唱团"]
    assert names(client.get(url, {"service_target": "hardship"})) == ["滨西社区邻里互助会"]
    mutual = FilingCategory.objects.get(code="mutual_aid")
    assert names(client.get(url, {"category": mutual.pk})) == ["滨西社区邻里互助会"]


def test_counts_by_status_and_category(client, clerk_qyc, street_groups, xiaobailou):
    make_group(xiaobailou, Community.objects.create(street=xiaobailou, name="开封道社区"))
    client.force_login(clerk_qyc)
    response = client.get(reverse("filings:list"))
    by_status = {value: n for value, _label, n in response.context["status_counts"]}
    assert by_status == {"draft": 2, "submitted": 0, "filed": 1, "returned": 0, "cancelled": 0}
    by_category = {c.code: n for c, n in response.context["category_counts"]}
    assert by_category["culture_sports"] == 1 and sum(by_category.values()) == 1


def test_page_is_usable_on_a_phone_without_javascript(client, clerk_qyc, street_groups):
    client.force_login(clerk_qyc)
    page = client.get(reverse("filings:list")).content.decode()
    assert '<meta name="viewport"' in page
    assert "<script" not in page
    assert 'method="get"' in page


# session, user, role names, (clerk: street), paginator count (capped), the page's keys,
# page rows, the planner's estimate of the scope (exact or sampled counts), the counts by
# status and category (one query for both: registry.search.sampled_counts), category
# names, community and category filter choices. (Was one more: the counts by status and
# by category were two queries, each asking the planner for its own estimate at scale.)
EXPECTED_QUERIES = {"clerk_qyc": 13, "district_staff": 12}


def list_queries(client, url):
    # The filters' reference choices read afresh, as at a view after they expired
    # (hepingorgs.opendata.REFERENCE_CHOICES_SECONDS).
    opendata._reference_choices.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("actor", ["clerk_qyc", "district_staff"])
def test_list_query_count_is_pinned_and_independent_of_size(
    client, request, quanyechang, qyc_community, actor
):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("filings:list")
    for i in range(3):
        make_group(quanyechang, qyc_community, name=f"福明社区合唱团{'甲乙丙'[i]}")
    small = list_queries(client, url)
    CommunityGroup.objects.bulk_create(
        [
            CommunityGroup(
                name=f"福明社区舞蹈队{i:03d}",
                street=quanyechang,
                community=qyc_community,
                service_targets=["residents"],
            )
            for i in range(120)
        ]
    )
    large = list_queries(client, url)
    assert small == large
    assert large == EXPECTED_QUERIES[actor], large


# The rows as the list's template drew them before registry.views.filings._rows_html
# (without the whitespace between the cells).
TEMPLATE_ROWS = Template(
    "{% load i18n %}{% for group in groups %}<tr>"
    "<td data-label=\"{% translate 'name' %}\">"
    "<a href=\"{% url 'filings:detail' group.pk %}\">{{ group.name }}</a></td>"
    "<td data-label=\"{% translate 'filing number' %}\">"
    '{{ group.filing_number|default:"—" }}</td>'
    "<td data-label=\"{% translate 'community' %}\">"
    "{% if with_street %}{{ group.street.name }} · {% endif %}{{ group.community.name }}</td>"
    '<td data-label="{% translate \'category\' %}">{{ group.category.name|default:"—" }}</td>'
    "<td data-label=\"{% translate 'status' %}\">"
    '<span class="status status-{{ group.status }}">{{ group.get_status_display }}</span></td>'
    '<td data-label="{% translate \'members\' %}">{{ group.member_count|default:"—" }}</td>'
    "</tr>{% endfor %}"
)


@pytest.mark.parametrize("with_street", [True, False])
def test_rows_are_drawn_as_the_template_drew_them(street_groups, quanyechang, with_street):
    """The list's rows are written in Python (for speed at a national register's size):
    the same HTML as the template's, escaping included, for every kind of row."""
    odd = Community.objects.create(street=quanyechang, name="<b>滨江&社区</b>")
    make_group(quanyechang, odd, name='"新"<i>舞蹈</i>队', category=None, member_count=0)
    make_group(quanyechang, odd, name="百人合唱团", member_count=1234)
    groups = list(
        CommunityGroup.objects.select_related("street", "community", "category").order_by("pk")
    )
    assert len(groups) == 5
    with translation.override("zh-hans"):
        expected = TEMPLATE_ROWS.render(Context({"groups": groups, "with_street": with_street}))
        assert str(_rows_html(groups, with_street)) == expected
    assert "&lt;b&gt;滨江&amp;社区&lt;/b&gt;" in expected and "1234" in expected


def test_the_filters_choices_are_kept_for_a_while_and_never_shared_between_streets(
    client, clerk_qyc, clerk_xbl, qyc_community, xbl_community, monkeypatch
):
    """``hepingorgs.opendata.ListedModelChoices`` keeps a drop-down's choices for
    ``REFERENCE_CHOICES_SECONDS``, keyed by their query: a clerk's communities are their
    street's, kept apart from another street's; a community added shows once they
    expire."""
    url = reverse("filings:list")

    def communities(clerk):
        client.force_login(clerk)
        page = client.get(url).content.decode()
        start = page.index('name="community"')
        return page[start : page.index("</select>", start)]

    mine, theirs = communities(clerk_qyc), communities(clerk_xbl)
    assert qyc_community.name in mine and xbl_community.name not in mine
    assert xbl_community.name in theirs and qyc_community.name not in theirs
    assert len(opendata._reference_choices) >= 2
    added = Community.objects.create(street=clerk_qyc.clerk_profile.street, name="新设测试社区")
    with CaptureQueriesContext(connection) as queries:
        kept = communities(clerk_qyc)
    assert kept == mine and added.name not in kept
    assert not any('FROM "registry_community"' in q["sql"] for q in queries.captured_queries)
    monkeypatch.setattr(opendata, "REFERENCE_CHOICES_SECONDS", 0)
    opendata._reference_choices.clear()
    assert added.name in communities(clerk_qyc)
    assert added.name not in communities(clerk_xbl)


def test_choices_of_a_query_with_a_list_parameter_are_read_each_time(qyc_community):
    """A query whose parameters cannot be a key (a list, as an array) is read afresh."""
    import django_filters

    communities = Community.objects.extra(
        where=['"registry_community"."id" = ANY(%s)'], params=[[qyc_community.pk]]
    )
    field = django_filters.fields.ModelChoiceField(queryset=communities, empty_label=None)
    field.iterator = opendata.ListedModelChoices
    field.widget = opendata.QuickSelect()
    field.widget.choices = field.choices
    assert [value for value, _label in field.choices] == [qyc_community.pk]
    assert [value for value, _label in field.choices] == [qyc_community.pk]
    assert not opendata._reference_choices
