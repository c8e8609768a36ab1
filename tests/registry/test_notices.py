"""Public notices at /notices/ and the Atom feed at /notices/feed/: public and read-only,
searchable and paginated with pinned query counts, and never a phone, an ID number or a
person's address."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse

from registry import applications
from registry.models import ApplicationKind, ChangeItem, Notice, OrgStatus
from tests.conftest import client_for, make_group, make_organization
from tests.registry.test_applications_workflow import make_application, to_review

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PHONE = "13912345678"
ID_NUMBER = "120101198001011234"
HOME = "天津市和平区睦南道5号2门301"


@pytest.fixture
def decided(settings, quanyechang, qyc_community):
    """One notice of each kind, from records that carry personal data elsewhere."""
    settings.CREDIT_CODE_BLOCK = "MJ0"
    establishment = make_application(
        name="和平区社区养老服务协会",
        legal_representative="李建华",
        received_on=datetime.date(2026, 1, 5),
    )
    new = applications.approve(to_review(establishment), on=datetime.date(2026, 2, 1)).organization
    new.contact_phone = PHONE
    new.save()

    org = make_organization(
        name="和平区书法家协会",
        legal_representative="王德明",
        contact_phone="022-23456789",
        registered_funds=Decimal("30000.00"),
    )
    change = make_application(
        ApplicationKind.CHANGE, organization=org, received_on=datetime.date(2026, 2, 10)
    )
    applications.new_change(change, ChangeItem.LEGAL_REPRESENTATIVE, "赵云鹏")
    applications.new_change(change, ChangeItem.REGISTERED_FUNDS, "50000.00")
    applications.fill_old_values(change)
    applications.approve(
        to_review(change, on=datetime.date(2026, 2, 10)), on=datetime.date(2026, 3, 1)
    )

    gone = make_organization(name="和平区集邮协会", contact_phone=PHONE)
    deregistration = make_application(
        ApplicationKind.DEREGISTRATION, organization=gone, received_on=datetime.date(2026, 3, 2)
    )
    applications.approve(to_review(deregistration), on=datetime.date(2026, 3, 20))

    revoked = make_organization(name="和平区某某研究会")
    revoked.status = OrgStatus.REVOKED
    revoked.status_changed_on = datetime.date(2026, 4, 8)
    revoked.status_reason = "连续两年未参加年检"
    revoked.save()

    # Personal data that must never reach a public page.
    make_group(quanyechang, qyc_community, leader_name="张秀兰", leader_phone=PHONE, venue=HOME)
    return {"new": new, "changed": org, "gone": gone, "revoked": revoked}


def assert_no_personal_data(content):
    for private in (PHONE, "022-23456789", ID_NUMBER, HOME, "张秀兰"):
        assert private not in content


@pytest.mark.parametrize("role", ["anonymous", "clerk_qyc", "district_staff"])
def test_notices_are_public_and_read_only(client, request, decided, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(client, user)
    for url in (reverse("notices:list"), reverse("notices:feed")):
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 405
    notice = Notice.objects.first()
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 200


def test_the_list_shows_every_kind_newest_first(client, decided):
    content = client.get(reverse("notices:list")).content.decode()
    assert '<html lang="zh-hans">' in content.lower()
    titles = [
        "和平区某某研究会撤销登记公告",
        "和平区集邮协会注销登记公告",
        "和平区书法家协会变更登记公告",
        "和平区社区养老服务协会成立登记公告",
    ]
    positions = [content.index(title) for title in titles]
    assert positions == sorted(positions)
    assert decided["new"].credit_code in content
    assert "法定代表人由「王德明」变更为「赵云鹏」" in content
    assert "注册资金（元）由「30000.00」变更为「50000.00」" in content
    assert "连续两年未参加年检" in content
    assert "李建华" in content  # the legal representative's name is public
    assert_no_personal_data(content)


@pytest.mark.parametrize(
    "query, found",
    [
        ({"q": "书法"}, ["书法家协会"]),
        ({"q": "ｊｙ协会"}, []),  # full-width folded; no pinyin search in notice texts
        ({"q": " 赵云鹏 "}, ["书法家协会"]),
        ({"kind": "deregistration"}, ["集邮协会"]),
        ({"year": "2026", "kind": "revocation"}, ["某某研究会"]),
        ({"year": "2016"}, []),
    ],
)
def test_search_and_filters(client, decided, query, found):
    content = client.get(reverse("notices:list"), query).content.decode()
    for name in ("书法家协会", "集邮协会", "某某研究会", "社区养老服务协会"):
        title = f"和平区{name}"
        assert (title in content) == (name in found), (query, name)


def test_search_by_credit_code_typed_loosely(client, decided):
    code = decided["new"].credit_code
    loose = f"{code[:6]} {code[6:]}".lower()
    content = client.get(reverse("notices:list"), {"q": loose}).content.decode()
    assert "和平区社区养老服务协会成立登记公告" in content
    assert "和平区书法家协会" not in content


def test_a_bad_year_is_a_message_not_an_error(client, decided):
    response = client.get(reverse("notices:list"), {"year": "1800"})
    assert response.status_code == 200
    assert "年度：确保该值大于或等于1990" in response.content.decode()


def test_the_list_is_paginated_with_a_pinned_query_count(
    client, decided, django_assert_num_queries
):
    org = decided["changed"]
    Notice.objects.bulk_create(
        Notice(
            kind="change",
            published_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
            organization=org,
            name=org.name,
            credit_code=org.credit_code,
            title=f"旧公告{n}",
            text="历史公告",
        )
        for n in range(45)
    )
    url = reverse("notices:list")
    with django_assert_num_queries(2):  # count and page
        first = client.get(url).content.decode()
    assert "共 49 条公告" in first and "第 1 页，共 3 页" in first
    with django_assert_num_queries(2):
        third = client.get(url, {"page": 3}).content.decode()
    assert "旧公告0" in third and "和平区集邮协会" not in third
    with django_assert_num_queries(2):
        client.get(url, {"q": "公告", "kind": "change"})


def test_the_feed_parses_as_atom_without_personal_data(client, decided, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("notices:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    content = response.content.decode()
    assert_no_personal_data(content)
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert "天津市和平区民政局" in root.find(f"{ATOM}title").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles[0] == "和平区某某研究会撤销登记公告"
    first = entries[0]
    assert first.find(f"{ATOM}updated").text == "2026-04-08T00:00:00+08:00"
    assert first.find(f"{ATOM}published").text == "2026-04-08T00:00:00+08:00"
    assert first.find(f"{ATOM}id").text
    link = first.find(f"{ATOM}link").get("href")
    assert link.startswith("http://testserver/notices/")
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    summaries = [e.find(f"{ATOM}summary").text for e in entries]
    assert any("李建华" in s for s in summaries)


def test_the_feed_holds_the_latest_fifty(client, decided):
    org = decided["changed"]
    Notice.objects.bulk_create(
        Notice(
            kind="change",
            published_on=datetime.date(2027, 1, 1),
            organization=org,
            name=org.name,
            credit_code=org.credit_code,
            title=f"新公告{n}",
            text="公告正文",
        )
        for n in range(60)
    )
    root = ET.fromstring(client.get(reverse("notices:feed")).content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 50
    assert all(e.find(f"{ATOM}title").text.startswith("新公告") for e in entries)


def test_a_notice_page(client, decided):
    notice = Notice.objects.get(kind="establishment")
    content = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "<h1>和平区社区养老服务协会成立登记公告</h1>" in content
    assert decided["new"].credit_code in content
    assert_no_personal_data(content)
    assert client.get(reverse("notices:detail", args=[999999])).status_code == 404


def test_anonymous_visitors_get_the_public_layout(client, decided):
    notice = Notice.objects.get(kind="establishment")
    list_url = reverse("notices:list")
    for url in (list_url, reverse("notices:detail", args=[notice.pk])):
        content = client.get(url).content.decode()
        assert '<html lang="zh-Hans">' in content
        public_nav = content.split('<nav class="public"', 1)[1].split("</nav>", 1)[0]
        assert f'<a href="{list_url}">公告</a>' in public_nav
        assert f'<a href="{reverse("directory:organizations")}">' in public_nav
        assert f'<a class="staff-login" href="{reverse("login")}">工作人员登录</a>' in content
        assert reverse("filings:list") not in content  # no staff navigation
