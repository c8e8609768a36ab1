"""After logging in, each role lands on its own workspace: district staff and street
clerks the filings, incubation-centre staff the incubator dashboard (they may not use the
filings), anybody else the home page. A safe ``next=`` still wins; an external one is
ignored."""

import pytest
from django.contrib.auth.models import User

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"

# Declared for every test: those that take their user through ``getfixturevalue`` would
# otherwise be ordered after the transactional tests, which empty the roles and streets.
pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_user(db):
    return User.objects.create_user("citizen", password=PASSWORD)


@pytest.mark.parametrize(
    "actor, landing",
    [
        ("clerk_qyc", "/filings/"),
        ("clerk_xbl", "/filings/"),
        ("district_staff", "/filings/"),
        ("superuser", "/filings/"),
        ("incubator_staff", "/incubator/"),
        ("plain_user", "/"),
    ],
)
def test_each_role_lands_on_its_workspace(client, request, actor, landing):
    user = request.getfixturevalue(actor)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.session["_auth_user_id"] == str(user.pk)
    # The page it lands on answers (no 403 for the centre's staff).
    assert client.get(landing).status_code == 200


@pytest.mark.parametrize("actor", ["clerk_qyc", "incubator_staff", "district_staff"])
def test_next_still_wins(client, request, actor):
    user = request.getfixturevalue(actor)
    response = client.post(
        f"{LOGIN}?next=/stats/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/stats/"


def test_next_in_the_form_and_an_external_next(client, incubator_staff):
    response = client.post(
        LOGIN, {"username": "incubator", "password": PASSWORD, "next": "/incubator/"}
    )
    assert response["Location"] == "/incubator/"
    client.logout()
    response = client.post(
        f"{LOGIN}?next=https://evil.example/", {"username": "incubator", "password": PASSWORD}
    )
    assert response["Location"] == "/incubator/"


def test_a_failed_login_lands_nowhere(client, incubator_staff):
    response = client.post(LOGIN, {"username": "incubator", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
