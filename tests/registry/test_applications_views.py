"""The staff pages at /applications/: who may use them, the queue (sorted by days left,
overdue and late marked, query count pinned) and the workflow steps through HTTP."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import applications, filings
from registry.models import (
    ApplicationKind,
    ApplicationStatus,
    ChangeItem,
    Organization,
    OrgStatus,
)
from tests.conftest import client_for, make_group, make_organization
from tests.registry.test_applications_workflow import (
    make_application,
    receive_all_documents,
    to_review,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "clerk_qyc", "clerk_xbl", "incubator_staff", "district_staff"]


@pytest.fixture
def user_of(request):
    def get(role):
        return None if role == "anonymous" else request.getfixturevalue(role)

    return get


@pytest.fixture
def objects(quanyechang, qyc_community):
    org = make_organization()
    group = make_group(quanyechang, qyc_community)
    filings.submit(group)
    group = filings.accept(group)
    return {"application": make_application(), "org": org, "group": group}


def urls(objects):
    return [
        reverse("applications:queue"),
        reverse("applications:detail", args=[objects["application"].pk]),
        reverse("applications:certificates") + "?q=和平",
        reverse("applications:organization_certificate", args=[objects["org"].pk]),
        reverse("applications:group_certificate", args=[objects["group"].pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_district_staff_may_use_the_pages(client, user_of, objects, role):
    client = client_for(client, user_of(role))
    for url in urls(objects):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login") + "?next=")
        elif role == "district_staff":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url
            assert objects["application"].name not in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "clerk_qyc", "incubator_staff"])
def test_only_district_staff_may_take_a_step(client, user_of, objects, role):
    client = client_for(client, user_of(role))
    application = objects["application"]
    receive_all_documents(application)
    response = client.post(
        reverse("applications:step", args=[application.pk, "accept"]), {"on": "2026-03-03"}
    )
    assert response.status_code in (302, 403)
    if role != "anonymous":
        assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_steps_are_posts_only(client, district_staff, objects):
    client.force_login(district_staff)
    url = reverse("applications:step", args=[objects["application"].pk, "accept"])
    assert client.get(url).status_code == 405
    unknown = reverse("applications:step", args=[objects["application"].pk, "delete"])
    assert client.post(unknown, {"on": "2026-03-03"}).status_code == 404


def _queue_rows(content):
    return re.findall(r'href="/applications/(\d+)/"', content)


def test_queue_sorted_by_days_left_with_overdue_and_late_marked(client, district_staff):
    today = timezone.localdate()

    def ago(days):
        return today - datetime.timedelta(days=days)

    org = make_organization()
    overdue = make_application(name="和平区超期协会", received_on=ago(70))
    soon = make_application(name="和平区临期协会", received_on=ago(55))
    fresh = make_application(name="和平区新收协会", received_on=today)
    late_change = make_application(
        ApplicationKind.CHANGE,
        organization=org,
        received_on=ago(1),
        consent_on=ago(45),
    )
    waiting = make_application(name="和平区补正协会", received_on=ago(59))
    applications.request_correction(waiting, "缺少章程草案", on=today)
    decided = make_application(name="和平区已撤回协会", received_on=ago(90))
    applications.withdraw(decided, "撤回", on=today)

    client.force_login(district_staff)
    response = client.get(reverse("applications:queue"))
    content = response.content.decode()
    assert _queue_rows(content) == [
        str(overdue.pk),
        str(soon.pk),
        str(late_change.pk),
        str(fresh.pk),
        str(waiting.pk),
    ]
    assert "已超期 10 天" in content and "row-overdue" in content
    assert "剩余 5 天" in content and "剩余 60 天" in content
    assert "逾期 14 天申请" in content
    assert "计时暂停（等待补正）" in content
    assert "和平区已撤回协会" not in content
    assert "1 件已超期" in content and "1 件逾期申请" in content

    response = client.get(reverse("applications:queue"), {"kind": "change"})
    assert _queue_rows(response.content.decode()) == [str(late_change.pk)]


def test_queue_query_count_is_pinned(client, district_staff, django_assert_num_queries):
    client.force_login(district_staff)
    url = reverse("applications:queue")
    client.get(url)  # warm the session
    org = make_organization()
    for n in range(3):
        make_application(name=f"和平区计数协会{'甲乙丙'[n]}")
        make_application(ApplicationKind.DEREGISTRATION, organization=org)
    # session, user, the user's groups, the rules, the open applications
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    for n in range(5):
        make_application(name=f"和平区更多协会{'甲乙丙丁戊'[n]}")
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200


def test_a_change_application_from_receipt_to_approval_over_http(client, district_staff):
    org = make_organization(legal_representative="王德明")
    application = make_application(ApplicationKind.CHANGE, organization=org)
    applications.new_change(application, ChangeItem.LEGAL_REPRESENTATIVE, "赵云鹏")
    applications.fill_old_values(application)
    client.force_login(district_staff)

    def step(name, follow=True, **data):
        return client.post(
            reverse("applications:step", args=[application.pk, name]),
            {"on": "2026-03-05", **data},
            follow=follow,
        )

    response = step("accept")
    assert "以下材料尚未收到" in response.content.decode()
    response = step("request_correction", text="")
    assert "请写明缺少" in response.content.decode()
    step("request_correction", text="缺少理事会决议")
    step("receive_correction", on="2026-03-09")
    receive_all_documents(application)
    step("accept", on="2026-03-09")
    step("start_review", on="2026-03-10")
    response = step("approve", on="2026-03-11")
    assert "请勾选确认" in response.content.decode()
    org.refresh_from_db()
    assert org.legal_representative == "王德明"
    response = step("approve", on="2026-03-11", confirm="on")
    content = response.content.decode()
    assert "准予登记：已完成" in content
    org.refresh_from_db()
    assert org.legal_representative == "赵云鹏"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.complete_on == datetime.date(2026, 3, 9)
    # The history names the member of staff for every step.
    events = list(application.events.select_related("pgh_context").order_by("pgh_id"))
    steps = [e for e in events if e.pgh_label == "update" and e.pgh_context_id]
    assert {e.pgh_context.metadata["username"] for e in steps} == {"district"}
    assert [e.status for e in steps][-1] == ApplicationStatus.APPROVED
    assert "district" in content  # the page's history shows who


def test_a_bad_date_is_a_message_naming_the_field(client, district_staff):
    application = make_application()
    receive_all_documents(application)
    client.force_login(district_staff)
    response = client.post(
        reverse("applications:step", args=[application.pk, "accept"]),
        {"on": "2026-02-30"},
        follow=True,
    )
    assert "日期：" in response.content.decode()
    response = client.post(
        reverse("applications:step", args=[application.pk, "accept"]),
        {"on": "2026-01-01"},
        follow=True,
    )
    assert "日期不能早于收件日期" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_the_detail_page_of_a_deregistration_approved_shows_the_notice(client, district_staff):
    org = make_organization()
    application = to_review(make_application(ApplicationKind.DEREGISTRATION, organization=org))
    applications.approve(application, on=datetime.date(2026, 4, 1))
    client.force_login(district_staff)
    content = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "注销登记公告" in content and "会员大会决议解散" in content
    assert Organization.objects.get(pk=org.pk).status == OrgStatus.DEREGISTERED
    assert "下一步" not in content
