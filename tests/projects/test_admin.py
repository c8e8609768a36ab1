"""The staff admin of venture projects through HTTP: who gets in (every page, every
role), transitions as confirmed actions, Chinese messages instead of server errors, the
round's money, the organization's page, and pinned changelist query counts."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import workflow
from projects.admin import ProjectAdmin
from projects.models import (
    CRITERIA,
    Expert,
    Project,
    ProjectStatus,
    Review,
    Round,
    ServiceContract,
)
from registry.models import Organization
from tests.conftest import client_for, make_organization
from tests.projects.conftest import advance, make_contract, make_project
from tests.registry.test_admin import admin_url, changeform_data, form_errors

MODELS = [Round, Project, Expert, ServiceContract]


@pytest.fixture
def records(project, expert, organization):
    return {
        Round: project.round,
        Project: project,
        Expert: expert,
        ServiceContract: make_contract(organization),
    }


def pages(records):
    for model in MODELS:
        yield admin_url(model, "changelist")
        yield admin_url(model, "add")
        yield admin_url(model, "change", records[model].pk)
        yield admin_url(model, "history", records[model].pk)


def test_admin_configuration_passes_django_checks(db):
    assert checks.run_checks(tags=[checks.Tags.admin]) == []


@pytest.mark.parametrize("actor", ["district_staff", "superuser"])
def test_district_staff_and_superusers_open_every_page(request, client, records, actor):
    client_for(client, request.getfixturevalue(actor))
    for url in pages(records):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.wsgi_request.LANGUAGE_CODE == "zh-hans"


@pytest.mark.parametrize("actor", ["clerk_qyc", "clerk_xbl", None])
def test_clerks_and_anonymous_are_sent_to_the_admin_login(request, client, records, actor):
    client_for(client, request.getfixturevalue(actor) if actor else None)
    for url in pages(records):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
        response = client.post(url, {})
        assert response.status_code == 302, url


def test_incubator_staff_are_refused(client, incubator_staff, records):
    client_for(client, incubator_staff)
    for url in pages(records):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    index = client.get(reverse("admin:index"))
    assert "projects" not in {app["app_label"] for app in index.context["app_list"]}


def test_district_staff_hold_every_projects_permission_but_delete(district_staff):
    codenames = set(
        Permission.objects.filter(
            group__user=district_staff, content_type__app_label="projects"
        ).values_list("codename", flat=True)
    )
    for model in ("round", "project", "review", "tranche", "evaluation", "honor", "expert"):
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= codenames
        assert f"delete_{model}" not in codenames
    assert "view_projectevent" in codenames and "change_projectevent" not in codenames


def test_district_staff_cannot_delete(client, district_staff, records):
    client_for(client, district_staff)
    for model in MODELS:
        url = admin_url(model, "delete", records[model].pk)
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=records[model].pk).exists()


# Changelists -------------------------------------------------------------------------


def _fill(round_, organization, n):
    for _ in range(n):
        project = workflow.start_review(make_project(round_, organization))
        advance(project, "midterm", awarded="1000")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(
    client, district_staff, round_, organization, expert, model
):
    client_for(client, district_staff)
    url = admin_url(model, "changelist")

    def count():
        client.get(url)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _fill(round_, organization, 2)
    make_contract(organization)
    few = count()
    _fill(round_, organization, 6)
    for _ in range(4):
        make_contract(make_organization())
        Expert.objects.create(name="专家")
    assert count() == few


def test_project_changelist_query_count_is_pinned(
    client, district_staff, round_, organization, django_assert_num_queries
):
    _fill(round_, organization, 5)
    client_for(client, district_staff)
    url = admin_url(Project, "changelist")
    client.get(url)
    # session, user, the user's and the groups' permissions; the filters' rounds and
    # streets; the count, the unfiltered count, the rows with reviews and grades.
    with django_assert_num_queries(9):
        client.get(url)


def test_filters_answer(client, district_staff, project, filed_group, hub, quanyechang):
    make_project(project.round, group=filed_group, host=hub, streets=[quanyechang])
    client_for(client, district_staff)
    url = admin_url(Project, "changelist")
    for query, expected in [
        ({"applicant": "group"}, 1),
        ({"applicant": "organization"}, 1),
        ({"streets__id__exact": quanyechang.pk}, 2),
        ({"round__funding_source__exact": "lottery"}, 2),
        ({"round__funding_source__exact": "special"}, 0),
        ({"status__exact": "applied"}, 2),
        ({"field__exact": "elderly"}, 2),
        ({"q": "爱洒"}, 1),
    ]:
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert response.context["cl"].result_count == expected, query


# Transitions as actions ---------------------------------------------------------------


def post_action(client, action, projects, **data):
    return client.post(
        admin_url(Project, "changelist"),
        {"action": action, "_selected_action": [p.pk for p in projects], **data},
    )


def test_every_action_asks_first_and_changes_nothing_until_confirmed(
    client, district_staff, project
):
    client_for(client, district_staff)
    for action in ProjectAdmin.actions:
        response = post_action(client, action, [project])
        assert response.status_code == 200, action
        assert response.context["projects"] == [project]
        project.refresh_from_db()
        assert project.status == ProjectStatus.APPLIED


def test_review_then_approve_with_amounts(client, district_staff, project, expert, round_):
    client_for(client, district_staff)
    post_action(client, "start_review_action", [project], apply="1")
    project.refresh_from_db()
    assert project.status == ProjectStatus.REVIEWING
    Review.objects.create(
        project=project,
        expert=expert,
        need=18,
        design=17,
        capacity=16,
        budget=15,
        sustainability=14,
    )
    page = post_action(client, "approve_action", [project])
    assert "80.0" in page.content.decode()  # the average of the experts' totals
    field = f"awarded_{project.pk}"
    assert page.context["form"][field].initial == Decimal("100000.00")
    response = post_action(
        client, "approve_action", [project], apply="1", on="2016-05-20", **{field: "90000"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.awarded) == (ProjectStatus.APPROVED, Decimal("90000.00"))
    assert project.events.order_by("-pgh_id").first().pgh_context.metadata["username"] == (
        district_staff.username
    )
    round_page = client.get(admin_url(Round, "change", round_.pk)).content.decode()
    assert "90,000.00" in round_page and "910,000.00" in round_page  # awarded, remaining


def test_a_refused_approval_is_a_chinese_message_and_saves_nothing(
    client, district_staff, reviewing
):
    client_for(client, district_staff)
    field = f"awarded_{reviewing.pk}"
    response = post_action(
        client, "approve_action", [reviewing], apply="1", on="2016-05-20", **{field: "100000.01"}
    )
    assert response.status_code == 302
    messages = [str(m) for m in client.get(admin_url(Project, "changelist")).context["messages"]]
    assert any("超过了申请金额" in m and "爱洒回家路" in m for m in messages), messages
    reviewing.refresh_from_db()
    assert reviewing.status == ProjectStatus.REVIEWING and reviewing.awarded is None


def test_invalid_action_input_shows_the_form_again(client, district_staff, reviewing):
    client_for(client, district_staff)
    response = post_action(client, "reject_action", [reviewing], apply="1", reason="", on="x")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"reason", "on"}
    reviewing.refresh_from_db()
    assert reviewing.status == ProjectStatus.REVIEWING


def test_the_rest_of_the_way_through_actions(client, district_staff, reviewing):
    workflow.approve(reviewing, "100000", on=datetime.date(2016, 5, 20))
    client_for(client, district_staff)
    steps = [
        ("notice_action", {"notice_from": "2016-05-23", "notice_until": "2016-05-29"}),
        ("start_action", {"on": "2016-06-06"}),
        ("pay_action", {"on": "2016-06-10"}),
        (
            "midterm_action",
            {
                "on": "2016-10-20",
                "score": "72",
                "grade": "pass",
                "evaluator": "评估组",
                "served": 80,
            },
        ),
        ("pay_action", {"on": "2016-11-01"}),
        ("terminate_action", {"reason": "服务对象流失", "on": "2016-12-01"}),
    ]
    for action, data in steps:
        assert post_action(client, action, [reviewing], apply="1", **data).status_code == 302
    reviewing.refresh_from_db()
    assert reviewing.status == ProjectStatus.TERMINATED
    assert reviewing.paid == Decimal("80000.00")
    change = client.get(admin_url(Project, "change", reviewing.pk))
    assert change.status_code == 200
    assert "服务对象流失" in change.content.decode()
    money = client.get(admin_url(Round, "change", reviewing.round_id)).content.decode()
    assert "已拨付：80,000.00" in money
    assert "待拨付：0.00" in money  # a terminated project is paid nothing more


# Forms --------------------------------------------------------------------------------


def test_a_filed_group_without_host_is_a_message_not_an_error(
    client, district_staff, round_, filed_group, quanyechang
):
    round_.status = "open"
    round_.save()
    client_for(client, district_staff)
    data = changeform_data(client.get(admin_url(Project, "add")))
    data.update(
        round=round_.pk,
        applicant_group=filed_group.pk,
        title="老军医义诊",
        field="health",
        streets=[quanyechang.pk],
        planned_start="2016-06-01",
        planned_end="2016-05-01",
        requested="50000",
        co_funding="0",
        target_beneficiaries="300",
    )
    response = client.post(admin_url(Project, "add"), data)
    assert response.status_code == 200
    errors = form_errors(response)
    assert "依托单位" in errors
    assert "计划结束日期不能早于计划开始日期" in response.content.decode()
    assert not Project.objects.exists()


def test_applications_only_to_an_open_round(client, district_staff, round_, organization):
    client_for(client, district_staff)
    data = changeform_data(client.get(admin_url(Project, "add")))
    data.update(
        round=round_.pk,
        applicant_organization=organization.pk,
        title="新项目",
        field="health",
        streets=[],
        planned_start="2016-06-01",
        planned_end="2016-12-01",
        requested="50000",
        co_funding="0",
        target_beneficiaries="300",
    )
    response = client.post(admin_url(Project, "add"), data)
    assert response.status_code == 200
    assert f"批次“{round_.name}”已不接受申报（当前状态：评审中）" in response.content.decode()
    assert not Project.objects.exists()


def test_lowering_the_request_below_the_award_is_a_message(client, district_staff, reviewing):
    workflow.approve(reviewing, "100000")
    client_for(client, district_staff)
    url = admin_url(Project, "change", reviewing.pk)
    data = changeform_data(client.get(url))
    data["requested"] = "90000.00"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "资助金额不能超过申请金额" in response.content.decode()
    reviewing.refresh_from_db()
    assert reviewing.requested == Decimal("100000.00")


def test_a_conflicted_expert_cannot_review(client, district_staff, reviewing, organization):
    conflicted = Expert.objects.create(name="李主任", affiliation=organization)
    client_for(client, district_staff)
    url = admin_url(Project, "change", reviewing.pk)
    data = changeform_data(client.get(url))
    data.update(
        {
            "reviews-TOTAL_FORMS": 1,
            "reviews-0-expert": conflicted.pk,
            "reviews-0-need": 10,
            "reviews-0-design": 10,
            "reviews-0-capacity": 10,
            "reviews-0-budget": 10,
            "reviews-0-sustainability": 25,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    errors = form_errors(response)
    assert "李主任与申报主体或其依托单位有关联" in errors
    assert not Review.objects.exists()


def test_round_form_explains_its_rules(client, district_staff, round_):
    client_for(client, district_staff)
    url = admin_url(Round, "change", round_.pk)
    data = changeform_data(client.get(url))
    data.update(first_tranche=60, cap="2000000")
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "各期拨付比例之和须为100" in page
    assert "单个项目资助上限不能超过资金总额" in page


# The organization's admin page ---------------------------------------------------------


def test_the_organization_page_lists_its_projects_and_money(
    client, district_staff, reviewing, organization, filed_group, hub
):
    advance(reviewing, "in_progress")
    workflow.pay_next_tranche(reviewing, on=datetime.date(2016, 6, 10))
    hosted = make_project(reviewing.round, group=filed_group, host=hub, title="老军医义诊")
    make_contract(organization, subject="居家养老上门服务")
    client_for(client, district_staff)
    page = client.get(admin_url(Organization, "change", organization.pk)).content.decode()
    assert "爱洒回家路" in page and "居家养老上门服务" in page
    assert "50,000.00" in page
    assert hosted.title not in page
    hub_page = client.get(admin_url(Organization, "change", hub.pk)).content.decode()
    assert "老军医义诊" in hub_page and "福明社区老军医志愿服务队" in hub_page


def test_a_conflicted_expert_is_refused_on_the_add_page_too(
    client, district_staff, round_, organization, quanyechang
):
    round_.status = "open"
    round_.save()
    conflicted = Expert.objects.create(name="王理事", affiliation=organization)
    client_for(client, district_staff)
    data = changeform_data(client.get(admin_url(Project, "add")))
    data.update(
        {
            "round": round_.pk,
            "applicant_organization": organization.pk,
            "title": "新申报",
            "field": "elderly",
            "streets": [quanyechang.pk],
            "planned_start": "2016-06-01",
            "planned_end": "2016-12-01",
            "requested": "50000",
            "co_funding": "0",
            "target_beneficiaries": "100",
            "reviews-TOTAL_FORMS": 1,
            "reviews-0-expert": conflicted.pk,
            **{f"reviews-0-{name}": 10 for name in CRITERIA},
        }
    )
    response = client.post(admin_url(Project, "add"), data)
    assert response.status_code == 200
    assert "王理事与申报主体或其依托单位有关联" in form_errors(response)
    assert not Project.objects.exists() and not Review.objects.exists()
