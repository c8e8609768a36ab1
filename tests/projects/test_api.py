"""The public projects API (``projects`` under ``/api/v1/``, registered in
``hepingorgs.api``): anonymous, read-only, the same filter set as the HTML list, explicit
English fields, ``updated_since`` that sees bulk updates."""

import csv
import datetime
import io
import json

import pytest
from django.db import transaction
from django.utils import timezone

from projects import workflow
from projects.models import Project
from tests.conftest import client_for
from tests.projects.conftest import advance, make_project
from tests.projects.test_public import listed  # noqa: F401 - fixture

URL = "/api/v1/projects/"
FIELDS = {
    "id",
    "round",
    "year",
    "title",
    "applicant",
    "applicant_credit_code",
    "host",
    "field",
    "streets",
    "awarded",
    "paid",
    "status",
    "evaluation_grade",
    "updated_at",
}


@pytest.mark.parametrize("actor", [None, "clerk_qyc", "incubator_staff", "district_staff"])
def test_anonymous_and_everyone_read(request, client, listed, actor):  # noqa: F811
    client_for(client, request.getfixturevalue(actor) if actor else None)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and {"next", "previous", "results"} <= set(body)
    assert all(set(row) == FIELDS for row in body["results"])


def test_the_rows_say_what_the_page_says(client, listed):  # noqa: F811
    rows = {row["title"]: row for row in client.get(URL).json()["results"]}
    home = rows["爱洒回家路"]
    assert home["year"] == 2016
    assert home["awarded"] == "100000.00" and home["paid"] == "0.00"
    assert home["status"] == "completed" and home["evaluation_grade"] == "good"
    assert home["streets"] == ["小白楼街道"]
    assert home["applicant_credit_code"] == listed["home"].applicant_organization.credit_code
    doctors = rows["老军医社区义诊"]
    assert doctors["applicant"] == "福明社区老军医志愿服务队"
    assert doctors["applicant_credit_code"] is None
    assert doctors["host"] == "和平区劝业场街社区社会组织服务促进会"
    assert doctors["evaluation_grade"] is None
    detail = client.get(f"{URL}{listed['home'].pk}/")
    assert detail.status_code == 200 and detail.json()["title"] == "爱洒回家路"


def test_unapproved_projects_are_not_found(client, listed, round_):  # noqa: F811
    applied = make_project(round_, title="尚未立项")
    assert client.get(f"{URL}{applied.pk}/").status_code == 404


def test_same_filters_as_the_page(client, listed, quanyechang):  # noqa: F811
    titles = lambda query: [r["title"] for r in client.get(URL, query).json()["results"]]  # noqa: E731
    assert titles({"q": "爱洒"}) == ["爱洒回家路"]
    assert titles({"field": "health"}) == ["老军医社区义诊"]
    assert titles({"street": quanyechang.pk}) == ["老军医社区义诊"]
    assert client.get(URL, {"street": "x"}).status_code == 400
    assert client.get(URL, {"q": "\x00"}).status_code == 400


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(client, listed, method):  # noqa: F811
    assert getattr(client, method)(URL).status_code in (403, 405)
    assert getattr(client, method)(f"{URL}{listed['home'].pk}/").status_code in (403, 405)
    assert Project.objects.count() == 4


def test_updated_since_sees_bulk_updates(client, listed):  # noqa: F811
    since = timezone.now()
    assert client.get(URL, {"updated_since": since.isoformat()}).json()["count"] == 0
    with transaction.atomic():
        Project.objects.filter(pk=listed["doctors"].pk).update(summary="更新了摘要")
    rows = client.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert [row["title"] for row in rows] == ["老军医社区义诊"]
    assert client.get(URL, {"updated_since": "not a date"}).status_code == 400


def test_query_count_does_not_grow(client, round_, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            advance(workflow.start_review(make_project(round_)), "notice", awarded="1000")

    add(2)
    with django_assert_num_queries(4):  # count, the page's keys, rows with grades, streets
        client.get(URL)
    add(6)
    with django_assert_num_queries(4):
        client.get(URL, {"year": 2016, "updated_since": datetime.datetime(2000, 1, 1).isoformat()})


def test_downloads_and_schema_cover_projects(client, listed):  # noqa: F811
    api_rows = client.get(URL).json()["results"]
    response = client.get("/downloads/projects.csv")
    assert response.status_code == 200
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert sorted(row["title"] for row in rows) == ["爱洒回家路", "老军医社区义诊"]
    assert list(rows[0]) == list(api_rows[0])
    assert "钱法人" not in raw and "022-23456789" not in raw
    response = client.get("/downloads/projects.json")
    data = json.loads(b"".join(response.streaming_content).decode())
    assert {row["title"] for row in data} == {"爱洒回家路", "老军医社区义诊"}
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/projects/" in schema and "applicant_credit_code" in schema
    assert "/api/v1/projects/" in client.get("/api/v1/").content.decode()
