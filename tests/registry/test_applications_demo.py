"""The demo's registration applications and notices: each kind in each state it can be
in, some near or past the deadline, 2016's notices consistent with the organizations.

Reads the suite's ``demo_district`` (loaded once), like ``test_load_demo``."""

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from registry import applications
from registry.models import (
    ApplicationKind,
    ApplicationStatus,
    Notice,
    NoticeKind,
    Organization,
    OrgStatus,
    RegistrationApplication,
)


@pytest.fixture
def output(demo_district, db):
    return demo_district


def test_each_kind_in_each_state(output):
    pairs = set(RegistrationApplication.objects.values_list("kind", "status"))
    for kind in ApplicationKind.values:
        for status in ApplicationStatus.values:
            assert (kind, status) in pairs, (kind, status)
    assert "registration applications" in output


def test_the_queue_has_applications_near_and_past_the_deadline_and_late_ones(output):
    open_ones = list(
        RegistrationApplication.objects.filter(
            status__in=["received", "correction", "accepted", "review"]
        )
    )
    applications.annotate_deadlines(open_ones)
    running = [a.deadline for a in open_ones if not a.deadline.stopped]
    assert sum(d.overdue for d in running) >= 2
    assert sum(0 <= d.days_left <= 7 for d in running) >= 2
    assert sum(a.deadline.stopped for a in open_ones) == 3
    assert {a.kind for a in open_ones if a.late_days} == {"change", "deregistration"}


def test_2016_notices_match_the_register(output):
    established = Organization.objects.filter(registered_on__year=2016)
    notices = Notice.objects.select_related("organization", "application")
    by_kind = Counter(notices.values_list("kind", flat=True))
    assert by_kind[NoticeKind.ESTABLISHMENT] == established.count() > 5
    assert by_kind[NoticeKind.CHANGE] == 12
    assert by_kind[NoticeKind.DEREGISTRATION] == 2
    assert not notices.exclude(published_on__year=2016).exclude(kind="deregistration").exists()
    for notice in notices:
        org = notice.organization
        assert notice.name == org.name and notice.credit_code == org.credit_code
        assert notice.application.status == ApplicationStatus.APPROVED
        assert notice.application.decided_on == notice.published_on
        if notice.kind == NoticeKind.ESTABLISHMENT:
            assert notice.published_on == org.registered_on
            assert org.legal_representative in notice.text
        elif notice.kind == NoticeKind.DEREGISTRATION:
            assert notice.published_on.year == 2017
            assert org.status == OrgStatus.DEREGISTERED
            assert org.status_changed_on == notice.published_on
        else:
            for change in notice.application.changes.all():
                # The register holds the new value; the application remembers the old one.
                assert applications.register_value(org, change.item) == change.new_value
                assert change.old_value != change.new_value
                assert f"「{change.new_value}」" in notice.text
        assert org.contact_phone not in notice.text


def test_the_demo_organizations_were_all_active_at_the_end_of_2016(output):
    # Issue 9: an organization deregistered in 2017 still counts in 2016.
    assert Organization.objects.count() == 274
    assert Organization.objects.filter(status=OrgStatus.ACTIVE).count() == 272
    deregistered = Organization.objects.exclude(status=OrgStatus.ACTIVE)
    assert set(deregistered.values_list("status", "status_changed_on__year")) == {
        (OrgStatus.DEREGISTERED, 2017)
    }


def test_open_applications_lack_a_document_until_accepted(output):
    for application in RegistrationApplication.objects.prefetch_related("documents"):
        missing = [d for d in application.documents.all() if d.required and not d.received]
        assert application.documents.all(), application
        if application.status in (ApplicationStatus.RECEIVED, ApplicationStatus.CORRECTION):
            assert len(missing) == 1
        else:
            assert missing == []


def test_the_queue_and_notices_pages_render_the_demo(output, client):
    client.force_login(User.objects.get(username="minzheng"))
    content = client.get(reverse("applications:queue")).content.decode()
    assert "已超期" in content and "逾期" in content
    content = client.get(reverse("notices:list"), {"year": 2016}).content.decode()
    assert "成立登记公告" in content and "变更登记公告" in content
    content = client.get(reverse("notices:list"), {"year": 2017}).content.decode()
    assert "注销登记公告" in content
