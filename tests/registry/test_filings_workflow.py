"""The filing workflow and its refusals, at the service level and through the workspace."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from registry import filings
from registry.models import CommunityGroup, FilingSequence, FilingStatus
from tests.conftest import make_group


@pytest.fixture
def draft(quanyechang, qyc_community):
    return make_group(quanyechang, qyc_community)


def test_full_workflow_assigns_a_readable_number(draft):
    filings.submit(draft)
    group = filings.accept(draft, on=datetime.date(2026, 5, 1))
    assert group.status == FilingStatus.FILED
    assert group.filing_number == "QYC-2026-0001"
    assert group.filed_on == datetime.date(2026, 5, 1)
    assert group.version == 3


def test_numbers_are_per_street_and_year_and_never_reused(
    quanyechang, qyc_community, xiaobailou, xbl_community
):
    numbers = []
    for street, community in [
        (quanyechang, qyc_community),
        (quanyechang, qyc_community),
        (xiaobailou, xbl_community),
    ]:
        group = make_group(street, community)
        filings.submit(group)
        numbers.append(filings.accept(group, on=datetime.date(2026, 1, 2)).filing_number)
    assert numbers == ["QYC-2026-0001", "QYC-2026-0002", "XBL-2026-0001"]
    # Cancelling the first does not free its number.
    first = CommunityGroup.objects.get(filing_number="QYC-2026-0001")
    filings.cancel(first, "解散", on=datetime.date(2026, 3, 1))
    again = make_group(quanyechang, qyc_community)
    filings.submit(again)
    assert filings.accept(again, on=datetime.date(2026, 4, 1)).filing_number == "QYC-2026-0003"
    assert FilingSequence.objects.get(street=quanyechang, year=2026).last == 3


def test_submit_without_required_fields_names_them(quanyechang, qyc_community):
    group = make_group(
        quanyechang, qyc_community, leader_phone="", member_count=None, category=None
    )
    with pytest.raises(filings.TransitionError) as error:
        filings.submit(group)
    message = error.value.messages[0]
    assert "leader's phone" in message or "负责人电话" in message
    group.refresh_from_db()
    assert group.status == FilingStatus.DRAFT


def test_accept_twice_is_refused(draft):
    filings.submit(draft)
    filings.accept(draft)
    with pytest.raises(filings.TransitionError):
        filings.accept(draft)
    assert FilingSequence.objects.get().last == 1


@pytest.mark.parametrize("action", ["accept", "return", "cancel"])
def test_moves_from_the_wrong_state_are_refused(draft, action):
    calls = {
        "accept": lambda g: filings.accept(g),
        "return": lambda g: filings.return_for_correction(g, "缺材料"),
        "cancel": lambda g: filings.cancel(g, "解散"),
    }
    with pytest.raises(filings.TransitionError):
        calls[action](draft)
    draft.refresh_from_db()
    assert draft.status == FilingStatus.DRAFT


def test_return_needs_a_reason_and_can_be_resubmitted(draft):
    filings.submit(draft)
    with pytest.raises(filings.TransitionError):
        filings.return_for_correction(draft, "   ")
    group = filings.return_for_correction(draft, "负责人电话有误")
    assert group.status == FilingStatus.RETURNED
    assert group.return_reason == "负责人电话有误"
    group = filings.submit(group)
    assert group.status == FilingStatus.SUBMITTED
    assert filings.accept(group).return_reason == ""


def test_cancel_without_a_reason_is_refused(draft):
    filings.submit(draft)
    filings.accept(draft)
    with pytest.raises(filings.TransitionError):
        filings.cancel(draft, "")
    group = filings.cancel(draft, "团队解散", on=datetime.date.today())
    assert group.status == FilingStatus.CANCELLED
    assert group.filing_number  # kept for the record


def test_database_refuses_inconsistent_states(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityGroup.objects.filter(pk=draft.pk).update(status=FilingStatus.FILED)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityGroup.objects.filter(pk=draft.pk).update(status=FilingStatus.RETURNED)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityGroup.objects.filter(pk=draft.pk).update(service_targets=["martians"])


def test_community_must_belong_to_the_street(quanyechang, xbl_community):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_group(quanyechang, xbl_community)


def test_same_name_in_the_street_is_refused_by_the_database(quanyechang, qyc_community, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_group(quanyechang, qyc_community, name=draft.name)


def test_transitions_appear_in_history_with_who(client, draft, district_staff, clerk_qyc):
    client.force_login(clerk_qyc)
    client.post(reverse("filings:submit", args=[draft.pk]))
    client.force_login(district_staff)
    client.post(reverse("filings:accept", args=[draft.pk]))
    events = list(draft.events.select_related("pgh_context").order_by("pgh_id"))
    assert [e.status for e in events] == ["draft", "submitted", "filed"]
    assert [e.pgh_context.metadata["username"] for e in events[1:]] == ["clerk_qyc", "district"]
    page = client.get(reverse("filings:detail", args=[draft.pk])).content.decode()
    assert "clerk_qyc" in page and "district" in page


def test_clerk_cannot_edit_a_filed_group(client, draft, clerk_qyc):
    filings.submit(draft)
    filings.accept(draft)
    client.force_login(clerk_qyc)
    response = client.post(
        reverse("filings:edit", args=[draft.pk]),
        {"name": "改名", "community": draft.community_id, "version": 3},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name != "改名"
    assert client.get(reverse("filings:edit", args=[draft.pk])).status_code == 302
