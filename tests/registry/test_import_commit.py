"""Committing a ledger: all or nothing, idempotent, updates by key, one history batch,
historical filing numbers kept and the counter raised past them."""

import datetime
import gc
from decimal import Decimal

import pytest
from django.db import connection
from pghistory.models import Context

from registry import filings
from registry.imports import importer_for
from registry.models import (
    AnnualReport,
    CommunityGroup,
    FilingSequence,
    FilingStatus,
    Organization,
)
from tests.conftest import make_group, make_organization, valid_code
from tests.registry.workbooks import group_row, xlsx

pytestmark = pytest.mark.django_db

ORG_HEADER = [
    "统一社会信用代码",
    "名称",
    "类型",
    "登记日期",
    "业务主管单位",
    "法定代表人",
    "住所",
    "注册资金",
    "所属街道",
    "行业领域",
    "重点类别",
    "状态",
]
REPORT_HEADER = [
    "统一社会信用代码",
    "年度",
    "年检结论",
    "从业人员",
    "本科以上学历人数",
    "营业收入",
    "纳税额",
]


def org_row(code, name="和平区示例协会", **changes):
    row = dict(
        zip(
            ORG_HEADER,
            [
                code,
                name,
                "社会团体",
                "2016-05-01",
                "和平区教育局",
                "王某",
                "天津市和平区南京路1号",
                "3万元",
                "劝业场街道",
                "社会服务",
                "其他",
                "正常",
            ],
            strict=True,
        )
    )
    row.update(changes)
    return [row[h] for h in ORG_HEADER]


def run(kind, user, content, commit=True):
    return importer_for(kind, user).run(content, commit=commit, file_name="ledger.xlsx")


def event_counts():
    with connection.cursor() as cursor:
        counts = {}
        for table in (
            "registry_organizationevent",
            "registry_annualreportevent",
            "registry_communitygroupevent",
            "pghistory_context",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cursor.fetchone()[0]
        return counts


def state():
    return (
        Organization.objects.count(),
        AnnualReport.objects.count(),
        CommunityGroup.objects.count(),
        list(FilingSequence.objects.values_list("street_id", "year", "last")),
        event_counts(),
    )


def test_organizations_are_created_then_reimport_changes_nothing(district_staff, quanyechang):
    code = valid_code()
    content = xlsx([org_row(code)], header=ORG_HEADER)
    report = run("organizations", district_staff, content)
    assert report.committed and report.counts["create"] == 1, report.errors
    organization = Organization.objects.get(credit_code=code)
    assert organization.registered_funds == Decimal("30000.00")
    assert organization.street == quanyechang and organization.field == "04"
    assert organization.name_pinyin  # what save() would have filled
    before = state()
    again = run("organizations", district_staff, content)
    assert again.committed and again.counts == {
        "create": 0,
        "update": 0,
        "unchanged": 1,
        "error": 0,
    }
    assert state() == before


def test_a_changed_row_updates_its_organization_by_credit_code(district_staff):
    organization = make_organization(name="和平区旧名协会")
    content = xlsx(
        [org_row(organization.credit_code, name="和平区新名协会", 法定代表人="李某")],
        header=ORG_HEADER,
    )
    report = run("organizations", district_staff, content)
    assert report.counts["update"] == 1, report.errors
    organization.refresh_from_db()
    assert (organization.name, organization.legal_representative) == ("和平区新名协会", "李某")
    assert Organization.objects.count() == 1


def test_annual_reports_by_organization_and_year(district_staff):
    organization = make_organization()
    AnnualReport.objects.create(organization=organization, year=2015, result="qualified")
    content = xlsx(
        [
            [organization.credit_code, "2015年", "基本合格", 10, 5, "12万元", "1,200"],
            [organization.credit_code, 2016, "合格", 12, 8, "120,000.00", "1200元"],
        ],
        header=REPORT_HEADER,
    )
    report = run("annual-reports", district_staff, content)
    assert report.counts == {"create": 1, "update": 1, "unchanged": 0, "error": 0}, report.errors
    reports = {r.year: r for r in organization.annual_reports.all()}
    assert reports[2015].result == "basic" and reports[2015].revenue == Decimal("120000.00")
    assert reports[2016].tax_paid == Decimal("1200.00") and reports[2016].staff_bachelor_plus == 8
    assert run("annual-reports", district_staff, content).counts["unchanged"] == 2


def test_unknown_credit_code_in_annual_reports_is_an_error(district_staff):
    content = xlsx([[valid_code(), 2016, "合格", 1, 0, 0, 0]], header=REPORT_HEADER)
    report = run("annual-reports", district_staff, content)
    assert not report.committed
    assert report.errors == [[2, "统一社会信用代码", "没有登记的社会组织使用此统一社会信用代码。"]]


def test_filings_update_by_number_else_by_street_and_name(
    district_staff, quanyechang, qyc_community
):
    numbered = make_group(quanyechang, qyc_community, name="福明社区太极拳队")
    filings.submit(numbered)
    filings.accept(numbered, on=datetime.date(2016, 3, 1))
    numbered.refresh_from_db()
    by_name = make_group(quanyechang, qyc_community, name="福明社区读书会")
    filings.submit(by_name)
    filings.accept(by_name, on=datetime.date(2016, 4, 1))
    content = xlsx(
        [
            group_row("福明社区太极拳协会", number=numbered.filing_number, 成员人数=35),
            group_row("福明社区读书会", 负责人="李淑珍"),
        ]
    )
    report = run("community-groups", district_staff, content)
    assert report.counts["update"] == 2, report.errors
    numbered.refresh_from_db()
    by_name.refresh_from_db()
    assert (numbered.name, numbered.member_count) == ("福明社区太极拳协会", 35)
    assert by_name.leader_name == "李淑珍" and numbered.version == by_name.version == 4
    assert CommunityGroup.objects.count() == 2


def test_historical_numbers_are_kept_and_the_counter_raised_past_them(
    district_staff, quanyechang, qyc_community
):
    content = xlsx(
        [
            group_row("福明社区合唱团", number="QYC-2016-0041", 备案日期="2016-05-01"),
            group_row("福明社区书画社", number="和平民备字（2009）第3号", 备案日期="2009/6/1"),
            group_row("福明社区舞蹈队", number="", 备案日期="2016.7.1"),
        ]
    )
    report = run("community-groups", district_staff, content)
    assert report.committed, report.errors
    numbers = dict(CommunityGroup.objects.values_list("name", "filing_number"))
    assert numbers == {
        "福明社区合唱团": "QYC-2016-0041",
        "福明社区书画社": "和平民备字（2009）第3号",
        "福明社区舞蹈队": "QYC-2016-0042",
    }
    assert CommunityGroup.objects.get(name="福明社区书画社").filed_on == datetime.date(2009, 6, 1)
    group = make_group(quanyechang, qyc_community, name="福明社区新队")
    filings.submit(group)
    assert filings.accept(group, on=datetime.date(2016, 9, 1)).filing_number == "QYC-2016-0043"


def test_an_error_in_the_last_row_leaves_the_database_exactly_as_before(
    district_staff, quanyechang, qyc_community
):
    make_group(quanyechang, qyc_community, name="已有的组织")
    before = state()
    rows = [group_row(f"福明社区第{n}队", number=f"QYC-2016-{n:04d}") for n in range(1, 30)]
    rows += [group_row("福明社区新队"), group_row("最后一行", 成员人数="很多")]
    importer = importer_for("community-groups", district_staff)
    importer.batch_size = 10  # earlier batches are written before the last row is read
    report = importer.run(xlsx(rows), commit=True, file_name="ledger.xlsx")
    assert not report.committed
    assert report.errors == [[32, "成员人数", "很多 不是整数。"]]
    assert state() == before


def test_the_commit_is_one_history_batch_naming_user_and_file(
    district_staff, quanyechang, qyc_community
):
    content = xlsx([group_row("福明社区合唱团"), group_row("福明社区书画社")])
    report = importer_for("community-groups", district_staff).run(
        content, commit=True, file_name="劝业场台账.xlsx", batch=17, reason="import"
    )
    assert report.committed
    contexts = {e.pgh_context_id for g in CommunityGroup.objects.all() for e in g.events.all()}
    assert len(contexts) == 1
    metadata = Context.objects.get(pk=contexts.pop()).metadata
    assert metadata["username"] == "district" and metadata["user"] == district_staff.pk
    assert metadata["import_file"] == "劝业场台账.xlsx" and metadata["batch"] == 17


def test_a_cancelled_filing_from_the_ledger(district_staff, qyc_community):
    header = [
        *__import__("tests.registry.workbooks", fromlist=["GROUP_HEADER"]).GROUP_HEADER,
        "状态",
        "注销日期",
        "注销原因",
    ]
    row = [
        *group_row("福明社区旧队", number="QYC-2012-0003", 备案日期="2012-01-05"),
        "注销",
        "2015-01-01",
        "成员解散",
    ]
    report = run("community-groups", district_staff, xlsx([row], header=header))
    assert report.committed, report.errors
    group = CommunityGroup.objects.get()
    assert group.status == FilingStatus.CANCELLED and group.cancel_reason == "成员解散"


def test_a_group_in_the_workspace_workflow_is_not_overwritten(
    district_staff, quanyechang, qyc_community
):
    make_group(quanyechang, qyc_community, name="福明社区合唱团")  # a draft
    report = run("community-groups", district_staff, xlsx([group_row("福明社区合唱团")]))
    assert not report.committed
    assert "工作台" in report.errors[0][2]


def test_duplicate_rows_in_one_file_are_errors(district_staff, qyc_community):
    content = xlsx([group_row("福明社区合唱团"), group_row("福明社区合唱团")])
    report = run("community-groups", district_staff, content)
    assert not report.committed and [e[:2] for e in report.errors] == [[3, "名称"]]
    assert "第2行" in report.errors[0][2]
    numbered = [group_row(f"福明社区第{n}队", number="QYC-2016-0001") for n in (1, 2)]
    report = run("community-groups", district_staff, xlsx(numbered))
    assert [e[:2] for e in report.errors] == [[3, "备案编号"]]
    assert "第2行" in report.errors[0][2]


def test_all_errors_of_all_rows_are_reported(district_staff, qyc_community):
    content = xlsx(
        [
            group_row("甲队", 联系电话="123", 成员人数="很多"),
            group_row("乙队"),
            group_row("丙队", 所属社区="不存在社区"),
        ]
    )
    report = run("community-groups", district_staff, content, commit=False)
    assert sorted((e[0], e[1]) for e in report.errors) == [
        (2, "成员人数"),
        (2, "联系电话"),
        (4, "所属社区"),
    ]
    assert report.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 2}


def test_a_row_the_database_refuses_in_a_middle_batch_is_named_and_nothing_is_written(
    district_staff, quanyechang, qyc_community
):
    """Batches are written by a second thread while the next one is validated; a row the
    database refuses there (a check the forms do not know, added for this test inside
    its transaction) is still reported by its row number, the later batches are still
    validated, and nothing of the file is written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE registry_communitygroup ADD CONSTRAINT test_refused_name "
            "CHECK (name NOT LIKE '%拒收%')"
        )
    before = state()
    rows = [group_row(f"福明社区第{n}队") for n in range(1, 8)]
    rows[3] = group_row("福明社区拒收队")
    rows.append(group_row("最后一队", 成员人数="很多"))
    importer = importer_for("community-groups", district_staff)
    importer.batch_size = 2
    report = importer.run(xlsx(rows), commit=True, file_name="ledger.xlsx")
    assert not report.committed
    assert [e[0] for e in report.errors] == [5, 9]  # the header is row 1
    assert "test_refused_name" in report.errors[0][2]
    assert report.errors[1] == [9, "成员人数", "很多 不是整数。"]
    assert [p[0] for p in report.preview] == [2, 3, 4, 6, 7, 8]
    assert state() == before


def test_a_commit_of_many_batches_keeps_file_order_and_one_history_context(
    district_staff, quanyechang, qyc_community
):
    rows = [group_row(f"福明社区第{n}队", number=f"QYC-2016-{n:04d}") for n in range(1, 24)]
    importer = importer_for("community-groups", district_staff)
    importer.batch_size = 5
    report = importer.run(xlsx(rows), commit=True, file_name="ledger.xlsx")
    assert report.committed and report.counts["create"] == 23, report.errors
    assert [p[0] for p in report.preview] == list(range(2, 25))
    groups = CommunityGroup.objects.filter(filing_number__startswith="QYC-2016-")
    assert groups.count() == 23
    contexts = {e.pgh_context_id for g in groups for e in g.events.all()}
    assert len(contexts) == 1 and None not in contexts


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(
    district_staff, quanyechang, qyc_community
):
    """The foreign keys are checked as each batch is written (not deferred to the
    commit), so a row whose reference the database refuses is reported on its own row,
    and the file is rolled back as for any other error."""
    importer = importer_for("community-groups", district_staff)
    refused = 3  # Excel row of the second data row (the header is row 1)
    ready = importer.ready

    def ready_with_a_broken_reference(row):
        ready(row)
        if row.number == refused:
            row.instance.category_id = 999_999_999

    importer.ready = ready_with_a_broken_reference
    before = state()
    content = xlsx([group_row("福明社区合唱团"), group_row("福明社区书画社")])
    report = importer.run(content, commit=True, file_name="ledger.xlsx")
    assert not report.committed
    assert report.errors == [[refused, "", "类别：没有这条记录。"]]
    assert state() == before


def test_the_cycle_collector_is_back_on_after_an_import(district_staff, qyc_community):
    assert gc.isenabled()
    content = xlsx([group_row("福明社区合唱团"), group_row("福明社区合唱团")])
    assert not run("community-groups", district_staff, content).committed  # duplicate
    assert gc.isenabled()
    assert run("community-groups", district_staff, xlsx([group_row()])).committed
    assert gc.isenabled()
