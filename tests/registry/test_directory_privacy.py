"""The privacy walk: with the demo district loaded, every public page, API answer and
download is fetched as an anonymous visitor, and none may contain a demo phone number or
the name of a filed group's leader; and none of them writes to the database."""

import json
import re

import pytest
from django.apps import apps
from django.db import connection

from hepingorgs import api
from registry import directory
from registry.models import (
    Community,
    CommunityGroup,
    CreditRecord,
    FilingCategory,
    Organization,
    Street,
)

WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|TRUNCATE|CREATE|ALTER|DROP|COPY|GRANT|LOCK)\b", re.I
)
PHONE_RUNS = re.compile(r"[0-9][0-9-]{9,}[0-9]")


def _public_text():
    """Every value the directory publishes on purpose: a leader whose name is also, say,
    an organization's legal representative or part of a group's name is not a leak."""
    parts = []
    for values in (
        Organization.objects.values_list(
            "name",
            "legal_representative",
            "domicile",
            "business_scope",
            "supervisory_unit",
            "registration_authority",
            "status_reason",
        ),
        CreditRecord.objects.values_list("reason", "authority", "removal_reason"),
        directory.public_groups().values_list("name"),
        Community.objects.values_list("name"),
        Street.objects.values_list("name"),
        FilingCategory.objects.values_list("name"),
    ):
        parts.extend(" ".join(row) for row in values)
    return "\n".join(parts)


@pytest.fixture
def secrets(demo_district, db):
    phones = set()
    for landline in Organization.objects.exclude(contact_phone="").values_list(
        "contact_phone", flat=True
    ):
        phones |= {landline, landline.replace("-", "")}
    phones |= set(
        CommunityGroup.objects.exclude(leader_phone="").values_list("leader_phone", flat=True)
    )
    public = _public_text()
    leaders = set(
        CommunityGroup.objects.exclude(leader_name="").values_list("leader_name", flat=True)
    )
    names = {name for name in leaders if name not in public}
    # The walk is only worth something if it looks for many names and phones.
    assert len(phones) > 3000 and len(names) > 1000
    return phones, names


def _windows(text, sizes):
    return {text[i : i + n] for n in sizes for i in range(len(text) - n + 1)}


def leaks(text, phones, names):
    found = set()
    for run in PHONE_RUNS.findall(text):
        found |= _windows(run, (11, 12)) & phones
    found |= _windows(text, {len(name) for name in names}) & names
    return found


def _content(response):
    if response.streaming:
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    text = raw.decode("utf-8-sig")
    if response["Content-Type"].startswith("application/json"):
        # However the encoder escapes, compare the characters.
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _public_urls(client):
    """Every public list page, profile, API list and detail, download and the schema."""
    yield from ("/directory/", "/community-groups/", "/downloads/", "/downloads/dictionary/")
    yield from ("/api/v1/", "/api/schema/", "/api/docs/")
    # Every registered public resource (other apps' too), in bulk and its first pages.
    for name, _viewset in api.public_resources():
        yield f"/downloads/{name}.csv"
        yield f"/downloads/{name}.json"
        for page in (1, 2, 3):
            yield f"/api/v1/{name}/?page={page}"
    organizations = Organization.objects.count()
    for page in range(1, organizations // 20 + 2):
        yield f"/directory/?page={page}"
    groups = directory.public_groups().count()
    # Every group is in the downloads and the API pages below; a quarter of the HTML
    # pages keeps the walk short.
    for page in range(1, groups // 20 + 2, 4):
        yield f"/community-groups/?page={page}"
    for query in ("和平", "养", "合唱", "yl", "hpq", "QYC-2016", "张", "王"):
        yield f"/directory/?q={query}"
        yield f"/community-groups/?q={query}"
        yield f"/api/v1/organizations/?q={query}"
        yield f"/api/v1/community-groups/?q={query}"
    for code in Organization.objects.values_list("credit_code", flat=True):
        yield f"/directory/{code}/"
        yield f"/api/v1/organizations/{code}/"
    for page in range(1, organizations // 200 + 2):
        yield f"/api/v1/organizations/?page_size=200&page={page}"
    for page in range(1, groups // 200 + 2):
        yield f"/api/v1/community-groups/?page_size=200&page={page}"
    for number in directory.public_groups().values_list("filing_number", flat=True)[::25]:
        yield f"/api/v1/community-groups/{number}/"
    # The venture projects' public list (its API and downloads are walked above).
    for query in ("", "?page=2", "?q=和平", "?q=老", "?sort=-awarded"):
        yield f"/projects/{query}"


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_no_public_page_endpoint_or_download_leaks_or_writes(client, secrets, settings):
    settings.PUBLIC_THROTTLE_RATES = {
        scope: "100000/minute" for scope in ("api", "pages", "downloads")
    }
    phones, names = secrets
    writes = []

    def refuse_writes(execute, sql, params, many, context):
        if WRITES.match(sql):
            writes.append(sql)
        return execute(sql, params, many, context)

    before = _row_counts()
    fetched = 0
    with connection.execute_wrapper(refuse_writes):
        for url in _public_urls(client):
            response = client.get(url)
            if response.status_code == 404 and "/api/v1/" in url and "page=" in url:
                continue  # a resource with fewer pages
            assert response.status_code == 200, url
            found = leaks(_content(response), phones, names)
            assert not found, f"{url} shows private data: {sorted(found)[:5]}"
            fetched += 1
    assert writes == []
    assert _row_counts() == before
    assert fetched > 700


def test_the_walk_would_see_a_leak(secrets, db):
    """The detector itself: a leader's name or a phone in a page is found."""
    phones, names = secrets
    name = sorted(names)[0]
    phone = sorted(phones)[0]
    assert leaks(f"<td>{name}</td>", phones, names) == {name}
    assert phone in leaks(f"电话：{phone}。", phones, names)
