"""``manage.py load_demo``: the demo district has the bureau report's figures, loads once,
and --reset rebuilds it.

The load is heavy, so the suite's ``demo_district`` fixture loads it once (committed) for
every test that reads it; each test runs in a transaction that is rolled back, so the tests
that load again (--reset) leave the data as it was.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, Max, Min, Q, Sum
from pghistory.models import Context

from hepingorgs import access, demo
from registry import creditcode, filings
from registry import demo as registry_demo
from registry.models import (
    AnnualReport,
    ApplicationStatus,
    Community,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    FilingCategory,
    FilingSequence,
    FilingStatus,
    Notice,
    NoticeKind,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    Population,
    PriorityCategory,
    Street,
)

PASSWORD = registry_demo.DEMO_PASSWORD
DIGITS = r"[0-9０-９]"


@pytest.fixture
def output(demo_district, db):
    """The output of the one load into the empty test database."""
    return demo_district


def reports_2016():
    return AnnualReport.objects.filter(year=2016)


def active_end_of_2016():
    """On the register on 31 December 2016: active, or deregistered after (issue 9)."""
    return Organization.objects.filter(
        Q(status=OrgStatus.ACTIVE)
        | Q(status=OrgStatus.DEREGISTERED, status_changed_on__gt=datetime.date(2016, 12, 31))
    )


def figures():
    """What the annual export would say, straight from the database."""
    active = active_end_of_2016()
    totals = reports_2016().aggregate(
        bachelor=Sum("staff_bachelor_plus"), revenue=Sum("revenue"), tax=Sum("tax_paid")
    )
    filed = CommunityGroup.objects.filter(status=FilingStatus.FILED)
    return {
        "social groups": active.filter(org_type=OrgType.SOCIAL_GROUP).count(),
        "private non-enterprise": active.filter(org_type=OrgType.PRIVATE_NON_ENTERPRISE).count(),
        "active": active.count(),
        "reports": reports_2016().count(),
        **totals,
        "filed": filed.count(),
        "by category": dict(filed.values_list("category__code").annotate(n=Count("id"))),
        "communities": Community.objects.count(),
        "statuses": dict(CommunityGroup.objects.values_list("status").annotate(n=Count("id"))),
        "upgrade plan": filed.exclude(upgrade_partner=None).count(),
    }


def history_counts():
    """Rows of every tracked model and of its event model, and the history contexts."""
    counts = {"contexts": Context.objects.count(), "users": User.objects.count()}
    for model in apps.get_app_config("registry").get_models():
        counts[model._meta.label] = model.objects.count()
    return counts


def check_report_figures(f):
    assert f["social groups"] == 77
    assert f["private non-enterprise"] == 197
    assert f["active"] == 274
    assert f["reports"] == 274
    assert f["bachelor"] == 6783
    assert f["revenue"] == Decimal("600000000.00")
    assert Decimal("6000000") <= f["tax"] < Decimal("7000000")
    assert f["filed"] == 3232
    assert f["communities"] == 64


def test_the_report_figures(output):
    f = figures()
    check_report_figures(f)
    by_category = f["by category"]
    assert max(by_category, key=by_category.get) == "culture_sports"
    assert 900 <= by_category["culture_sports"] <= 1100
    assert set(by_category) == set(FilingCategory.objects.values_list("code", flat=True))


def test_organizations_are_plausible(output):
    orgs = Organization.objects.all()
    assert active_end_of_2016().count() == orgs.count() == 274
    deregistered = orgs.filter(status=OrgStatus.DEREGISTERED)
    assert deregistered.count() == 2
    assert {o.status_changed_on.year for o in deregistered} == {2017}
    assert orgs.filter(status=OrgStatus.ACTIVE).count() == 272
    for org in deregistered:
        notice = Notice.objects.get(organization=org, kind=NoticeKind.DEREGISTRATION)
        assert notice.published_on == org.status_changed_on
        assert notice.application.status == ApplicationStatus.APPROVED
    dates = orgs.aggregate(first=Min("registered_on"), last=Max("registered_on"))
    assert dates["first"].year >= 1995
    assert dates["last"] < datetime.date(2017, 1, 1)
    assert orgs.values("registered_on__year").distinct().count() >= 15
    assert orgs.values("street").distinct().count() == 6
    assert not orgs.filter(street=None).exists()
    categories = dict(orgs.values_list("priority_category").annotate(n=Count("id")))
    assert set(categories) == set(PriorityCategory.values)
    assert orgs.filter(name__contains="金融").filter(name__contains="商会").exists()
    assert orgs.filter(name__contains="楼宇").count() >= 2
    assert orgs.values("name").distinct().count() == 274
    for org in orgs:
        assert org.name.startswith(("和平区", "天津市和平区"))
        assert org.legal_representative and org.domicile.startswith("天津市和平区")
        assert re.fullmatch(r"022-2\d{7}", org.contact_phone)
        assert Decimal("30000") <= org.registered_funds <= Decimal("1000000")
        if org.org_type == OrgType.SOCIAL_GROUP:
            assert org.registered_funds <= Decimal("500000")
        if org.grade:
            assert datetime.date(2012, 1, 1) <= org.grade_awarded_on <= datetime.date(2016, 12, 31)
            assert org.grade_expires_on == org.grade_awarded_on.replace(
                year=org.grade_awarded_on.year + 5
            )
    assert orgs.exclude(grade="").values("grade").distinct().count() >= 4


def test_credit_codes_are_valid_and_of_the_district(output):
    for code, org_type in Organization.objects.values_list("credit_code", "org_type"):
        assert creditcode.validate(code, org_type) == code
        assert code[2:8] == "120101"
        assert creditcode.warnings(code, "120101") == []


def test_party_organization_coverage_is_complete(output):
    orgs = Organization.objects.all()
    required = orgs.filter(party_members__gte=3)
    assert required.exists()
    assert required.filter(party_form=PartyForm.SINGLE, party_founded_on__isnull=False).count() == (
        required.count()
    )
    assert not orgs.filter(party_form=PartyForm.NONE).exists()
    assert orgs.filter(party_members__in=[1, 2]).exclude(party_form=PartyForm.JOINT).count() == 0
    assert orgs.filter(party_members=0).exclude(party_form=PartyForm.INSTRUCTOR).count() == 0
    assert orgs.aggregate(most=Max("party_members"))["most"] <= 12


def test_annual_reports_are_valid(output):
    reports = reports_2016()
    results = dict(reports.values_list("result").annotate(n=Count("id")))
    assert results["qualified"] > 200
    assert results["basic"] > 0 and results["unqualified"] > 0
    assert reports.filter(net_assets__lt=0).exists()
    for report in reports:
        assert 0 <= report.staff_bachelor_plus <= report.staff_total
        assert report.revenue >= 0 and report.expenditure >= 0 and report.tax_paid >= 0
        assert report.revenue == report.revenue.quantize(Decimal("0.01"))


def test_credit_records_leave_everyone_active(output):
    records = CreditRecord.objects.select_related("organization")
    kinds = set(records.values_list("kind", flat=True))
    assert {CreditKind.ABNORMAL, CreditKind.PENALTY} <= kinds
    assert records.filter(kind=CreditKind.ABNORMAL).exclude(removed_on=None).exists()
    assert all(r.organization.status == OrgStatus.ACTIVE for r in records)


def test_community_groups(output):
    f = figures()
    assert all(f["statuses"].get(status) for status in FilingStatus.values)
    assert 250 <= f["upgrade plan"] <= 400
    upgrade = CommunityGroup.objects.exclude(upgrade_partner=None)
    assert not upgrade.exclude(status=FilingStatus.FILED).exists()
    assert not upgrade.exclude(category__code="culture_sports").exists()
    assert not upgrade.filter(upgrade_since=None).exists()
    assert not upgrade.exclude(
        upgrade_partner__priority_category__in=[
            PriorityCategory.CHARITY,
            PriorityCategory.COMMUNITY_SERVICE,
        ]
    ).exists()
    for street in Street.objects.annotate(n=Count("communities")):
        assert street.n >= 8
        assert street.community_groups.filter(status=FilingStatus.FILED).count() > 300
    for group in CommunityGroup.objects.select_related("community", "street"):
        assert group.name.startswith(group.community.name)
        assert group.community.street_id == group.street_id
        assert datetime.date(2005, 1, 1) <= group.founded_on <= datetime.date(2016, 12, 31)
        assert group.leader_name and group.guiding_unit == f"{group.community.name}居委会"
        if group.status == FilingStatus.DRAFT:
            continue  # drafts may be incomplete
        assert 8 <= group.member_count <= 120
        assert group.service_targets and group.category_id
        assert re.fullmatch(r"1[3-9]\d{9}", group.leader_phone)
        if group.filed_on:
            assert group.filed_on >= group.founded_on
    returned = CommunityGroup.objects.filter(status=FilingStatus.RETURNED)
    assert not returned.filter(return_reason="").exists()
    cancelled = CommunityGroup.objects.filter(status=FilingStatus.CANCELLED)
    assert not cancelled.filter(filing_number=None).exists()
    assert all(g.cancelled_on > g.filed_on for g in cancelled)


def test_no_numbered_placeholder_names(output):
    for model in (Organization, CommunityGroup, Community):
        assert not model.objects.filter(name__regex=DIGITS).exists(), model
        assert not model.objects.filter(name__contains="测试").exists(), model


def test_filing_numbers_are_consecutive_and_the_sequence_continues(output, quanyechang):
    numbered = CommunityGroup.objects.exclude(filing_number=None).select_related("street")
    serials = {}
    for group in numbered:
        abbreviation, year, serial = group.filing_number.split("-")
        assert abbreviation == group.street.abbreviation
        assert int(year) == group.filed_on.year
        serials.setdefault((group.street_id, int(year)), []).append(int(serial))
    sequences = {(s.street_id, s.year): s.last for s in FilingSequence.objects.all()}
    assert set(sequences) == set(serials)
    for key, used in serials.items():
        assert sorted(used) == list(range(1, len(used) + 1))
        assert sequences[key] == len(used)

    community = quanyechang.communities.first()
    group = CommunityGroup.objects.create(
        name=f"{community.name}新成立合唱团",
        street=quanyechang,
        community=community,
        category=FilingCategory.objects.get(code="culture_sports"),
        service_targets=["residents"],
        leader_name="王秀兰",
        leader_phone="13900000000",
        member_count=20,
    )
    filings.submit(group)
    group = filings.accept(group, on=datetime.date(2016, 12, 30))
    last = sequences[(quanyechang.pk, 2016)]
    assert group.filing_number == f"QYC-2016-{last + 1:04d}"


def test_a_second_run_changes_nothing(output):
    before = history_counts()
    names = set(Organization.objects.values_list("name", flat=True))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert history_counts() == before
    assert set(Organization.objects.values_list("name", flat=True)) == names
    assert "already there" in out.getvalue()
    # make run prints the logins every time.
    for username in registry_demo.demo_usernames():
        assert username in out.getvalue()
    assert PASSWORD in out.getvalue()


def test_reset_rebuilds_the_same_district(output):
    before = history_counts()
    names = set(CommunityGroup.objects.values_list("name", flat=True))
    street_events = apps.get_model("registry", "StreetEvent").objects.count()
    # An account somebody made by hand under a demo name is neither deleted nor changed.
    User.objects.filter(username="admin").delete()
    User.objects.create_superuser("admin", password="someone-elses-password")

    out = io.StringIO()
    call_command("load_demo", "--reset", stdout=out)

    check_report_figures(figures())
    assert set(CommunityGroup.objects.values_list("name", flat=True)) == names
    assert history_counts() == before
    assert Street.objects.count() == 6
    assert apps.get_model("registry", "StreetEvent").objects.count() == street_events
    assert FilingCategory.objects.count() == 6
    assert Organization.objects.order_by("pk").first().pk == 1  # RESTART IDENTITY
    admin = User.objects.get(username="admin")
    assert admin.check_password("someone-elses-password")
    assert "admin" in out.getvalue() and "not the demo password" in out.getvalue()


def test_the_printed_logins_work_with_their_roles(output, client):
    assert "DEMO ONLY" in output
    usernames = registry_demo.demo_usernames()
    for username in usernames:
        assert re.search(rf"^\s*{username}\s+password: {re.escape(PASSWORD)}", output, re.M)
        assert client.login(username=username, password=PASSWORD), username
        client.logout()

    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    assert all(u.first_name and u.last_name for u in users.values())
    minzheng = users["minzheng"]
    assert minzheng.is_staff and access.is_district_staff(minzheng)
    assert users["fuhua"].is_staff and access.is_incubator_staff(users["fuhua"])
    assert users["admin"].is_superuser
    for code, (username, short, *_rest) in registry_demo.STREETS.items():
        clerk = users[username]
        assert not clerk.is_staff
        assert access.clerk_street(clerk).code == code
        assert access.clerk_street(clerk).name == f"{short}街道"
        assert clerk.clerk_profile.street.code == code


def test_every_installed_app_with_a_demo_module_contributes(output):
    parts = demo.demo_parts()
    assert [config.label for config, _module in parts][:1] == ["registry"]
    assert all(callable(module.load) for _config, module in parts)


def test_populations_give_the_reports_nearly_one_hundred_per_10000(output):
    district = Population.objects.get(year=2016, street=None).residents
    streets = Population.objects.filter(year=2016, street__isnull=False)
    assert streets.count() == Street.objects.count() == 6
    assert sum(streets.values_list("residents", flat=True)) == district
    assert 340_000 <= district <= 370_000  # about 355,000 at the 2020 census
    per_10k = (274 + 3232) * 10000 / district
    assert 95 <= per_10k < 100  # "近百"
