"""Scoping that cannot be bypassed: every workspace URL, every actor, GET and POST.

The filing under test belongs to 劝业场. A clerk of 小白楼 must get 404 for it (never
403, which would confirm it exists), whatever the method or the form says.
"""

import datetime

import pytest
from django.urls import reverse

from registry import filings
from registry.models import CommunityGroup, FilingStatus
from tests.conftest import make_group

ACTORS = ["clerk_qyc", "clerk_xbl", "district_staff", "incubator_staff", "anonymous"]


@pytest.fixture
def actors(clerk_qyc, clerk_xbl, district_staff, incubator_staff):
    return {
        "clerk_qyc": clerk_qyc,
        "clerk_xbl": clerk_xbl,
        "district_staff": district_staff,
        "incubator_staff": incubator_staff,
        "anonymous": None,
    }


@pytest.fixture
def groups(quanyechang, qyc_community):
    """One filing of 劝业场 in each state an action starts from."""
    draft = make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")
    submitted = make_group(quanyechang, qyc_community, name="福明社区太极拳队")
    filings.submit(submitted)
    filed = make_group(quanyechang, qyc_community, name="福明社区邻里互助会")
    filings.submit(filed)
    filings.accept(filed)
    return {"draft": draft, "submitted": submitted, "filed": filed}


def edit_data(group, **changes):
    data = {
        "name": group.name,
        "community": group.community_id,
        "category": group.category_id,
        "service_targets": group.service_targets,
        "leader_name": group.leader_name,
        "leader_phone": group.leader_phone,
        "member_count": group.member_count,
        "version": group.version,
    }
    data.update(changes)
    return data


# (url name, which filing, method) -> expected status per actor, in ACTORS order.
# 302 for anonymous is the login redirect; 302 for others is success or a refusal message
# redirecting back to the filing (checked separately below).
MATRIX = [
    ("list", None, "get", [200, 200, 200, 403, 302]),
    ("list", None, "post", [405, 405, 405, 405, 405]),
    ("create", None, "get", [200, 200, 200, 403, 302]),
    ("review", None, "get", [403, 403, 200, 403, 302]),
    ("review", None, "post", [405, 405, 405, 405, 405]),
    ("detail", "draft", "get", [200, 404, 200, 403, 302]),
    ("detail", "draft", "post", [405, 405, 405, 405, 405]),
    ("edit", "draft", "get", [200, 404, 200, 403, 302]),
    ("submit", "draft", "get", [405, 405, 405, 405, 405]),
    ("submit", "draft", "post", [302, 404, 302, 403, 302]),
    ("accept", "submitted", "get", [405, 405, 405, 405, 405]),
    ("accept", "submitted", "post", [403, 403, 302, 403, 302]),
    ("return", "submitted", "get", [405, 405, 405, 405, 405]),
    ("return", "submitted", "post", [403, 403, 302, 403, 302]),
    ("cancel", "filed", "get", [405, 405, 405, 405, 405]),
    ("cancel", "filed", "post", [403, 403, 302, 403, 302]),
]


@pytest.mark.parametrize("name,which,method,expected", MATRIX)
@pytest.mark.parametrize("actor_index", range(len(ACTORS)))
def test_access_matrix(client, actors, groups, name, which, method, expected, actor_index):
    actor = ACTORS[actor_index]
    if actors[actor] is not None:
        client.force_login(actors[actor])
    args = [groups[which].pk] if which else []
    url = reverse(f"filings:{name}", args=args)
    data = {"reason": "材料不全", "cancelled_on": datetime.date.today().isoformat()}
    response = getattr(client, method)(url, data if method == "post" else None)
    assert response.status_code == expected[actor_index], (actor, name, method)
    if actor == "anonymous" and response.status_code == 302:
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_post_matrix(client, actors, groups, actor):
    group = groups["draft"]
    if actors[actor] is not None:
        client.force_login(actors[actor])
    response = client.post(
        reverse("filings:edit", args=[group.pk]), edit_data(group, leader_name="李改名")
    )
    expected = {
        "clerk_qyc": 302,
        "clerk_xbl": 404,
        "district_staff": 302,
        "incubator_staff": 403,
        "anonymous": 302,
    }[actor]
    assert response.status_code == expected
    group.refresh_from_db()
    assert (group.leader_name == "李改名") == (actor in {"clerk_qyc", "district_staff"})


@pytest.mark.parametrize("actor", ACTORS)
def test_create_post_matrix(client, actors, qyc_community, actor):
    """Everybody posts a new filing in 劝业场's community; only its clerk and staff may."""
    if actors[actor] is not None:
        client.force_login(actors[actor])
    response = client.post(
        reverse("filings:create"), {"name": "福明社区书画社", "community": qyc_community.pk}
    )
    expected = {
        "clerk_qyc": 302,
        "clerk_xbl": 200,  # the form refuses a community of another street
        "district_staff": 302,
        "incubator_staff": 403,
        "anonymous": 302,
    }[actor]
    assert response.status_code == expected
    created = CommunityGroup.objects.filter(name="福明社区书画社").exists()
    assert created == (actor in {"clerk_qyc", "district_staff"})


def test_other_street_clerk_changes_nothing_by_any_action(client, clerk_xbl, groups):
    client.force_login(clerk_xbl)
    before = {g.pk: (g.status, g.version) for g in CommunityGroup.objects.all()}
    for group in groups.values():
        for name in ["edit", "submit", "accept", "return", "cancel"]:
            client.post(reverse(f"filings:{name}", args=[group.pk]), edit_data(group, name="X"))
    after = {g.pk: (g.status, g.version) for g in CommunityGroup.objects.all()}
    assert before == after


def test_list_shows_only_own_street(client, clerk_xbl, clerk_qyc, groups, xiaobailou):
    client.force_login(clerk_xbl)
    page = client.get(reverse("filings:list")).content.decode()
    assert "福明社区夕阳红合唱团" not in page
    # Asking for the other street or its community by filter does not widen the scope.
    page = client.get(
        reverse("filings:list"),
        {"street": groups["draft"].street_id, "community": groups["draft"].community_id},
    ).content.decode()
    assert "福明社区夕阳红合唱团" not in page
    client.force_login(clerk_qyc)
    page = client.get(reverse("filings:list")).content.decode()
    assert "福明社区夕阳红合唱团" in page


def test_posted_street_or_community_of_another_street_is_refused(
    client, clerk_qyc, xbl_community, xiaobailou, qyc_community
):
    client.force_login(clerk_qyc)
    data = {"name": "开封道社区舞蹈队", "community": xbl_community.pk, "version": ""}
    response = client.post(reverse("filings:create"), data)
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    data.update(community=qyc_community.pk, street=xiaobailou.pk)
    response = client.post(reverse("filings:create"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not CommunityGroup.objects.filter(name="开封道社区舞蹈队").exists()
    del data["street"]
    response = client.post(reverse("filings:create"), data)
    assert response.status_code == 302
    assert CommunityGroup.objects.get(name="开封道社区舞蹈队").street.name == "劝业场街道"


def test_review_queue_lists_submitted_of_every_street(client, district_staff, groups):
    client.force_login(district_staff)
    response = client.get(reverse("filings:review"))
    names = [g.name for g in response.context["page"]]
    assert names == ["福明社区太极拳队"]
    response = client.post(
        reverse("filings:accept", args=[groups["submitted"].pk]),
        {"next": reverse("filings:review")},
    )
    assert response.url == reverse("filings:review")
    groups["submitted"].refresh_from_db()
    assert groups["submitted"].status == FilingStatus.FILED


def test_refusals_are_explained_in_chinese(client, clerk_xbl, incubator_staff, groups):
    client.force_login(incubator_staff)
    response = client.get(reverse("filings:list"))
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    client.force_login(clerk_xbl)
    response = client.get(reverse("filings:detail", args=[groups["draft"].pk]))
    page = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in page
    assert groups["draft"].name not in page


@pytest.mark.parametrize("name", ["list", "create", "review"])
def test_review_link_on_every_page_for_staff_only(client, district_staff, clerk_qyc, name):
    link = f'href="{reverse("filings:review")}"'
    client.force_login(district_staff)
    assert link in client.get(reverse(f"filings:{name}")).content.decode()
    if name != "review":
        client.force_login(clerk_qyc)
        assert link not in client.get(reverse(f"filings:{name}")).content.decode()
