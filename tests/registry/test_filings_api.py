"""The internal filings API shows exactly what the workspace list shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import filings
from tests.conftest import make_group


@pytest.fixture
def groups(quanyechang, qyc_community, xiaobailou, xbl_community):
    mine = make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")
    filings.submit(mine)
    theirs = make_group(xiaobailou, xbl_community, name="开封道社区舞蹈队")
    return {"mine": mine, "theirs": theirs}


def names(response):
    assert response.status_code == 200
    return sorted(row["name"] for row in response.json()["results"])


def test_clerk_sees_own_street_only(client, clerk_qyc, groups):
    client.force_login(clerk_qyc)
    assert names(client.get("/api/filings/")) == ["福明社区夕阳红合唱团"]
    assert client.get(f"/api/filings/{groups['theirs'].pk}/").status_code == 404
    assert client.get(f"/api/filings/{groups['mine'].pk}/").json()["filing_number"] is None
    # The list's filters, including an attempt to name another street, do not widen it.
    assert names(client.get("/api/filings/", {"street": groups["theirs"].street_id})) == [
        "福明社区夕阳红合唱团"
    ]
    assert names(client.get("/api/filings/", {"q": "xyh"})) == ["福明社区夕阳红合唱团"]


def test_staff_see_all_and_filter(client, district_staff, groups):
    client.force_login(district_staff)
    assert names(client.get("/api/filings/")) == ["开封道社区舞蹈队", "福明社区夕阳红合唱团"]
    assert names(client.get("/api/filings/", {"status": "submitted"})) == ["福明社区夕阳红合唱团"]


@pytest.mark.parametrize("actor,expected", [("incubator_staff", 403), (None, 403)])
def test_others_are_refused(client, request, groups, actor, expected):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    assert client.get("/api/filings/").status_code == expected
    assert client.get(f"/api/filings/{groups['mine'].pk}/").status_code == expected


def test_read_only(client, clerk_qyc, groups):
    client.force_login(clerk_qyc)
    url = f"/api/filings/{groups['mine'].pk}/"
    assert client.patch(url, {"name": "改"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405


def test_query_count_does_not_grow(client, clerk_qyc, groups, quanyechang, qyc_community):
    client.force_login(clerk_qyc)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/filings/").status_code == 200
        return len(queries)

    small = count()
    for _ in range(15):
        make_group(quanyechang, qyc_community)
    assert count() == small == 7
