"""The public API fuzzed from its own OpenAPI schema (schemathesis): for every operation
of ``/api/v1/``, generated requests, valid and invalid, never get a server error, and
every answer (status, content type, body, headers) is one the schema documents. Then
each parameter of each operation with a NUL character and with an over-long value: 400,
never 500.

The schema is the one ``/api/schema/`` serves, fetched through the test client, and the
requests go in-process to Django's WSGI handler, inside the test's transaction, so they
see the directory's test data."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from hepingorgs.middleware import MAX_PARAMETER_LENGTH

pytest_plugins = ["tests.registry.directory_data"]

LONG = "和" * (MAX_PARAMETER_LENGTH + 1)


def served_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


# Two of schemathesis's checks judge how lenient the API is, not whether its answers
# are right, and are left out: a street, community, category or round the schema types
# as a string or integer is refused with a documented 400 when no such row exists
# (positive_data_acceptance), and yes/no filters also take 1/0 and other spellings
# django-filter accepts (negative_data_rejection).
LENIENCY_CHECKS = [positive_data_acceptance, negative_data_rejection]

OPERATIONS = [
    ("/api/v1/organizations/", "GET"),
    ("/api/v1/organizations/{uscc}/", "GET"),
    ("/api/v1/community-groups/", "GET"),
    ("/api/v1/community-groups/{filing_number}/", "GET"),
    ("/api/v1/projects/", "GET"),
    ("/api/v1/projects/{id}/", "GET"),
]


@pytest.fixture
def api_schema(client, orgs, groups, settings):
    """The served schema, bound to Django's WSGI handler as a server runs it, except
    that the end of a request does not close the database connection (Django's test
    client arranges the same): the test's transaction holds the data. The schema is
    fetched first, as the test client reconnects what it disconnected."""
    # The rate limit is tested on its own (tests/test_api_v1.py); here it would turn
    # the fuzzer's requests into 429s.
    settings.PUBLIC_THROTTLE_RATES = {**settings.PUBLIC_THROTTLE_RATES, "api": "100000/minute"}
    schema = schemathesis.openapi.from_dict(served_schema(client))
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema.app = WSGIHandler()
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# schemathesis's own pytest integration (``schema.parametrize()``) does not run under
# pytest 9 (it reads a node attribute pytest renamed), so each operation's hypothesis
# strategy is drawn here, in a test to which pytest-django gives a database.
@pytest.mark.parametrize(
    "path,method,mode",
    [(path, method, GenerationMode.POSITIVE) for path, method in OPERATIONS]
    # A path parameter typed as a bare string (a credit code, a filing number) has no
    # invalid value to generate; the other operations are fuzzed with invalid data too.
    + [
        (path, method, GenerationMode.NEGATIVE)
        for path, method in OPERATIONS
        if path.endswith("/") and not path.endswith(("{uscc}/", "{filing_number}/"))
    ],
)
def test_every_answer_is_documented_and_none_is_a_server_error(api_schema, path, method, mode):
    operation = api_schema[path][method]
    statuses = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        response = case.call_and_validate(excluded_checks=LENIENCY_CHECKS)
        statuses.append(response.status_code)

    check()
    assert statuses and max(statuses) < 500
    if mode is GenerationMode.POSITIVE:
        assert 200 in statuses or path.endswith("}/"), statuses


def operations(client):
    for path, methods in served_schema(client)["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation.get("parameters", [])


def test_the_schema_covers_every_resource_and_documents_refusals(client, db):
    paths = {path for path, _method, _parameters in operations(client)}
    assert {
        "/api/v1/organizations/",
        "/api/v1/organizations/{uscc}/",
        "/api/v1/community-groups/",
        "/api/v1/community-groups/{filing_number}/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
    } <= paths
    for path, methods in served_schema(client)["paths"].items():
        for operation in methods.values():
            assert {"200", "400", "404", "429"} <= set(operation["responses"]), path


def fill(path, parameters, value, target):
    """The path with every path parameter filled (``target`` with ``value``, the others
    with a harmless value), and the query string."""
    query = {}
    for parameter in parameters:
        given = value if parameter["name"] == target else "1"
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", given)
        elif parameter["name"] == target:
            query[parameter["name"]] = given
    return path, query


@pytest.mark.parametrize("value", ["\x00", "a\x00b", LONG], ids=["nul", "nul-inside", "long"])
def test_nul_and_over_long_parameters_are_refused_with_400(client, orgs, value):
    tried = 0
    for path, method, parameters in operations(client):
        assert method == "get"
        for parameter in parameters:
            url, query = fill(path, parameters, value, parameter["name"])
            response = client.get(url, query)
            assert response.status_code == 400, (url, query, response.status_code)
            assert response["Content-Type"].startswith("application/json")
            body = response.json()
            assert body.get("detail") or body.get(parameter["name"]), body
            tried += 1
    assert tried >= 30  # every query and path parameter of the six operations


def test_a_refusal_is_in_chinese_and_names_the_parameter(client, db):
    response = client.get("/api/v1/organizations/", {"street": "1\x00"})
    assert response.status_code == 400
    assert response.json() == {"detail": "参数 street 含有空字符（NUL）。"}
    response = client.get("/api/v1/organizations/", {"q": "和" * 101})
    assert response.status_code == 400
    assert "100" in response.json()["q"][0]


def test_a_page_that_is_not_a_number_is_refused_with_400(client, orgs):
    response = client.get("/api/v1/organizations/", {"page": "²"})
    assert response.status_code == 400 and "page" in response.json()
    assert client.get("/api/v1/organizations/", {"page": "999"}).status_code == 404
    assert client.get("/api/v1/organizations/", {"page": "last"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/directory/%00/",
        "/community-groups/x%00/",
        "/directory/?q=%00",
        "/community-groups/?street=%00",
        "/projects/?q=%00",
        "/?x=" + LONG,
        "/directory/" + LONG,
    ],
)
def test_html_pages_refuse_nul_and_over_long_parameters_with_a_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'role="alert"' in response.content.decode()


def test_the_admin_search_refuses_a_nul_with_400(client, district_staff):
    client.force_login(district_staff)
    for url in ("/admin/registry/organization/", "/admin/registry/communitygroup/"):
        assert client.get(url, {"q": "协会\x00"}).status_code == 400
        assert client.get(url, {"q": "协会"}).status_code == 200


@pytest.mark.parametrize("url", ["/directory/", "/community-groups/", "/projects/"])
def test_html_filters_refuse_an_over_long_search_next_to_the_field(client, db, url):
    response = client.get(url, {"q": "和" * 101})
    assert response.status_code == 400
    assert "q" in response.context["filter"].errors


@pytest.mark.parametrize(
    "since,status",
    [
        ("2020-01-01T00:00:00+23:47", 200),  # ISO 8601 allows it; PostgreSQL's literal not
        ("9298-03-31T23:11:47-23:59", 200),
        ("0001-01-01T00:00:00+01:00", 400),  # before year 1 in UTC
    ],
)
def test_updated_since_in_any_zone_offset(client, orgs, since, status):
    for resource in ("organizations", "community-groups", "projects"):
        response = client.get(f"/api/v1/{resource}/", {"updated_since": since})
        assert response.status_code == status, (resource, response.content[:200])
        if status == 400:
            assert "updated_since" in response.json()
