"""District staff manage filings in the admin too: the same scoping, transitions as
admin actions, history; clerks never get in."""

import datetime

import pytest
from django.contrib.admin import ModelAdmin, site
from django.urls import reverse
from django.utils import translation

from registry import filings
from registry.models import CommunityGroup, FilingStatus
from tests.conftest import make_group
from tests.registry.test_admin import admin_url


@pytest.fixture
def groups(quanyechang, qyc_community, xiaobailou, xbl_community):
    submitted = make_group(quanyechang, qyc_community, name="福明社区太极拳队")
    filings.submit(submitted)
    other = make_group(xiaobailou, xbl_community, name="开封道社区舞蹈队")
    filings.submit(other)
    return {"submitted": submitted, "other": other}


@pytest.mark.parametrize("view", ["changelist", "add", "change", "history"])
def test_pages_answer_staff_and_refuse_clerks(client, district_staff, clerk_qyc, groups, view):
    args = [groups["submitted"].pk] if view in {"change", "history"} else []
    url = admin_url(CommunityGroup, view, *args)
    client.force_login(district_staff)
    assert client.get(url).status_code == 200
    client.force_login(clerk_qyc)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_selection_boxes_are_djangos(client, district_staff, groups):
    """``hepingorgs.admin.QuickListMixin`` writes each row's selection box itself, the
    HTML Django's own CheckboxInput renders, so the list's actions work as they did."""
    client.force_login(district_staff)
    response = client.get(admin_url(CommunityGroup, "changelist"))
    model_admin = site._registry[CommunityGroup]
    with translation.override("zh-hans"):
        for group in groups.values():
            box = ModelAdmin.action_checkbox(model_admin, group)
            assert f'value="{group.pk}"' in box
            assert model_admin.action_checkbox(group) == box
            assert box in response.content.decode()


def test_accept_action_numbers_every_selected_filing(client, district_staff, groups):
    client.force_login(district_staff)
    response = client.post(
        admin_url(CommunityGroup, "changelist"),
        {"action": "accept_filings", "_selected_action": [g.pk for g in groups.values()]},
        follow=True,
    )
    assert response.status_code == 200
    numbers = sorted(CommunityGroup.objects.values_list("filing_number", flat=True))
    year = datetime.date.today().year
    assert numbers == [f"QYC-{year}-0001", f"XBL-{year}-0001"]
    # A second run refuses each one with the reason, and changes nothing.
    response = client.post(
        admin_url(CommunityGroup, "changelist"),
        {"action": "accept_filings", "_selected_action": [groups["submitted"].pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("福明社区太极拳队" in t for t in texts)
    assert sorted(CommunityGroup.objects.values_list("filing_number", flat=True)) == numbers


def test_return_action_asks_for_the_reason_first(client, district_staff, groups):
    client.force_login(district_staff)
    url = admin_url(CommunityGroup, "changelist")
    selected = {"action": "return_filings", "_selected_action": [groups["submitted"].pk]}
    response = client.post(url, selected)
    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    groups["submitted"].refresh_from_db()
    assert groups["submitted"].status == FilingStatus.SUBMITTED
    response = client.post(url, {**selected, "apply": "1", "reason": ""})
    assert response.context["form"].errors["reason"]
    client.post(url, {**selected, "apply": "1", "reason": "请补充成员名单"})
    groups["submitted"].refresh_from_db()
    assert groups["submitted"].status == FilingStatus.RETURNED
    assert groups["submitted"].return_reason == "请补充成员名单"


def test_cancel_action_needs_reason_and_date(client, district_staff, groups):
    filings.accept(groups["submitted"])
    client.force_login(district_staff)
    url = admin_url(CommunityGroup, "changelist")
    selected = {"action": "cancel_filings", "_selected_action": [groups["submitted"].pk]}
    client.post(url, {**selected, "apply": "1", "reason": "团队解散"})
    groups["submitted"].refresh_from_db()
    assert groups["submitted"].status == FilingStatus.CANCELLED
    assert groups["submitted"].cancelled_on == datetime.date.today()


def test_admin_edit_bumps_version_and_refuses_duplicate_names(
    client, district_staff, groups, qyc_community, quanyechang
):
    draft = make_group(quanyechang, qyc_community, name="福明社区书画社")
    client.force_login(district_staff)
    url = admin_url(CommunityGroup, "change", draft.pk)
    data = {
        "name": "福明社区太极拳队",
        "community": qyc_community.pk,
        "category": draft.category_id,
        "service_targets": ["residents"],
        "leader_name": "张秀兰",
        "leader_phone": "13800000000",
        "member_count": 30,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "福明社区太极拳队" in str(response.context["adminform"].form.errors["name"])
    data["name"] = "福明社区书画院"
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.member_count, draft.version) == ("福明社区书画院", 30, 2)
    history = client.get(admin_url(CommunityGroup, "history", draft.pk)).content.decode()
    assert "福明社区书画院" in history and "district" in history


def test_nobody_but_superusers_delete_filings(client, district_staff, superuser, groups):
    url = admin_url(CommunityGroup, "delete", groups["submitted"].pk)
    client.force_login(district_staff)
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert CommunityGroup.objects.filter(pk=groups["submitted"].pk).exists()
    client.force_login(superuser)
    client.post(url, {"post": "yes"})
    assert not CommunityGroup.objects.filter(pk=groups["submitted"].pk).exists()
    # Even a deletion leaves its trace in the history.
    assert groups["submitted"].events.filter(pgh_label="delete").exists()
    assert reverse("admin:index")


def test_changelist_and_review_queue_queries_do_not_grow(
    client, district_staff, quanyechang, qyc_community
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(district_staff)
    urls = [admin_url(CommunityGroup, "changelist"), reverse("filings:review")]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    for _ in range(2):
        filings.submit(make_group(quanyechang, qyc_community))
    small = counts()
    for _ in range(30):
        filings.submit(make_group(quanyechang, qyc_community))
    # The changelist no longer counts the unfiltered total (show_full_result_count=False).
    assert counts() == small == [9, 5]


def test_clearing_a_required_field_of_a_filed_group_is_a_message(
    client, district_staff, quanyechang, qyc_community
):
    group = make_group(quanyechang, qyc_community, name="福明社区书画社")
    filings.submit(group)
    filings.accept(group)
    client.force_login(district_staff)
    data = {
        "name": group.name,
        "community": qyc_community.pk,
        "category": group.category_id,
        "service_targets": ["residents"],
        "leader_name": "张秀兰",
        "leader_phone": "",
        "member_count": 20,
    }
    response = client.post(admin_url(CommunityGroup, "change", group.pk), data)
    assert response.status_code == 200
    (constraint,) = [
        c
        for c in CommunityGroup._meta.constraints
        if c.name == "communitygroup_complete_when_submitted"
    ]
    errors = response.context["adminform"].form.non_field_errors()
    assert str(constraint.violation_error_message) in errors
    group.refresh_from_db()
    assert group.leader_phone == "13800000000"
