"""Change history: every write to a registry row is recorded by the triggers, admin saves
and bulk writes alike, with who made it; the admin History page shows it."""

import datetime

import pytest
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import translation

from hepingorgs.history import acting_as
from registry.models import AnnualReport, Organization, OrgStatus
from tests.conftest import client_for, make_organization, valid_code
from tests.registry.test_admin import (
    admin_url,
    form_errors,
    on_page,
    post_change,
)


@pytest.fixture
def organization(db):
    return make_organization(name="和平区养老服务协会", legal_representative="王某")


@pytest.fixture
def staff_client(client, district_staff):
    return client_for(client, district_staff)


def history_page(client, obj):
    response = client.get(admin_url(type(obj), "history", obj.pk))
    assert response.status_code == 200
    return response


def label(model, field):
    with translation.override("zh-hans"):
        return str(model._meta.get_field(field).verbose_name)


def test_an_admin_change_is_recorded_with_the_user(staff_client, organization):
    response = post_change(staff_client, organization, {"legal_representative": "李某"})
    assert response.status_code == 302, form_errors(response)

    event = organization.events.order_by("pgh_id").last()
    assert event.legal_representative == "李某"
    assert event.pgh_context.metadata["username"] == "district"

    page = history_page(staff_client, organization)
    (latest, created) = page.context["entries"]
    assert latest.username == "district"
    assert latest.changes == [(label(Organization, "legal_representative"), "王某", "李某")]
    assert created.is_creation
    content = page.content.decode()
    for text in ("district", "王某", "李某", label(Organization, "legal_representative")):
        assert on_page(text) in content


def test_a_queryset_update_is_recorded(staff_client, organization, district_staff):
    Organization.objects.filter(pk=organization.pk).update(legal_representative="赵某")
    with acting_as(district_staff, reason="import"):
        Organization.objects.filter(pk=organization.pk).update(domicile="天津市和平区南京路2号")

    assert list(organization.events.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "insert",
        "update",
        "update",
    ]
    page = history_page(staff_client, organization)
    domicile, representative, _created = page.context["entries"]
    assert representative.username == ""
    assert representative.changes == [(label(Organization, "legal_representative"), "王某", "赵某")]
    assert domicile.username == "district"
    assert domicile.changes == [
        (label(Organization, "domicile"), "天津市和平区南京路1号", "天津市和平区南京路2号")
    ]
    assert on_page("赵某") in page.content.decode()


def test_bulk_create_is_recorded(staff_client, district_staff):
    with acting_as(district_staff):
        created = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"批量导入协会{i}",
                    credit_code=valid_code(),
                    org_type="1",
                    field="04",
                    legal_representative="孙某",
                    registered_funds=10000,
                    domicile="天津市和平区",
                    registered_on=datetime.date(2020, 1, 1),
                )
                for i in range(3)
            ]
        )
    for organization in created:
        (event,) = organization.events.all()
        assert (event.pgh_label, event.name) == ("insert", organization.name)
        (entry,) = history_page(staff_client, organization).context["entries"]
        assert entry.is_creation
        assert entry.username == "district"
        assert (label(Organization, "name"), "", organization.name) in entry.changes


def test_one_statement_over_many_rows_records_each_changed_row_once(district_staff):
    """The history triggers run once per statement (pghistory.Statement): each changed
    row still gets its own event, rows the statement did not change get none, and the
    statement's rows share one context."""
    first, second, unchanged = (
        make_organization(name=name, legal_representative=who)
        for name, who in (("甲协会", "王某"), ("乙协会", "李某"), ("丙协会", "赵某"))
    )
    with acting_as(district_staff, reason="batch"):
        updated = Organization.objects.filter(pk__in=[first.pk, second.pk, unchanged.pk]).update(
            legal_representative=Case(
                When(pk=unchanged.pk, then=F("legal_representative")), default=Value("周某")
            )
        )
    assert updated == 3
    changed = [o.events.filter(pgh_label="update").get() for o in (first, second)]
    assert [e.legal_representative for e in changed] == ["周某", "周某"]
    assert changed[0].pgh_context_id == changed[1].pgh_context_id
    assert changed[0].pgh_context.metadata["reason"] == "batch"
    assert not unchanged.events.filter(pgh_label="update").exists()


def test_bulk_create_of_annual_reports_is_recorded(organization):
    reports = AnnualReport.objects.bulk_create(
        [
            AnnualReport(organization=organization, year=year, result="qualified")
            for year in (2021, 2022)
        ]
    )
    assert [report.events.count() for report in reports] == [1, 1]


def test_deregistration_shows_in_the_history(staff_client, organization):
    response = post_change(
        staff_client,
        organization,
        {"status": "deregistered", "status_changed_on": "2024-05-06", "status_reason": "自行解散"},
    )
    assert response.status_code == 302, form_errors(response)

    page = history_page(staff_client, organization)
    latest = page.context["entries"][0]
    with translation.override("zh-hans"):
        active, deregistered = str(OrgStatus.ACTIVE.label), str(OrgStatus.DEREGISTERED.label)
    assert latest.username == "district"
    assert (label(Organization, "status"), active, deregistered) in latest.changes
    assert (label(Organization, "status_changed_on"), "—", "2024-05-06") in latest.changes
    assert (label(Organization, "status_reason"), "—", "自行解散") in latest.changes
    content = page.content.decode()
    for text in (deregistered, "自行解散", label(Organization, "status")):
        assert on_page(text) in content


def test_history_page_needs_registry_permission(client, incubator_staff, organization):
    client_for(client, incubator_staff)
    assert client.get(admin_url(Organization, "history", organization.pk)).status_code == 403


def test_history_page_of_a_missing_record_redirects(staff_client):
    response = staff_client.get(admin_url(Organization, "history", 999999))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
