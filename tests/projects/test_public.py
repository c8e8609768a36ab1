"""The public list of venture projects at /projects/: everybody may read it, it shows
approved projects only and no private data, filters and search work, and its query
count does not grow with the rows."""

import datetime

import pytest
from django.urls import reverse

from hepingorgs import opendata
from projects import workflow
from projects.models import EvaluationGrade
from registry import search
from tests.conftest import client_for, make_organization
from tests.projects.conftest import advance, make_project

ACTORS = [None, "clerk_qyc", "clerk_xbl", "incubator_staff", "district_staff", "superuser"]


@pytest.fixture
def listed(round_, quanyechang, xiaobailou, filed_group, hub):
    """An approved project of each kind of applicant, and ones the public must not see."""
    home = make_project(
        round_,
        make_organization(
            name="和平区小白楼街社区社会组织服务促进会",
            legal_representative="钱法人",
            contact_phone="022-23456789",
        ),
        streets=[xiaobailou],
        title="爱洒回家路",
    )
    workflow.start_review(home)
    home = advance(home, "completed")
    doctors = workflow.start_review(
        make_project(
            round_,
            group=filed_group,
            host=hub,
            streets=[quanyechang, xiaobailou],
            title="老军医社区义诊",
            field="health",
        )
    )
    workflow.approve(doctors, "80000")
    rejected = workflow.start_review(make_project(round_, title="被拒绝的申报"))
    workflow.reject(rejected, "预算不合理")
    make_project(round_, title="尚在申报的项目")
    return {"home": home, "doctors": doctors}


@pytest.mark.parametrize("actor", ACTORS)
def test_everybody_reads_the_list(request, client, listed, actor):
    client_for(client, request.getfixturevalue(actor) if actor else None)
    response = client.get(reverse("projects:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="zh-hans"' in page.lower()
    assert "公益创投项目" in page
    assert "爱洒回家路" in page and "老军医社区义诊" in page


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_list_is_read_only(client, listed, method):
    assert getattr(client, method)(reverse("projects:list")).status_code == 405


def test_only_approved_projects_and_no_private_data(client, listed, filed_group):
    page = client.get(reverse("projects:list")).content.decode()
    assert "被拒绝的申报" not in page and "尚在申报的项目" not in page
    assert "预算不合理" not in page
    for private in ["钱法人", "022-23456789", filed_group.leader_name, filed_group.leader_phone]:
        assert private not in page
    # What the public is told: amounts, streets, the host, the grade.
    assert "100,000.00" in page and "80,000.00" in page
    assert "福明社区老军医志愿服务队" in page and "劝业场街社区社会组织服务促进会" in page
    assert "劝业场街道、小白楼街道" in page or "小白楼街道、劝业场街道" in page
    assert "良好" in page  # the final evaluation's grade


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "爱洒"}, ["爱洒回家路"]),
        ({"q": "回家"}, ["爱洒回家路"]),
        ({"q": "老军医"}, ["老军医社区义诊"]),  # a filed group by name
        ({"q": "xbljsqshzzfwcjh"}, ["爱洒回家路"]),  # the applicant's pinyin initials
        ({"q": "劝业场街社区"}, ["老军医社区义诊"]),  # the host
        ({"q": "ＸＢＬ"}, ["爱洒回家路"]),  # full-width input
        ({"field": "health"}, ["老军医社区义诊"]),
        ({"year": "2016"}, ["老军医社区义诊", "爱洒回家路"]),
        ({"year": "2017"}, []),
        ({"q": "没有这个项目"}, []),
    ],
)
def test_search_and_filters(client, listed, query, expected):
    response = client.get(reverse("projects:list"), query)
    assert response.status_code == 200
    assert sorted(p.title for p in response.context["page"]) == sorted(expected)


def test_street_and_round_filters(client, listed, quanyechang, xiaobailou, round_):
    url = reverse("projects:list")
    titles = lambda response: sorted(p.title for p in response.context["page"])  # noqa: E731
    assert titles(client.get(url, {"street": quanyechang.pk})) == ["老军医社区义诊"]
    assert titles(client.get(url, {"street": xiaobailou.pk})) == sorted(
        ["老军医社区义诊", "爱洒回家路"]
    )
    assert len(titles(client.get(url, {"round": round_.pk}))) == 2


@pytest.mark.parametrize(
    ("bad", "status"),
    [
        ({"street": "x"}, 400),
        ({"round": "999999"}, 400),
        ({"year": "abc"}, 400),
        ({"sort": "nonsense"}, 400),
        ({"updated_since": "yesterday"}, 400),
        ({"page": "-1"}, 200),
        ({"q": "养" * 101}, 400),  # longer than any name: the form says so
    ],
)
def test_bad_input_is_not_a_server_error(client, listed, bad, status):
    """As on the directory's pages: a 400 page with the form and its message, no rows."""
    response = client.get(reverse("projects:list"), bad)
    assert response.status_code == status
    if status == 400:
        assert response.context["filter"].errors
        assert not list(response.context["page"])


def test_sort_and_best_match_first(client, listed, round_, organization):
    url = reverse("projects:list")
    exact = workflow.start_review(make_project(round_, organization, title="回家"))
    workflow.approve(exact, "5000")
    titles = lambda query: [p.title for p in client.get(url, query).context["page"]]  # noqa: E731
    # The exact title first, then the rest in the default order (newest round, title).
    assert titles({"q": "回家"}) == ["回家", "爱洒回家路"]
    assert titles({"sort": "-awarded"}) == ["爱洒回家路", "老军医社区义诊", "回家"]
    assert titles({"sort": "title", "q": "回家"}) == sorted(["回家", "爱洒回家路"])


def test_the_page_uses_the_public_layout(client, listed):
    page = client.get(reverse("projects:list")).content.decode()
    nav = page.split('<nav class="public"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("projects:list")}"' in nav
    assert f'href="{reverse("directory:organizations")}"' in nav
    assert '<main id="content">' in page


def test_query_count_does_not_grow_with_rows(client, round_, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            project = workflow.start_review(make_project(round_))
            advance(project, "midterm", awarded="1000", midterm=EvaluationGrade.PASS)

    add(3)
    url = reverse("projects:list")
    # rounds and streets for the filter form; the count; the page's keys; the rows (with
    # grades); streets.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    add(7)
    opendata._reference_choices.clear()  # read afresh, as after they expired
    search._ngram_stats.clear()
    # Chinese search text costs two more queries, whatever the rows: the registry's search
    # reads the n-gram statistics of the names (once every search.NGRAM_STATS_SECONDS;
    # here afresh) and checks whether the text is in any name before it falls back to
    # homophones (search.rows_holding, search._with_homophones).
    with django_assert_num_queries(8):
        assert client.get(url, {"q": "项目", "year": "2016"}).status_code == 200


def test_pagination(client, round_, organization):
    for n in range(32):
        project = workflow.start_review(make_project(round_, organization, title=f"项目{n:02d}"))
        workflow.approve(project, "100", on=datetime.date(2016, 5, 20))
    first = client.get(reverse("projects:list"))
    assert len(first.context["page"]) == 30
    second = client.get(reverse("projects:list"), {"page": 2})
    assert len(second.context["page"]) == 2
    assert "page=2" in first.content.decode()
