"""The centre's admin: who may open every page, what incubator staff see of the
registry (names only), filters, history, deletions, and pinned changelist queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incubator.models import (
    Mentor,
    MentoringSession,
    Plan,
    Residency,
    ServiceOutput,
    Space,
    Training,
)
from registry.models import CommunityGroup, Organization
from tests.conftest import client_for, make_group, make_organization, make_user
from tests.incubator.conftest import (
    make_mentor,
    make_output,
    make_residency,
    make_session,
    make_space,
    make_training,
)
from tests.incubator.helpers import admin_url, post_admin

pytestmark = pytest.mark.django_db
D = datetime.date
MODELS = [Space, Residency, Mentor, MentoringSession, Training, ServiceOutput, Plan]
ACTORS = ["anonymous", "clerk_qyc", "clerk_xbl", "incubator_staff", "district_staff"]


@pytest.fixture
def rows(db):
    """One row of each model (a residency with a session, a training and an output)."""
    space = make_space()
    residency = make_residency(space=space)
    mentor = make_mentor()
    session = make_session(mentor, [residency])
    training = make_training([(residency, 2)])
    output = make_output(residency)
    return {
        Space: space,
        Residency: residency,
        Mentor: mentor,
        MentoringSession: session,
        Training: training,
        ServiceOutput: output,
        Plan: Plan.objects.get(),
    }


# (view, needs a row) -> expected status per actor, in ACTORS order. The admin sends
# anonymous users and clerks (not staff) to its login page.
VIEWS = [
    ("changelist", False, [302, 302, 302, 200, 200]),
    ("add", False, [302, 302, 302, 200, 200]),
    ("change", True, [302, 302, 302, 200, 200]),
    ("history", True, [302, 302, 302, 200, 200]),
    ("delete", True, [302, 302, 302, 403, 403]),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view,with_row,expected", VIEWS, ids=[v[0] for v in VIEWS])
def test_every_admin_page_by_role(client, actors, rows, model, view, with_row, expected):
    url = admin_url(model, view, rows[model].pk) if with_row else admin_url(model, view)
    for actor, status in zip(ACTORS, expected, strict=True):
        client.logout()
        response = client_for(client, actors[actor]).get(url)
        assert response.status_code == status, (actor, url)
        if status == 302:
            assert response["Location"].startswith(reverse("admin:login"))


def test_clerks_get_403_even_as_staff(client, quanyechang, rows):
    # A clerk wrongly marked as staff still has no permission on the centre's data.
    clerk = make_user("staff_clerk", "street_clerk", street=quanyechang, is_staff=True)
    client.force_login(clerk)
    for model in MODELS:
        assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(reverse("incubator:dashboard")).status_code == 403


def test_only_superusers_delete_and_never_a_residency_with_sessions(client, superuser, rows):
    client.force_login(superuser)
    residency = rows[Residency]
    page = client.get(admin_url(Residency, "delete", residency.pk))
    assert page.status_code == 200 and page.context["protected"]
    client.post(admin_url(Residency, "delete", residency.pk), {"post": "yes"})
    assert Residency.objects.filter(pk=residency.pk).exists()
    lone = make_residency()
    client.post(admin_url(Residency, "delete", lone.pk), {"post": "yes"})
    assert not Residency.objects.filter(pk=lone.pk).exists()
    assert lone.events.filter(pgh_label="delete").count() == 1


def test_incubator_staff_see_no_registry_pages(client, incubator_staff):
    client.force_login(incubator_staff)
    for model in (Organization, CommunityGroup):
        url = reverse(f"admin:registry_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 403
    assert client.get(reverse("filings:list")).status_code == 403


def test_links_offer_names_only(client, incubator_staff, quanyechang, qyc_community):
    organization = make_organization(name="和平区暖阳公益服务中心", contact_phone="022-23456789")
    closed = make_organization(
        name="和平区旧名服务中心",
        status="deregistered",
        status_changed_on=D(2016, 1, 1),
        status_reason="自行解散",
    )
    group = make_group(
        quanyechang, qyc_community, name="福明社区合唱团", leader_phone="13912345678"
    )
    CommunityGroup.objects.filter(pk=group.pk).update(
        status="filed", filing_number="QYC-2016-0007", filed_on=D(2016, 1, 1)
    )
    draft = make_group(quanyechang, qyc_community, name="福明社区太极队")
    client.force_login(incubator_staff)
    page = client.get(admin_url(Residency, "add")).content.decode()
    assert organization.name in page and "福明社区合唱团（QYC-2016-0007）" in page
    assert closed.name not in page and draft.name not in page
    for private in ("13912345678", group.leader_name, "022-23456789", organization.domicile):
        assert private not in page
    # No links into the registry's admin, which they may not open.
    assert "/admin/registry/" not in page


def test_the_linked_record_stays_choosable_after_it_closes(client, incubator_staff):
    organization = make_organization(name="和平区同心公益服务中心")
    residency = make_residency(name="", organization=organization)
    Organization.objects.filter(pk=organization.pk).update(
        status="deregistered", status_changed_on=D(2017, 1, 1), status_reason="注销"
    )
    client.force_login(incubator_staff)
    page = client.get(admin_url(Residency, "change", residency.pk)).content.decode()
    assert organization.name in page


def test_filters(client, district_staff, rows):
    other = make_residency(mode="out_of_shell", batch=2, origin="introduced")
    lawyer = make_mentor(name="律师", specialties=["law"])
    accountant = make_mentor(name="会计", specialties=["finance"])
    make_session(accountant, [other], date=D(2016, 7, 1))
    client.force_login(district_staff)

    def listed(model, **params):
        response = client.get(admin_url(model, "changelist"), params)
        return {obj.pk for obj in response.context["cl"].result_list}

    residency = rows[Residency]
    assert listed(Residency, mode="in_shell") == {residency.pk}
    assert listed(Residency, batch="2") == {other.pk}
    assert listed(Residency, origin="introduced") == {other.pk}
    assert listed(Residency, outcome="ongoing") == {residency.pk, other.pk}
    assert listed(Residency, specialty="finance") == {other.pk}
    assert listed(Residency, space__id__exact=rows[Space].pk) == {residency.pk}
    assert listed(Mentor, specialty="law") == {rows[Mentor].pk, lawyer.pk}
    assert listed(MentoringSession, specialty="finance") == {
        MentoringSession.objects.get(mentor=accountant).pk
    }
    assert listed(MentoringSession, mentor=str(accountant.pk)) == {
        MentoringSession.objects.get(mentor=accountant).pk
    }


def test_history_page_shows_who_changed_what(client, incubator_staff, rows):
    residency = rows[Residency]
    client.force_login(incubator_staff)
    data = {
        "name": residency.name,
        "mode": residency.mode,
        "intake_year": residency.intake_year,
        "batch": residency.batch,
        "origin": residency.origin,
        "started_on": residency.started_on.isoformat(),
        "ended_on": "2016-12-20",
        "space": residency.space_id,
        "outcome": "withdrawn",
        "outcome_on": "2016-12-20",
    }
    response = post_admin(client, admin_url(Residency, "change", residency.pk), data)
    assert response.status_code == 302
    page = client.get(admin_url(Residency, "history", residency.pk)).content.decode()
    assert "incubator" in page and "退出" in page and "2016-12-20" in page


# Query counts -----------------------------------------------------------------------------


def populate(n, prefix):
    spaces = [make_space(name=f"{prefix}{i}") for i in range(n)]
    mentors = [make_mentor(name=f"{prefix}导师{i}") for i in range(n)]
    mentors += [make_mentor(kind="organization", name="", organization=make_organization())]
    residencies = []
    for i in range(n):
        residencies.append(make_residency(space=spaces[i], organization=make_organization()))
        residencies.append(make_residency(name=f"{prefix}团队{i}"))
    for i, residency in enumerate(residencies):
        make_session(mentors[i % len(mentors)], [residency], date=D(2016, 1 + i % 12, 3))
        make_output(residency)
    make_training([(r, 1) for r in residencies])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_are_pinned_and_do_not_grow(
    client, district_staff, model, django_assert_max_num_queries
):
    client.force_login(district_staff)
    populate(2, "A")
    url = admin_url(model, "changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    populate(12, "B")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", [Training, MentoringSession, Residency], ids=lambda m: m.__name__)
def test_change_page_queries_do_not_grow_with_inline_rows(client, district_staff, model):
    client.force_login(district_staff)
    mentor = make_mentor()

    def record(n, prefix):
        residencies = [make_residency(name=f"{prefix}{i}", organization=None) for i in range(n)]
        residencies[0].organization = make_organization()
        residencies[0].save()
        if model is Training:
            return make_training([(r, 1) for r in residencies])
        session = make_session(mentor, residencies)
        if model is Residency:
            for i in range(n):
                make_session(mentor, residencies[:1], date=D(2016, 2, 1 + i), hours="0.5")
                make_output(residencies[0])
            return residencies[0]
        return session

    few = record(2, "A")
    many = record(10, "B")
    # A fresh process looks a few things up once (content types): done before counting,
    # so that the counts do not depend on which tests ran before.
    assert client.get(admin_url(model, "change", few.pk)).status_code == 200
    counts = []
    for obj in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(admin_url(model, "change", obj.pk)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12
