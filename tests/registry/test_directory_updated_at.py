"""``updated_at`` moves in the database on every change, bulk writes included, and the
change history (pghistory's triggers) still records every change with the new time."""

import datetime

import pgtrigger
from django.db import connection
from django.utils import timezone

from registry.models import CommunityGroup, Organization
from tests.conftest import make_group, make_organization

LONG_AGO = timezone.now() - datetime.timedelta(days=365)


def _age(model, pk):
    with pgtrigger.ignore(f"registry.{model.__name__}:touch_updated_at"):
        model.objects.filter(pk=pk).update(updated_at=LONG_AGO)
    assert model.objects.get(pk=pk).updated_at == LONG_AGO


def just_now(moment):
    return abs(timezone.now() - moment) < datetime.timedelta(minutes=1)


def test_new_organization_has_a_time(db):
    org = make_organization()
    assert just_now(org.updated_at)


def test_bulk_update_moves_updated_at_and_history_sees_it(db):
    org = make_organization()
    _age(Organization, org.pk)
    events = org.events.count()
    Organization.objects.filter(pk=org.pk).update(supervisory_unit="区民政局")
    org.refresh_from_db()
    assert just_now(org.updated_at)
    assert org.events.count() == events + 1
    latest = org.events.order_by("-pgh_id").first()
    assert latest.supervisory_unit == "区民政局" and latest.updated_at == org.updated_at


def test_raw_sql_import_moves_it_too(db):
    org = make_organization()
    _age(Organization, org.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_organization SET domicile = %s WHERE id = %s", ["南京路2号", org.pk]
        )
    org.refresh_from_db()
    assert just_now(org.updated_at)


def test_an_update_that_changes_nothing_leaves_it(db):
    org = make_organization()
    _age(Organization, org.pk)
    events = org.events.count()
    Organization.objects.filter(pk=org.pk).update(domicile=org.domicile)
    org.refresh_from_db()
    assert org.updated_at == LONG_AGO
    assert org.events.count() == events


def test_community_group_bulk_update(quanyechang, qyc_community):
    group = make_group(quanyechang, qyc_community)
    _age(CommunityGroup, group.pk)
    CommunityGroup.objects.filter(pk=group.pk).update(venue="社区活动室")
    group.refresh_from_db()
    assert just_now(group.updated_at)
    assert group.events.order_by("-pgh_id").first().venue == "社区活动室"
