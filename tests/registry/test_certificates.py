"""Certificates (登记证书) and filing proofs (备案证明): the registered particulars, the
issuing authority and date, an A4 print page, a deregistered organization's certificate
saying so; and the QR code, decoded from a screenshot of the page in Chromium, pointing
to the public record."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from registry import applications, filings
from registry.models import ApplicationKind, OrgType
from tests.conftest import CHROMIUM, make_group, make_organization
from tests.registry.test_applications_workflow import make_application, to_review

SCREENSHOTS = Path(settings.BASE_DIR) / ".var" / "screenshots"


def filed_group(street, community, **fields):
    group = make_group(street, community, **fields)
    filings.submit(group)
    return filings.accept(group, on=datetime.date(2026, 2, 3))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "org_type, title",
    [
        (OrgType.SOCIAL_GROUP, "社会团体法人登记证书"),
        (OrgType.PRIVATE_NON_ENTERPRISE, "民办非企业单位登记证书"),
        (OrgType.FOUNDATION, "基金会法人登记证书"),
    ],
)
def test_an_organization_certificate_carries_the_particulars(
    client, district_staff, settings, org_type, title
):
    settings.REGISTRATION_AUTHORITY = "天津市和平区民政局"
    settings.PUBLIC_BASE_URL = "https://shzz.example.gov.cn"
    org = make_organization(
        org_type=org_type,
        name="和平区老年书画研究会",
        legal_representative="周德明",
        domicile="天津市和平区成都道12号",
        contact_phone="022-23001234",
        registered_on=datetime.date(2012, 5, 8),
        supervisory_unit="区文化和旅游局",
    )
    client.force_login(district_staff)
    response = client.get(
        reverse("applications:organization_certificate", args=[org.pk]), {"on": "2026-03-09"}
    )
    content = response.content.decode()
    assert '<html lang="zh-Hans">' in content
    assert f"<h1>{title}</h1>" in content
    for text in (
        org.name,
        org.credit_code,
        "周德明",
        "天津市和平区成都道12号",
        "区文化和旅游局",
        "2012年5月8日",
        "发证机关：天津市和平区民政局",
        "发证日期：2026年3月9日",
        f"https://shzz.example.gov.cn/directory/{org.credit_code}/",
    ):
        assert text in content, text
    assert "022-23001234" not in content
    assert "@page { size: A4 portrait" in content
    assert "<svg" in content and 'class="qr"' in content
    assert "本证书已失效" not in content


@pytest.mark.django_db
def test_a_deregistered_organization_certificate_says_so(client, district_staff):
    org = make_organization()
    applications.approve(
        to_review(make_application(ApplicationKind.DEREGISTRATION, organization=org)),
        on=datetime.date(2026, 4, 1),
    )
    client.force_login(district_staff)
    content = client.get(
        reverse("applications:organization_certificate", args=[org.pk])
    ).content.decode()
    assert "该组织已于 2026-04-01 注销，本证书已失效。" in content
    assert 'class="stamp"' in content


@pytest.mark.django_db
def test_a_filing_certificate_never_shows_the_leader(
    client, district_staff, quanyechang, qyc_community, settings
):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    group = filed_group(quanyechang, qyc_community, venue="福明里3号楼2门201")
    client.force_login(district_staff)
    content = client.get(
        reverse("applications:group_certificate", args=[group.pk])
    ).content.decode()
    assert "<h1>备案证明</h1>" in content
    assert group.name in content and group.filing_number in content
    assert "2026年2月3日" in content and "福明社区" in content
    assert f"http://127.0.0.1:8000/community-groups/?q={group.filing_number}" in content
    for private in (group.leader_name, group.leader_phone, group.venue):
        assert private not in content
    group = filings.cancel(group, "长期未开展活动", on=datetime.date(2026, 5, 6))
    content = client.get(
        reverse("applications:group_certificate", args=[group.pk])
    ).content.decode()
    assert "该组织已于 2026-05-06 注销备案，本证明已失效。" in content


@pytest.mark.django_db
def test_a_group_not_filed_has_no_certificate(client, district_staff, quanyechang, qyc_community):
    group = make_group(quanyechang, qyc_community)
    client.force_login(district_staff)
    assert client.get(reverse("applications:group_certificate", args=[group.pk])).status_code == 404


@pytest.mark.django_db
def test_certificate_search_finds_organizations_and_filed_groups(
    client, district_staff, quanyechang, qyc_community
):
    org = make_organization(name="和平区围棋协会")
    group = filed_group(quanyechang, qyc_community, name="福明社区围棋队")
    draft = make_group(quanyechang, qyc_community, name="福明社区围棋兴趣小组")
    client.force_login(district_staff)
    content = client.get(reverse("applications:certificates"), {"q": "围棋"}).content.decode()
    assert org.name in content and group.name in content and draft.name not in content
    content = client.get(reverse("applications:certificates"), {"q": "wq"}).content.decode()
    assert org.name in content


# ---------------------------------------------------------------------------------------
# The QR code, read back from the rendered page
# ---------------------------------------------------------------------------------------


def decode_qr(png):
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    return [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture
def records(live_server, district_staff, quanyechang, qyc_community, settings):
    """Everything the browser test needs from the database, made before the browser
    starts (Playwright runs an event loop, in which Django refuses database calls)."""
    from django.test import Client

    settings.PUBLIC_BASE_URL = "https://shzz.heping.example.gov.cn"
    org = applications.approve(to_review(make_application())).organization
    group = filed_group(quanyechang, qyc_community)
    client = Client()
    client.force_login(district_staff)
    return {
        "organization": reverse("applications:organization_certificate", args=[org.pk]),
        "organization_url": f"https://shzz.heping.example.gov.cn/directory/{org.credit_code}/",
        "group": reverse("applications:group_certificate", args=[group.pk]),
        "group_url": (
            f"https://shzz.heping.example.gov.cn/community-groups/?q={group.filing_number}"
        ),
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_the_qr_code_decodes_to_the_public_profile_and_notices_fit_a_phone(
    live_server, records, browser
):
    # ``browser`` comes last: Playwright's loop must start after the database fixtures.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 900, "height": 1300}, locale="zh-CN")
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": records["session"]}
    context.add_cookies([{**cookie, "url": live_server.url}])
    page = context.new_page()

    page.goto(live_server.url + records["organization"])
    assert "社会团体法人登记证书" in page.content()
    png = page.screenshot(path=str(SCREENSHOTS / "certificate-organization.png"), full_page=True)
    assert decode_qr(png) == [records["organization_url"]]

    page.goto(live_server.url + records["group"])
    assert "备案证明" in page.content()
    png = page.screenshot(path=str(SCREENSHOTS / "certificate-group.png"), full_page=True)
    assert decode_qr(png) == [records["group_url"]]

    # The public notice of that establishment, on a phone without JavaScript.
    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, java_script_enabled=False, is_mobile=True
    ).new_page()
    phone.goto(live_server.url + reverse("notices:list"))
    assert "和平区社区养老服务协会成立登记公告" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(SCREENSHOTS / "notices-phone.png"), full_page=True)
