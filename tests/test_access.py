"""Roles are groups created by migrations with exactly the permissions they need."""

import pytest
from django.contrib.auth.models import Group

from hepingorgs import access


def codenames(role):
    group = Group.objects.get(name=access.ROLE_NAMES[role])
    return set(group.permissions.values_list("content_type__app_label", "codename"))


@pytest.mark.django_db
def test_roles_exist_with_exact_permissions():
    assert codenames(access.STREET_CLERK) == {
        ("registry", "view_communitygroup"),
        ("registry", "add_communitygroup"),
        ("registry", "change_communitygroup"),
    }
    staff = codenames(access.DISTRICT_STAFF)
    assert ("registry", "change_organization") in staff
    assert ("registry", "view_organizationevent") in staff
    assert not [c for _app, c in staff if c.startswith("delete_")]
    assert not {("registry", "change_organizationevent"), ("registry", "add_clerkprofile")} & staff
    incubator = codenames(access.INCUBATOR_STAFF)
    assert {app for app, _c in incubator} <= {"incubator"}
    assert ("incubator", "change_residency") in incubator
    assert ("incubator", "view_residencyevent") in incubator
    assert not [c for _app, c in incubator if c.endswith("event") and not c.startswith("view_")]


@pytest.mark.django_db
def test_a_clerk_without_a_street_sees_nothing(client):
    from tests.conftest import make_user

    user = make_user("lost_clerk", access.STREET_CLERK)
    assert access.clerk_street(user) is None
    assert not access.filings_for(user).exists()
    client.force_login(user)
    assert client.get("/filings/").status_code == 403


@pytest.mark.django_db
def test_inactive_staff_have_no_role(district_staff):
    district_staff.is_active = False
    assert not access.is_district_staff(district_staff)
