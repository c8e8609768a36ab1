"""The annual figures on a small hand-built register with organizations and groups on
either side of the year ends: each summary figure of the workbook equals an independent
computation over the same rows, and the totals rows' SUM formulas add up to the database.
"""

import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from hepingorgs import annual
from registry.models import (
    AnnualReport,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    FilingStatus,
    Grade,
    InspectionResult,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    Population,
)
from tests.conftest import make_group, make_organization

D = datetime.date


@pytest.fixture
def register(quanyechang, xiaobailou, qyc_community, xbl_community):
    """Organizations and groups around the ends of 2015, 2016 and 2017."""
    orgs = {
        "old": make_organization(
            registered_on=D(2015, 6, 1),
            street=quanyechang,
            party_members=5,
            party_form=PartyForm.SINGLE,
            party_founded_on=D(2015, 9, 1),
            grade=Grade.A3,
            grade_awarded_on=D(2014, 1, 10),
        ),
        "new_on_31_december": make_organization(
            org_type=OrgType.PRIVATE_NON_ENTERPRISE,
            registered_on=D(2016, 12, 31),
            street=xiaobailou,
            party_members=4,
            party_form=PartyForm.SINGLE,
        ),
        "registered_next_year": make_organization(registered_on=D(2017, 1, 1), street=quanyechang),
        "deregistered_next_year": make_organization(
            registered_on=D(2014, 4, 1),
            status=OrgStatus.DEREGISTERED,
            status_changed_on=D(2017, 1, 5),
            status_reason="自行解散",
            street=xiaobailou,
            grade=Grade.A4,
            grade_awarded_on=D(2011, 5, 1),
        ),
        "deregistered_on_31_december": make_organization(
            org_type=OrgType.PRIVATE_NON_ENTERPRISE,
            registered_on=D(2012, 4, 1),
            status=OrgStatus.DEREGISTERED,
            status_changed_on=D(2016, 12, 31),
            status_reason="自行解散",
        ),
        "revoked_in_year": make_organization(
            registered_on=D(2010, 4, 1),
            status=OrgStatus.REVOKED,
            status_changed_on=D(2016, 3, 1),
            status_reason="连续两年未参加年检",
            street=quanyechang,
        ),
        "foundation": make_organization(
            org_type=OrgType.FOUNDATION,
            registered_on=D(2010, 1, 1),
            party_members=3,
            party_form=PartyForm.JOINT,
            party_founded_on=D(2017, 3, 1),
            grade=Grade.A2,
            grade_awarded_on=D(2016, 1, 1),
        ),
    }
    reports = [
        ("old", InspectionResult.QUALIFIED, 12, 8, "1000000.50", "10000.25"),
        ("deregistered_next_year", InspectionResult.BASIC, 5, 2, "200000.00", "0.00"),
        ("foundation", InspectionResult.UNQUALIFIED, 7, 7, "300000.00", "3000.00"),
        # Not on the register at the end of 2016: its report does not count.
        ("deregistered_on_31_december", InspectionResult.QUALIFIED, 9, 9, "99.00", "1.00"),
    ]
    for key, result, staff, bachelor, revenue, tax in reports:
        AnnualReport.objects.create(
            organization=orgs[key],
            year=2016,
            result=result,
            staff_total=staff,
            staff_bachelor_plus=bachelor,
            revenue=Decimal(revenue),
            tax_paid=Decimal(tax),
        )
    AnnualReport.objects.create(organization=orgs["old"], year=2015, result="qualified")
    CreditRecord.objects.create(
        organization=orgs["old"],
        kind=CreditKind.ABNORMAL,
        reason="未按规定报送年度工作报告",
        decided_on=D(2016, 5, 1),
    )
    CreditRecord.objects.create(
        organization=orgs["deregistered_next_year"],
        kind=CreditKind.ABNORMAL,
        reason="无法取得联系",
        decided_on=D(2016, 2, 1),
        removed_on=D(2016, 8, 1),
        removal_reason="恢复联系",
    )

    def filed(community, on, **extra):
        group = make_group(community.street, community, **extra)
        CommunityGroup.objects.filter(pk=group.pk).update(
            status=FilingStatus.FILED,
            filing_number=f"T-{group.pk}",
            filed_on=on,
        )
        group.refresh_from_db()
        return group

    filed(qyc_community, D(2016, 12, 31))
    filed(qyc_community, D(2015, 3, 1), upgrade_since=D(2016, 4, 1), upgrade_partner=orgs["old"])
    filed(xbl_community, D(2017, 1, 2))
    late_cancelled = filed(xbl_community, D(2015, 5, 1))
    early_cancelled = filed(xbl_community, D(2015, 5, 2))
    for group, on in ((late_cancelled, D(2017, 2, 1)), (early_cancelled, D(2016, 11, 1))):
        CommunityGroup.objects.filter(pk=group.pk).update(
            status=FilingStatus.CANCELLED, cancelled_on=on, cancel_reason="解散"
        )
    make_group(quanyechang, qyc_community, status=FilingStatus.SUBMITTED)
    make_group(quanyechang, qyc_community)  # a draft
    Population.objects.create(year=2016, residents=20_000)
    Population.objects.create(year=2016, street=quanyechang, residents=8_000)
    return orgs


def on_register(org, end):
    return org.registered_on <= end and (
        org.status == OrgStatus.ACTIVE or org.status_changed_on > end
    )


def expected_figures(year):
    """The figures, computed row by row in Python: independent of registry/stats.py."""
    end = D(year, 12, 31)
    orgs = [o for o in Organization.objects.all() if on_register(o, end)]
    ids = {o.pk for o in orgs}
    groups = [
        g
        for g in CommunityGroup.objects.all()
        if g.filed_on
        and g.filed_on <= end
        and (g.status == FilingStatus.FILED or (g.cancelled_on and g.cancelled_on > end))
    ]
    reports = [r for r in AnnualReport.objects.filter(year=year) if r.organization_id in ids]
    required = [o for o in orgs if o.party_members >= 3]
    set_up = [
        o
        for o in required
        if o.party_form in (PartyForm.SINGLE, PartyForm.JOINT)
        and (o.party_founded_on is None or o.party_founded_on <= end)
    ]
    listed = {
        c.organization_id
        for c in CreditRecord.objects.filter(kind=CreditKind.ABNORMAL)
        if c.organization_id in ids
        and c.decided_on <= end
        and (c.removed_on is None or c.removed_on > end)
    }
    residents = Population.objects.get(year=year, street=None).residents
    per_10k = (Decimal(len(orgs) + len(groups)) * 10000 / residents).quantize(Decimal("0.1"))
    return {
        "登记社会组织总数": len(orgs),
        "社会团体": sum(o.org_type == OrgType.SOCIAL_GROUP for o in orgs),
        "民办非企业单位": sum(o.org_type == OrgType.PRIVATE_NON_ENTERPRISE for o in orgs),
        "基金会": sum(o.org_type == OrgType.FOUNDATION for o in orgs),
        "当年新登记": sum(o.registered_on.year == year for o in Organization.objects.all()),
        "当年注销": sum(
            o.status == OrgStatus.DEREGISTERED and o.status_changed_on.year == year
            for o in Organization.objects.all()
        ),
        "备案社区社会组织": len(groups),
        "每万人拥有社会组织数": float(per_10k),
        "党组织应建数": len(required),
        "党组织已建数": len(set_up),
        "党组织覆盖率": round(len(set_up) / len(required), 4),
        "从业人员总数": sum(r.staff_total for r in reports),
        "本科以上学历人数": sum(r.staff_bachelor_plus for r in reports),
        "营业收入(元)": float(sum(r.revenue for r in reports)),
        "纳税额(元)": float(sum(r.tax_paid for r in reports)),
        "年检合格": sum(r.result == InspectionResult.QUALIFIED for r in reports),
        "年检基本合格": sum(r.result == InspectionResult.BASIC for r in reports),
        "年检不合格": sum(r.result == InspectionResult.UNQUALIFIED for r in reports),
        "评估等级3A以上": sum(
            o.grade in ("5A", "4A", "3A")
            and o.grade_awarded_on <= end
            and (o.grade_expires_on is None or o.grade_expires_on > end)
            for o in orgs
        ),
        "列入活动异常名录": len(listed),
        "当年撤销登记": sum(
            o.status == OrgStatus.REVOKED and o.status_changed_on.year == year
            for o in Organization.objects.all()
        ),
    }


def summary(path):
    sheet = load_workbook(path)["总表"]
    return {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}


def test_every_summary_figure_equals_an_independent_computation(register, tmp_path):
    path = tmp_path / "stats.xlsx"
    annual.write_workbook(2016, path)
    cells = summary(path)
    expected = expected_figures(2016)
    got = {label: cells[label].value for label in expected}
    assert got == pytest.approx(expected)
    # The year-end cases, spelled out.
    assert expected["登记社会组织总数"] == 4  # old, new on 31 Dec, deregistered next year, fdn
    assert expected["当年新登记"] == 1 and expected["当年注销"] == 1
    assert expected["当年撤销登记"] == 1
    assert expected["备案社区社会组织"] == 3  # filed 31 Dec, upgrade-plan, cancelled 2017
    assert expected["党组织应建数"] == 3 and expected["党组织已建数"] == 2
    assert expected["评估等级3A以上"] == 1  # the 4A expired in May 2016
    assert expected["列入活动异常名录"] == 1
    assert expected["从业人员总数"] == 24
    assert expected["每万人拥有社会组织数"] == 3.5
    for label, cell in cells.items():
        assert cell.data_type == "n", label  # plain numbers, never formulas


def test_the_next_year_differs_where_it_should(register, tmp_path):
    path = tmp_path / "stats-2017.xlsx"
    annual.write_workbook(2017, path)
    cells = summary(path)
    assert cells["登记社会组织总数"].value == 4  # + registered 2017-01-01, - deregistered
    assert cells["当年新登记"].value == 1 and cells["当年注销"].value == 1
    assert cells["备案社区社会组织"].value == 3  # + filed 2017-01-02, - cancelled 2017-02-01
    assert cells["本科以上学历人数"].value == 0  # no 2017 reports
    assert cells["每万人拥有社会组织数"].value is None  # no 2017 population
    assert cells["党组织覆盖率"].value == pytest.approx(1.0)


def sum_formula(sheet, formula):
    """Evaluate ``=SUM(B3:B8)`` over the cells of ``sheet``."""
    assert formula.startswith("=SUM(") and formula.endswith(")")
    return sum(cell.value or 0 for row in sheet[formula[5:-1]] for cell in row)


def totals_rows(sheet):
    return [row for row in sheet.iter_rows() if row[0].value in ("合计", "Total")]


def test_totals_rows_are_sums_that_match_the_database(register, tmp_path):
    path = tmp_path / "stats.xlsx"
    annual.write_workbook(2016, path)
    book = load_workbook(path)
    expected = expected_figures(2016)

    streets = book["按街道"]
    header = [c.value for c in list(streets.iter_rows(min_row=2, max_row=2))[0]]
    (totals,) = totals_rows(streets)
    by_header = dict(zip(header, totals, strict=False))
    assert by_header["登记社会组织"].data_type == "f"
    # One organization has no street: it has its own row, so the sum is the whole register.
    assert sum_formula(streets, by_header["登记社会组织"].value) == expected["登记社会组织总数"]
    assert sum_formula(streets, by_header["备案社区社会组织"].value) == expected["备案社区社会组织"]
    assert sum_formula(streets, by_header["公益创投项目"].value) == 0
    assert by_header["每万人拥有社会组织数"].value is None  # a rate is not summed
    rows = {r[0].value: r for r in streets.iter_rows(min_row=3) if r[0].value}
    # 1 organization and 2 groups for 8,000 residents: 3.75, rounded half up.
    assert rows["劝业场街道"][header.index("每万人拥有社会组织数")].value == pytest.approx(3.8)

    fields = book["按领域"]
    first, second = totals_rows(fields)
    assert sum_formula(fields, first[5].value) == expected["登记社会组织总数"]
    assert sum_formula(fields, second[4].value) == expected["登记社会组织总数"]

    groups = book["社区社会组织"]
    by_category, plan = totals_rows(groups)
    last = [c for c in by_category if c.value is not None][-1]
    assert sum_formula(groups, last.value) == expected["备案社区社会组织"]
    assert sum_formula(groups, plan[1].value) == 1
