"""Real ledgers are messy: one test per rule the import accepts."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from registry.imports import importer_for
from registry.models import CommunityGroup, Organization
from tests.conftest import valid_code
from tests.registry.workbooks import GROUP_HEADER, group_row, xlsx

pytestmark = pytest.mark.django_db


def dry_run(user, content, kind="community-groups"):
    return importer_for(kind, user).run(content)


def commit(user, content, kind="community-groups"):
    report = importer_for(kind, user).run(content, commit=True)
    assert report.committed, report.errors or report.refused
    return report


def test_header_aliases(district_staff, qyc_community):
    header = ["社团名称" if h == "名称" else h for h in GROUP_HEADER]
    header = ["负责人电话" if h == "联系电话" else h for h in header]
    commit(district_staff, xlsx([group_row("福明社区合唱团")], header=header))
    assert CommunityGroup.objects.get().leader_phone == "13800000000"


def test_organization_header_alias_legal_representative(district_staff, qyc_community):
    header = [
        "统一社会信用代码",
        "名称",
        "类型",
        "登记日期",
        "法人代表",
        "住所",
        "注册资金",
        "行业领域",
    ]
    code = valid_code()
    row = [code, "和平区示例协会", "社会团体", "2016-05-01", "王某", "南京路1号", 0, "04"]
    commit(district_staff, xlsx([row], header=header), kind="organizations")
    assert Organization.objects.get().legal_representative == "王某"


def test_extra_columns_are_ignored_and_listed(district_staff, qyc_community):
    header = [*GROUP_HEADER, "备注", "录入人"]
    report = commit(district_staff, xlsx([[*group_row(), "老队伍", "小王"]], header=header))
    assert report.extra_columns == ["备注", "录入人"]


def test_a_title_row_above_the_header(district_staff, qyc_community):
    content = xlsx([group_row()], above=[["和平区社区社会组织备案台账"], ["截至2016年底"], []])
    report = commit(district_staff, content)
    assert report.header_row == 4


def test_merged_cells_above_the_header(district_staff, qyc_community):
    content = xlsx([group_row()], above=[["劝业场街道社区社会组织台账"]], merge_above=True)
    assert commit(district_staff, content).header_row == 2


def test_full_width_digits_and_letters(district_staff, qyc_community):
    content = xlsx(
        [
            group_row(
                number="ＱＹＣ－２０１６－００１２",
                联系电话="１３８００００００００",
                成员人数="２５",
            )
        ]
    )
    commit(district_staff, content)
    group = CommunityGroup.objects.get()
    assert (group.filing_number, group.leader_phone, group.member_count) == (
        "QYC-2016-0012",
        "13800000000",
        25,
    )


def test_stray_spaces_and_line_breaks(district_staff, qyc_community):
    content = xlsx([group_row(" 福明社区\n夕阳红  合唱团 ", 负责人=" 张秀兰\n")])
    commit(district_staff, content)
    group = CommunityGroup.objects.get()
    assert (group.name, group.leader_name) == ("福明社区 夕阳红 合唱团", "张秀兰")


@pytest.mark.parametrize("written", ["2016-05-01", "2016/5/1", "2016.5.1", "2016年5月1日", 42491])
def test_dates_in_every_form(district_staff, qyc_community, written):
    commit(district_staff, xlsx([group_row(备案日期=written)]))
    assert CommunityGroup.objects.get().filed_on == datetime.date(2016, 5, 1)


def test_a_date_formatted_cell(district_staff, qyc_community):
    commit(district_staff, xlsx([group_row(备案日期=datetime.datetime(2016, 5, 1))]))
    assert CommunityGroup.objects.get().filed_on == datetime.date(2016, 5, 1)


@pytest.mark.parametrize(
    "written,expected",
    [("3万元", "30000.00"), ("30,000元", "30000.00"), (30000, "30000.00"), ("1,234.5", "1234.50")],
)
def test_amounts_with_units_and_separators(district_staff, written, expected):
    header = [
        "统一社会信用代码",
        "名称",
        "类型",
        "登记日期",
        "法定代表人",
        "住所",
        "注册资金",
        "行业领域",
    ]
    row = [
        valid_code(),
        "和平区示例协会",
        "1",
        "2016-05-01",
        "王某",
        "南京路1号",
        written,
        "社会服务",
    ]
    commit(district_staff, xlsx([row], header=header), kind="organizations")
    assert Organization.objects.get().registered_funds == Decimal(expected)


def test_amount_column_headed_in_ten_thousands(district_staff):
    header = [
        "统一社会信用代码",
        "名称",
        "类型",
        "登记日期",
        "法定代表人",
        "住所",
        "注册资金（万元）",
        "行业领域",
    ]
    row = [valid_code(), "和平区示例协会", "社会团体", "2016-05-01", "王某", "南京路1号", 3, "04"]
    commit(district_staff, xlsx([row], header=header), kind="organizations")
    assert Organization.objects.get().registered_funds == Decimal("30000.00")


@pytest.mark.parametrize("org_type,field", [("社会团体", "社会服务"), ("1", "04"), (1, 4)])
def test_coded_values_by_label_or_code(district_staff, org_type, field):
    header = [
        "统一社会信用代码",
        "名称",
        "类型",
        "登记日期",
        "法定代表人",
        "住所",
        "注册资金",
        "行业领域",
    ]
    row = [valid_code(), "和平区示例协会", org_type, "2016-05-01", "王某", "南京路1号", 0, field]
    commit(district_staff, xlsx([row], header=header), kind="organizations")
    organization = Organization.objects.get()
    assert (organization.org_type, organization.field) == ("1", "04")


def test_category_and_service_targets_by_label(district_staff, qyc_community):
    commit(district_staff, xlsx([group_row(类别="生活服务类", 服务对象="老年人,儿童青少年")]))
    group = CommunityGroup.objects.get()
    assert group.category.code == "life_services"
    assert group.service_targets == ["elderly", "children"]


def _workbook_with_formula(cached):
    """A sheet whose 成员人数 cell is a formula, saved with or without its value (as
    Excel, or as a program that never calculated, would)."""
    book = Workbook()
    sheet = book.active
    sheet.append(GROUP_HEADER)
    sheet.append(group_row(成员人数="=10+15"))
    buffer = io.BytesIO()
    book.save(buffer)
    if not cached:
        return buffer.getvalue()
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>10+15</f><v></v>", b"<f>10+15</f><v>25</v>")
                data = data.replace(b"<f>10+15</f>", b"<f>10+15</f><v>25</v>")
            target.writestr(item, data)
    return out.getvalue()


def test_a_formula_uses_its_cached_value(district_staff, qyc_community):
    commit(district_staff, _workbook_with_formula(cached=True))
    assert CommunityGroup.objects.get().member_count == 25


def test_a_formula_without_cached_value_is_an_error_for_that_cell(district_staff, qyc_community):
    report = dry_run(district_staff, _workbook_with_formula(cached=False))
    assert [(e[0], e[1]) for e in report.errors] == [(2, "成员人数")]
    assert "公式" in report.errors[0][2]
