"""Editing a filing: optimistic locking, duplicate and similar names, phone checks."""

import pytest
from django.urls import reverse

from registry import filings
from registry.models import CommunityGroup
from tests.conftest import make_group
from tests.registry.test_filings_access import edit_data


@pytest.fixture
def group(quanyechang, qyc_community):
    return make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")


def test_stale_save_is_refused_and_shows_what_changed(client, group, clerk_qyc, district_staff):
    client.force_login(clerk_qyc)
    stale = edit_data(group, venue="社区活动室")
    # Someone else saves first.
    client.force_login(district_staff)
    assert (
        client.post(
            reverse("filings:edit", args=[group.pk]), edit_data(group, leader_name="王建国")
        ).status_code
        == 302
    )
    client.force_login(clerk_qyc)
    response = client.post(reverse("filings:edit", args=[group.pk]), stale)
    assert response.status_code == 409
    group.refresh_from_db()
    assert group.leader_name == "王建国" and group.venue == ""
    conflicts = response.context["conflicts"]
    assert [(str(label), mine, theirs, who) for label, mine, theirs, who in conflicts] == [
        (
            str(CommunityGroup._meta.get_field("leader_name").verbose_name),
            "张秀兰",
            "王建国",
            "district",
        )
    ]
    form = response.context["form"]
    # The other person's value is kept in the form, the user's own input too.
    assert form["leader_name"].value() == "王建国"
    assert form["venue"].value() == "社区活动室"
    assert int(form["version"].value()) == group.version
    # Saving again, on purpose, now succeeds and keeps both changes.
    data = {k: form[k].value() for k in edit_data(group)}
    data["venue"] = "社区活动室"
    assert client.post(reverse("filings:edit", args=[group.pk]), data).status_code == 302
    group.refresh_from_db()
    assert (group.leader_name, group.venue) == ("王建国", "社区活动室")


def test_a_transition_makes_an_open_form_stale(client, group, clerk_qyc):
    client.force_login(clerk_qyc)
    data = edit_data(group, venue="新场地")
    filings.submit(group)
    filings.return_for_correction(group, "请补充场地")
    response = client.post(reverse("filings:edit", args=[group.pk]), data)
    assert response.status_code == 409


def test_duplicate_name_names_the_existing_group(client, group, clerk_qyc, qyc_community):
    filings.submit(group)
    filings.accept(group)
    group.refresh_from_db()
    client.force_login(clerk_qyc)
    response = client.post(
        reverse("filings:create"), {"name": " 福明社区夕阳红合唱团 ", "community": qyc_community.pk}
    )
    assert response.status_code == 200
    error = response.context["form"].errors["name"][0]
    assert "福明社区夕阳红合唱团" in error and group.filing_number in error


def test_same_name_in_another_street_is_fine(client, group, clerk_xbl, xbl_community):
    client.force_login(clerk_xbl)
    response = client.post(
        reverse("filings:create"), {"name": "福明社区夕阳红合唱团", "community": xbl_community.pk}
    )
    assert response.status_code == 302


def test_similar_name_is_a_warning_the_clerk_can_confirm(client, group, clerk_qyc, qyc_community):
    client.force_login(clerk_qyc)
    data = {"name": "福明社区夕阳红合唱队", "community": qyc_community.pk}
    response = client.post(reverse("filings:create"), data)
    assert response.status_code == 200
    assert "福明社区夕阳红合唱团" in response.context["form"].errors["confirm_similar"][0]
    assert not CommunityGroup.objects.filter(name=data["name"]).exists()
    data["confirm_similar"] = "on"
    assert client.post(reverse("filings:create"), data).status_code == 302
    assert CommunityGroup.objects.filter(name=data["name"]).exists()


@pytest.mark.parametrize(
    "phone,ok",
    [("13912345678", True), ("139 1234 5678", True), ("022-23456789", True), ("12345", False)],
)
def test_leader_phone_is_checked(client, clerk_qyc, qyc_community, phone, ok):
    client.force_login(clerk_qyc)
    response = client.post(
        reverse("filings:create"),
        {"name": "滨西社区书画社", "community": qyc_community.pk, "leader_phone": phone},
    )
    assert (response.status_code == 302) == ok
    if not ok:
        assert "leader_phone" in response.context["form"].errors


def test_draft_may_be_incomplete_but_submission_names_what_is_missing(
    client, clerk_qyc, qyc_community
):
    client.force_login(clerk_qyc)
    response = client.post(
        reverse("filings:create"), {"name": "滨西社区书画社", "community": qyc_community.pk}
    )
    group = CommunityGroup.objects.get(name="滨西社区书画社")
    assert response.url == reverse("filings:detail", args=[group.pk])
    assert group.created_by == clerk_qyc and group.street == qyc_community.street
    response = client.post(reverse("filings:submit", args=[group.pk]), follow=True)
    message = str(list(response.context["messages"])[-1])
    field = CommunityGroup._meta.get_field("leader_phone").verbose_name
    assert str(field) in message
    group.refresh_from_db()
    assert group.status == "draft"


def test_name_taken_between_validation_and_saving_is_a_form_error(
    client, clerk_qyc, qyc_community, quanyechang, monkeypatch
):
    """Two clerks saving the same new name at once: the database decides, the loser
    gets the name error, not a server error."""
    from registry import forms as filing_forms

    original = filing_forms.CommunityGroupForm._check_names

    def check_then_lose_the_race(form, name, street_id):
        original(form, name, street_id)
        make_group(quanyechang, qyc_community, name=name)

    monkeypatch.setattr(filing_forms.CommunityGroupForm, "_check_names", check_then_lose_the_race)
    client.force_login(clerk_qyc)
    response = client.post(
        reverse("filings:create"), {"name": "滨西社区书画社", "community": qyc_community.pk}
    )
    assert response.status_code == 200
    assert "滨西社区书画社" in response.context["form"].errors["name"][0]
    assert CommunityGroup.objects.filter(name="滨西社区书画社").count() == 1
