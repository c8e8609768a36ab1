"""Applications in the admin: recorded with their changed items and documents (the
checklist comes from the configured one), workflow steps as actions that ask for the
date (and reason) first, History pages, the editable deadline rules, read-only notices;
clerks and incubator staff never get in; changelist query counts pinned."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import applications
from registry.models import (
    ApplicationKind,
    ApplicationStatus,
    DeadlineRule,
    Notice,
    Organization,
    RegistrationApplication,
    RequiredDocument,
)
from tests.conftest import make_organization
from tests.registry.test_admin import admin_url, post_change
from tests.registry.test_applications_workflow import (
    make_application,
    receive_all_documents,
    to_review,
)

pytestmark = pytest.mark.django_db


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_staff_record_a_change_application_with_its_items(client, district_staff):
    org = make_organization(domicile="天津市和平区大沽北路10号")
    client.force_login(district_staff)
    data = {
        "kind": ApplicationKind.CHANGE,
        "organization": org.pk,
        "received_on": "2026-03-02",
        "consent_on": "2026-02-20",
        "priority_category": "other",
        **inline_management("changes", total=1),
        "changes-0-item": "domicile",
        "changes-0-old_value": "",
        "changes-0-new_value": "天津市和平区南京路8号",
        **inline_management("documents"),
    }
    response = client.post(admin_url(RegistrationApplication, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    application = RegistrationApplication.objects.get()
    assert application.status == ApplicationStatus.RECEIVED
    assert application.complete_on == datetime.date(2026, 3, 2)
    change = application.changes.get()
    assert change.old_value == "天津市和平区大沽北路10号"
    expected = RequiredDocument.objects.filter(kind="change", is_active=True).count()
    assert application.documents.count() == expected > 0
    history = client.get(admin_url(RegistrationApplication, "history", application.pk))
    assert history.status_code == 200 and "district" in history.content.decode()


def test_an_incomplete_establishment_is_a_message_on_the_field(client, district_staff):
    client.force_login(district_staff)
    data = {
        "kind": ApplicationKind.ESTABLISHMENT,
        "received_on": "2026-03-02",
        "name": "和平区新成立协会",
        "priority_category": "other",
        **inline_management("changes"),
        **inline_management("documents"),
    }
    response = client.post(admin_url(RegistrationApplication, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["legal_representative"] == ["成立登记申请须填写此项。"]
    assert "registered_funds" in errors and "name" not in errors
    assert not RegistrationApplication.objects.exists()


def test_the_approve_action_asks_to_confirm_then_applies(client, district_staff, settings):
    settings.CREDIT_CODE_BLOCK = "MJ0"
    ready = to_review(make_application())
    waiting = make_application(name="和平区尚未受理协会")
    client.force_login(district_staff)
    url = admin_url(RegistrationApplication, "changelist")
    selected = {"action": "approve_applications", "_selected_action": [ready.pk, waiting.pk]}
    response = client.post(url, selected)
    assert response.status_code == 200
    assert "登记信息将立即变更" in response.content.decode()
    assert not Organization.objects.exists()

    response = client.post(url, {**selected, "apply": "1", "on": "2026-04-01"}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert "已准予 1 件申请并更新登记信息。" in texts
    assert any("和平区尚未受理协会" in t and "已收件" in t for t in texts)
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.APPROVED
    assert ready.decided_on == datetime.date(2026, 4, 1)
    assert ready.organization.registered_on == datetime.date(2026, 4, 1)
    assert Notice.objects.count() == 1


def test_the_refuse_action_needs_a_reason(client, district_staff):
    application = to_review(make_application())
    client.force_login(district_staff)
    url = admin_url(RegistrationApplication, "changelist")
    selected = {"action": "refuse_applications", "_selected_action": [application.pk]}
    response = client.post(url, {**selected, "apply": "1", "on": "2026-04-01", "text": ""})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["text"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEW
    client.post(url, {**selected, "apply": "1", "on": "2026-04-01", "text": "宗旨违反法律"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert application.decision_reason == "宗旨违反法律"


def test_a_decided_application_is_read_only(client, district_staff):
    application = make_application()
    applications.withdraw(application, "撤回", on=datetime.date(2026, 3, 3))
    client.force_login(district_staff)
    url = admin_url(RegistrationApplication, "change", application.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert "_save" not in response.content.decode()
    response = client.post(url, {"name": "改名", "received_on": "2026-01-01"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.received_on == datetime.date(2026, 3, 2)


@pytest.mark.parametrize("user", ["clerk_qyc", "incubator_staff"])
@pytest.mark.parametrize("model", [RegistrationApplication, DeadlineRule, Notice])
def test_clerks_and_incubator_staff_never_get_in(client, request, user, model):
    client.force_login(request.getfixturevalue(user))
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code in (302, 403)


def test_deadline_rules_are_edited_not_added(client, district_staff):
    client.force_login(district_staff)
    rule = DeadlineRule.objects.get(kind="change")
    assert client.get(admin_url(DeadlineRule, "add")).status_code == 403
    response = client.get(admin_url(DeadlineRule, "change", rule.pk))
    assert response.status_code == 200
    assert client.get(admin_url(DeadlineRule, "history", rule.pk)).status_code == 200


def test_notices_are_read_only_in_the_admin(client, district_staff):
    org = make_organization()
    applications.approve(
        to_review(make_application(ApplicationKind.DEREGISTRATION, organization=org))
    )
    notice = Notice.objects.get()
    client.force_login(district_staff)
    assert client.get(admin_url(Notice, "changelist")).status_code == 200
    assert client.get(admin_url(Notice, "add")).status_code == 403
    response = client.post(admin_url(Notice, "change", notice.pk), {"text": "改写"})
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.text != "改写"


def test_the_changelist_queries_do_not_grow_with_rows(client, district_staff):
    client.force_login(district_staff)
    org = make_organization()
    for _ in range(3):
        make_application(ApplicationKind.DEREGISTRATION, organization=org)
    url = admin_url(RegistrationApplication, "changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(20):
        application = make_application(name=f"和平区批量协会{n:02d}号".replace("0", "零"))
        receive_all_documents(application)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_revoking_in_the_organization_admin_publishes_the_notice(client, district_staff):
    org = make_organization(name="和平区长期停止活动研究会")
    client.force_login(district_staff)
    response = post_change(
        client,
        org,
        {
            "status": "revoked",
            "status_changed_on": "2026-06-01",
            "status_reason": "连续两年未参加年度检查",
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get(organization=org)
    assert notice.kind == "revocation" and notice.published_on == datetime.date(2026, 6, 1)
    assert notice.title == "和平区长期停止活动研究会撤销登记公告"
    assert "天津市和平区民政局" in notice.text and "连续两年未参加年度检查" in notice.text
    event = notice.events.select_related("pgh_context").get()
    assert event.pgh_context.metadata["username"] == "district"
    # Saving the revoked organization again publishes nothing more.
    post_change(client, org, {"business_scope": "（已撤销）"})
    assert Notice.objects.filter(organization=org).count() == 1
