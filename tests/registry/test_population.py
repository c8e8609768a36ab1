"""Populations per year (district and streets) for the per-10,000 figures: one per year
and place, edited in the admin with Chinese messages, tracked by the history triggers."""

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from registry.models import Population


def test_one_population_per_year_and_place(quanyechang):
    Population.objects.create(year=2016, residents=355_800)
    Population.objects.create(year=2016, street=quanyechang, residents=52_600)
    with pytest.raises(IntegrityError), transaction.atomic():
        Population.objects.create(year=2016, residents=1)  # the district twice
    with pytest.raises(IntegrityError), transaction.atomic():
        Population.objects.create(year=2016, street=quanyechang, residents=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Population.objects.create(year=2017, residents=0)


def test_admin_add_and_duplicate_message(client, district_staff, quanyechang):
    client.force_login(district_staff)
    url = "/admin/registry/population/add/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": 2016, "street": "", "residents": 355800})
    assert response.status_code == 302
    response = client.post(url, {"year": 2016, "street": "", "residents": 1})
    assert response.status_code == 200
    assert "该年度该街道（或全区）的人口已经录入。" in response.content.decode()
    response = client.post(url, {"year": 2016, "street": quanyechang.pk, "residents": 0})
    assert response.status_code == 200
    assert Population.objects.count() == 1
    changelist = client.get("/admin/registry/population/")
    assert changelist.status_code == 200 and "全区" in changelist.content.decode()


def test_changes_are_tracked(quanyechang):
    population = Population.objects.create(year=2016, street=quanyechang, residents=50_000)
    population.residents = 52_600
    population.save()
    events = apps.get_model("registry", "PopulationEvent").objects.filter(pgh_obj=population)
    assert [e.pgh_label for e in events.order_by("pgh_id")] == ["insert", "update"]


def test_clerks_cannot_reach_the_admin(client, clerk_qyc):
    client.force_login(clerk_qyc)
    response = client.get("/admin/registry/population/")
    assert response.status_code == 302  # not staff: the admin's login page
