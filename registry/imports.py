"""The registry's ledgers (台账) as importable kinds: registered organizations, their
annual reports, and community-group filings (see ``hepingorgs.imports`` for the engine).

Keys: an organization by its credit code; an annual report by organization and year; a
filing by its filing number, else by street and name among the street's active groups.
Imported filings keep the historical numbers and dates of the ledger; rows without a
number get one from the workspace's counter row, and a number of the counter's own form
(QYC-2016-0042) raises that counter first, so the workspace never hands it out again.
"""

import re
from functools import cache

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hepingorgs import access
from hepingorgs.imports import (
    AMOUNT,
    CHOICE,
    CHOICES,
    CREATE,
    DATE,
    IGNORED,
    INTEGER,
    UPDATE,
    YEAR,
    Column,
    Importer,
    ImportFormMixin,
    Row,
    copy_create,
    new_instance,
)
from hepingorgs.lookups import AnyOf
from hepingorgs.parsing import ParseError, ascii_form, choice_key, clean_text
from registry import creditcode
from registry.admin import ANNUAL_REPORT_FIGURES, CreditCodeField
from registry.filings import format_filing_number
from registry.forms import CommunityGroupForm, duplicate_name_message
from registry.models import (
    GRADE_VALID_YEARS,
    NUMBERED_STATUSES,
    AnnualReport,
    Community,
    CommunityGroup,
    Field,
    FilingCategory,
    FilingSequence,
    FilingStatus,
    Grade,
    ImportKind,
    InspectionResult,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    PriorityCategory,
    ServiceTarget,
    Street,
    add_years,
)

# The counter's own form of filing number (registry.filings.format_filing_number).
NUMBER_FORM = re.compile(r"^([A-Z]+)-(\d{4})-(\d{1,6})$")
# Stands in for the number a new filing gets from the counter when the batch is written.
PENDING_NUMBER = "(new)"
# Messages of rows that repeat an earlier row's key (made text only when shown).
DUPLICATE_CODE = gettext_lazy("Row %(row)d of the file already has this credit code.")
DUPLICATE_REPORT = gettext_lazy(
    "Row %(row)d of the file already has this organization's report for this year."
)
DUPLICATE_NUMBER = gettext_lazy("Row %(row)d of the file has the same filing number.")
DUPLICATE_NAME = gettext_lazy(
    "Row %(row)d of the file has an active group of the same street and name."
)


def coded(choices, aliases=()):
    """(choices map, drop-down labels) for a TextChoices: the code, the Chinese label,
    the English label and ``aliases`` all give the code."""
    mapping = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                mapping[choice_key(value)] = value
                mapping[choice_key(str(label))] = value
    for alias, value in aliases:
        mapping[choice_key(alias)] = value
    with translation.override("zh-hans"):
        options = tuple(str(label) for _value, label in choices.choices)
    return mapping, options


def street_index():
    """Streets by name, short name (劝业场), statistical code and abbreviation."""
    index = {}
    for street in Street.objects.all():
        for key in (
            street.name,
            street.name.removesuffix("街道"),
            street.code,
            street.abbreviation,
        ):
            index[choice_key(key)] = street
    return index


def street_options():
    return tuple(Street.objects.values_list("name", flat=True))


# ---------------------------------------------------------------------------------------
# Registered organizations
# ---------------------------------------------------------------------------------------


class OrganizationImportForm(ImportFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "credit_code",
            "org_type",
            "priority_category",
            "field",
            "registration_authority",
            "supervisory_unit",
            "legal_representative",
            "registered_funds",
            "registered_on",
            "domicile",
            "contact_phone",
            "business_scope",
            "status",
            "status_changed_on",
            "status_reason",
            "grade",
            "grade_awarded_on",
            "party_form",
            "party_members",
        ]
        field_classes = {"credit_code": CreditCodeField}


@cache
def _organization_columns(language):
    org_types = coded(
        OrgType,
        [("社团", "1"), ("民办非企业单位", "2"), ("社会服务机构", "2"), ("民非", "2")],
    )
    priorities = coded(
        PriorityCategory,
        [
            ("行业协会", "industry"),
            ("商会", "industry"),
            ("科技", "science"),
            ("公益慈善", "charity"),
        ],
    )
    fields = coded(Field)
    statuses = coded(
        OrgStatus, [("存续", "active"), ("撤销", "revoked"), ("已注销", "deregistered")]
    )
    grades = coded(Grade, [(f"{n}A级", f"{n}A") for n in range(1, 6)])
    party = coded(PartyForm, [("单独建立", "single"), ("联合建立", "joint"), ("无", "none")])
    return (
        Column(
            "credit_code",
            "统一社会信用代码",
            aliases=("信用代码", "社会信用代码", "统一代码"),
            required=True,
            sample="51120101MJ0000001X",
        ),
        Column(
            "name",
            "名称",
            aliases=("组织名称", "社会组织名称", "单位名称"),
            required=True,
            sample="和平区示例协会",
        ),
        Column(
            "org_type",
            "类型",
            CHOICE,
            aliases=("组织类型", "社会组织类型", "类别"),
            required=True,
            choices=org_types[0],
            options=org_types[1],
            sample="社会团体",
        ),
        Column(
            "registered_on",
            "登记日期",
            DATE,
            aliases=("成立登记日期", "成立日期", "登记时间"),
            required=True,
            sample="2016-05-01",
        ),
        Column("supervisory_unit", "业务主管单位", aliases=("主管单位",), sample="和平区教育局"),
        Column(
            "legal_representative",
            "法定代表人",
            aliases=("法人代表", "法人", "负责人"),
            required=True,
            sample="王某",
        ),
        Column(
            "domicile",
            "住所",
            aliases=("地址", "住址", "办公地址"),
            required=True,
            sample="天津市和平区南京路1号",
        ),
        Column(
            "registered_funds",
            "注册资金",
            AMOUNT,
            aliases=("注册资本", "开办资金", "活动资金"),
            required=True,
            sample="3万元",
        ),
        Column("street", "所属街道", aliases=("街道",), sample="劝业场街道"),
        Column(
            "field",
            "行业领域",
            CHOICE,
            aliases=("活动领域", "领域", "行业分类"),
            required=True,
            choices=fields[0],
            options=fields[1],
            sample="社会服务",
        ),
        Column(
            "priority_category",
            "重点类别",
            CHOICE,
            aliases=("四类组织", "重点培育类别"),
            choices=priorities[0],
            options=priorities[1],
            sample="其他",
        ),
        Column(
            "status",
            "状态",
            CHOICE,
            aliases=("登记状态",),
            choices=statuses[0],
            options=statuses[1],
            sample="正常",
        ),
        Column("status_changed_on", "注销或撤销日期", DATE, aliases=("注销日期", "撤销日期")),
        Column("status_reason", "注销或撤销原因", aliases=("注销原因", "撤销原因")),
        Column("registration_authority", "登记管理机关", aliases=("登记机关",)),
        Column("contact_phone", "联系电话", aliases=("电话",)),
        Column("business_scope", "业务范围", aliases=("宗旨和业务范围",)),
        Column(
            "grade", "评估等级", CHOICE, aliases=("等级",), choices=grades[0], options=grades[1]
        ),
        Column("grade_awarded_on", "评估日期", DATE, aliases=("等级评定日期",)),
        Column(
            "party_form",
            "党组织",
            CHOICE,
            aliases=("党组织形式", "党组织组建形式"),
            choices=party[0],
            options=party[1],
        ),
        Column("party_members", "正式党员人数", INTEGER, aliases=("党员人数", "党员数")),
    )


class OrganizationImporter(Importer):
    kind = ImportKind.ORGANIZATIONS
    title = gettext_lazy("registered organizations")
    model = Organization
    form_class = OrganizationImportForm
    key_columns = {"credit_code"}
    compared_fields = (*OrganizationImportForm.Meta.fields, "street", "grade_expires_on")

    def __init__(self, user):
        super().__init__(user)
        self.columns = _with_streets(_organization_columns(translation.get_language()))
        self.streets = street_index()

    def prepare(self, rows, commit):
        codes = {creditcode.normalize(r.values.get("credit_code", "")) for r in rows}
        self.existing = Organization.objects.in_bulk(codes, field_name="credit_code")

    def locate(self, row):
        code = creditcode.normalize(row.values["credit_code"])
        row.values["credit_code"] = code
        row.label = f"{code} {row.values.get('name', '')}"
        if self.check_duplicate(row, code, DUPLICATE_CODE, "统一社会信用代码"):
            return
        if "street" in row.values:
            street = self.streets.get(choice_key(row.values["street"]))
            if row.values["street"] and street is None:
                row.error("所属街道", _("No street of the district has this name."))
                return
            row.refs["street_id"] = street.pk if street else None
        row.instance = self.existing.get(code) or Organization()

    def finish(self, row):
        organization = row.instance
        if (
            organization.grade
            and organization.grade_awarded_on
            and not organization.grade_expires_on
        ):
            organization.grade_expires_on = add_years(
                organization.grade_awarded_on, GRADE_VALID_YEARS
            )

    def write(self, rows):
        for row in rows:
            row.instance.fill_pinyin()
        creates = [r.instance for r in rows if r.action == CREATE]
        updates = [r for r in rows if r.action == UPDATE]
        Organization.objects.bulk_create(creates)
        if updates:
            fields = {"name_pinyin", "name_initials"}.union(*(r.changed for r in updates))
            Organization.objects.bulk_update([r.instance for r in updates], sorted(fields))


def _with_streets(columns):
    options = street_options()
    return tuple(
        Column(**{**c.__dict__, "options": options}) if c.name == "street" else c for c in columns
    )


# ---------------------------------------------------------------------------------------
# Annual reports
# ---------------------------------------------------------------------------------------


class AnnualReportImportForm(ImportFormMixin, forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = list(ANNUAL_REPORT_FIGURES)


@cache
def _annual_report_columns(language):
    results = coded(
        InspectionResult,
        [("年检合格", "qualified"), ("年检基本合格", "basic"), ("未参加年检", "not_inspected")],
    )
    return (
        Column(
            "credit_code",
            "统一社会信用代码",
            aliases=("信用代码", "社会信用代码"),
            required=True,
            sample="51120101MJ0000001X",
        ),
        Column("organization_name", "组织名称", IGNORED, aliases=("名称", "社会组织名称")),
        Column(
            "year",
            "年度",
            YEAR,
            aliases=("年份", "年检年度", "报告年度"),
            required=True,
            sample=2016,
        ),
        Column(
            "result",
            "年检结论",
            CHOICE,
            aliases=("年检结果", "检查结论", "结论"),
            required=True,
            choices=results[0],
            options=results[1],
            sample="合格",
        ),
        Column(
            "staff_total",
            "从业人员",
            INTEGER,
            aliases=("从业人数", "从业人员数", "专职人员"),
            sample=12,
        ),
        Column(
            "staff_bachelor_plus",
            "本科以上学历人数",
            INTEGER,
            aliases=("本科及以上学历人数", "本科以上", "本科及以上"),
            sample=8,
        ),
        Column("volunteers", "志愿者人数", INTEGER, aliases=("志愿者",), sample=30),
        Column(
            "revenue",
            "营业收入",
            AMOUNT,
            aliases=("总收入", "收入", "年度收入"),
            sample="120,000.00",
        ),
        Column("expenditure", "支出", AMOUNT, aliases=("总支出", "费用支出"), sample="110000"),
        Column("tax_paid", "纳税额", AMOUNT, aliases=("纳税", "税额", "纳税总额"), sample="1200元"),
        Column("net_assets", "净资产", AMOUNT, aliases=("净资产合计",), sample="5万元"),
    )


class AnnualReportImporter(Importer):
    kind = ImportKind.ANNUAL_REPORTS
    title = gettext_lazy("annual reports")
    model = AnnualReport
    form_class = AnnualReportImportForm
    key_columns = {"credit_code", "year"}
    compared_fields = ANNUAL_REPORT_FIGURES

    def __init__(self, user):
        super().__init__(user)
        self.columns = _annual_report_columns(translation.get_language())

    def prepare(self, rows, commit):
        codes = {creditcode.normalize(r.values.get("credit_code", "")) for r in rows}
        self.organizations = Organization.objects.only("id", "credit_code", "name").in_bulk(
            codes, field_name="credit_code"
        )
        years = {r.values.get("year") for r in rows}
        self.existing = {
            (report.organization_id, report.year): report
            for report in AnnualReport.objects.filter(
                organization__in=self.organizations.values(), year__in=years
            )
        }

    def locate(self, row):
        code = creditcode.normalize(row.values["credit_code"])
        organization = self.organizations.get(code)
        if organization is None:
            row.error("统一社会信用代码", _("No registered organization has this credit code."))
            return
        year = row.values["year"]
        row.label = f"{organization.name} {year}"
        if self.check_duplicate(
            row,
            (organization.pk, year),
            DUPLICATE_REPORT,
        ):
            return
        row.refs["organization_id"] = organization.pk
        row.instance = self.existing.get((organization.pk, year)) or AnnualReport()

    def write(self, rows):
        creates = [r.instance for r in rows if r.action == CREATE]
        updates = [r for r in rows if r.action == UPDATE]
        AnnualReport.objects.bulk_create(creates)
        if updates:
            fields = set().union(*(r.changed for r in updates))
            AnnualReport.objects.bulk_update([r.instance for r in updates], sorted(fields))


# ---------------------------------------------------------------------------------------
# Community-group filings
# ---------------------------------------------------------------------------------------


class CommunityGroupImportForm(ImportFormMixin, CommunityGroupForm):
    """The workspace's filing form (its field cleaning, phone rule and checks), without
    the fields the importer resolves itself from names (community, category) and without
    the per-row name query, which the importer does for a whole batch at once."""

    class Meta(CommunityGroupForm.Meta):
        fields = [
            "name",
            "service_targets",
            "leader_name",
            "leader_phone",
            "member_count",
            "founded_on",
            "venue",
            "guiding_unit",
        ]

    def __init__(self, *args, user, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.user = user
        self.similar_groups = []

    def _check_names(self, name, street_id):
        """Done by the importer for the whole file."""

    def today(self):
        """The day the import started (the importer's own checks use it too)."""
        if not hasattr(self, "_today"):
            self._today = timezone.localdate()
        return self._today


IMPORTED_STATUSES = (FilingStatus.FILED, FilingStatus.CANCELLED)


@cache
def _group_columns(language):
    targets = coded(
        ServiceTarget,
        [
            ("老人", "elderly"),
            ("儿童", "children"),
            ("青少年", "children"),
            ("残疾人", "disabled"),
            ("居民", "residents"),
            ("社区居民", "residents"),
            ("困难群众", "hardship"),
        ],
    )
    statuses = coded(FilingStatus, [("备案", "filed"), ("正常", "filed"), ("已注销", "cancelled")])
    statuses = (
        {k: v for k, v in statuses[0].items() if v in IMPORTED_STATUSES},
        tuple(
            label
            for label, value in zip(statuses[1], FilingStatus.values, strict=True)
            if value in IMPORTED_STATUSES
        ),
    )
    return (
        Column(
            "name",
            "名称",
            aliases=("社团名称", "组织名称", "社区社会组织名称", "团队名称"),
            required=True,
            sample="福明社区夕阳红合唱团",
        ),
        Column("street", "所属街道", aliases=("街道",), sample="劝业场街道"),
        Column(
            "community",
            "所属社区",
            aliases=("社区", "社区居委会"),
            required=True,
            sample="福明社区",
        ),
        Column(
            "category", "类别", CHOICE, aliases=("分类", "组织类别", "类型"), sample="文体娱乐类"
        ),
        Column(
            "service_targets",
            "服务对象",
            CHOICES,
            aliases=("服务人群",),
            choices=targets[0],
            options=targets[1],
            sample="老年人、全体居民",
        ),
        Column("leader_name", "负责人", aliases=("负责人姓名", "联系人"), sample="张某"),
        Column(
            "leader_phone", "联系电话", aliases=("负责人电话", "电话", "手机"), sample="13800000000"
        ),
        Column(
            "member_count", "成员人数", INTEGER, aliases=("人数", "成员数", "会员人数"), sample=20
        ),
        Column("founded_on", "成立日期", DATE, aliases=("成立时间",), sample="2015-03-01"),
        Column("venue", "活动场所", aliases=("活动地点", "活动场地"), sample="福明社区活动室"),
        Column("guiding_unit", "指导单位", aliases=("业务指导单位",), sample="福明社区居委会"),
        Column("filed_on", "备案日期", DATE, aliases=("备案时间",), sample="2016年5月1日"),
        Column("filing_number", "备案编号", aliases=("备案号", "备案证号"), sample=""),
        Column(
            "status",
            "状态",
            CHOICE,
            aliases=("备案状态",),
            choices=statuses[0],
            options=statuses[1],
            sample="已备案",
        ),
        Column("cancelled_on", "注销日期", DATE),
        Column("cancel_reason", "注销原因"),
    )


class CommunityGroupImporter(Importer):
    """Filings of the streets ``hepingorgs.access`` lets the user see: a clerk's rows of
    another street are errors (and so nothing of the file is written)."""

    kind = ImportKind.COMMUNITY_GROUPS
    title = gettext_lazy("community-group filings")
    model = CommunityGroup
    form_class = CommunityGroupImportForm
    parallel = True  # before_rows looks up everything the rows need
    key_columns = {"name", "street", "community", "filing_number", "status"}
    compared_fields = (
        *CommunityGroupImportForm.Meta.fields,
        "street",
        "community",
        "category",
        "status",
        "filing_number",
        "filed_on",
        "cancelled_on",
        "cancel_reason",
    )

    def __init__(self, user):
        super().__init__(user)
        # A command run without --user acts for the whole district.
        self.scope = access.filings_for(user) if user is not None else CommunityGroup.objects.all()
        self.own_street = access.clerk_street(user) if user is not None else None
        columns = _with_streets(_group_columns(translation.get_language()))
        categories = FilingCategory.objects.filter(is_active=True)
        self.categories = {}
        for category in FilingCategory.objects.all():
            self.categories[choice_key(category.name)] = category
            self.categories[choice_key(category.code)] = category
        self.columns = tuple(
            Column(
                **{
                    **c.__dict__,
                    "choices": {k: v.pk for k, v in self.categories.items()},
                    "options": tuple(categories.values_list("name", flat=True)),
                }
            )
            if c.name == "category"
            else c
            for c in columns
        )
        self.streets = street_index()
        self.streets_by_id = {s.pk: s for s in self.streets.values()}
        self.communities = {}
        for community in Community.objects.all():
            self.communities[(community.street_id, choice_key(community.name))] = community
        self.today = timezone.localdate()

    def form_kwargs(self):
        # The form asks for the clerk's street; a command without --user has none.
        return {"user": self.user or AnonymousUser()}

    def _street(self, row):
        value = row.values.get("street", "")
        if value:
            return self.streets.get(choice_key(value))
        return self.own_street

    def _number(self, row):
        """The ledger's number as typed (letters and digits half-width, upper case); one of
        the counter's own form (QYC-2016-0042) also with ASCII hyphens."""
        number = getattr(row, "filing_number", None)
        if number is None:
            number = clean_text(row.values.get("filing_number", "")).replace(" ", "").upper()
            canonical = ascii_form(number)
            number = row.filing_number = canonical if NUMBER_FORM.match(canonical) else number
        return number

    def before_rows(self, table, commit):
        """A first pass over the name, street and number columns (``table.rows()``
        keeps the rows read, so the sheet is parsed once), before anything is written:
        look up the groups the file's rows may update (a few queries for the whole file,
        while the table's statistics still describe it: looking up each batch after
        earlier batches were written makes PostgreSQL scan the rows this import
        inserted, slower with every batch), and when committing raise the counters past
        the file's numbers (raising them batch by batch would let an acceptance between
        two batches take a number a later row carries)."""
        wanted = {
            position: column
            for position, column in table.columns.items()
            if column.name in ("name", "street", "filing_number")
        }
        highest, numbers, names = {}, set(), set()
        for number, cells in table.rows():
            values = {}
            for position, column in wanted.items():
                value = cells[position] if position < len(cells) else None
                try:
                    values[column.name] = column.read(value)
                except ParseError:
                    values[column.name] = ""
            row = Row(number, [], values=values)
            if filing_number := self._number(row):
                numbers.add(filing_number)
                self._note_highest(row, highest)
            names.add(values.get("name", ""))
        self._look_up(numbers, names)
        if commit:
            self._raise_counters(highest)

    def _look_up(self, numbers, names):
        """The groups of the user's scope with one of ``numbers``, the active ones with
        one of ``names``, and which of ``numbers`` groups outside the scope carry."""
        found = {g.pk: g for g in self.scope.filter(AnyOf(F("filing_number"), numbers))}
        found.update(
            (g.pk, g)
            for g in self.scope.filter(AnyOf(F("name"), names)).exclude(
                status=FilingStatus.CANCELLED
            )
        )
        self.by_number = {g.filing_number: g for g in found.values() if g.filing_number}
        self.by_name = {
            (g.street_id, g.name): g for g in found.values() if g.status != FilingStatus.CANCELLED
        }
        elsewhere = CommunityGroup.objects.filter(
            AnyOf(F("filing_number"), numbers - set(self.by_number))
        ).values_list("pk", "filing_number")
        self.numbers_elsewhere = {number for pk, number in elsewhere if pk not in found}

    def _note_highest(self, row, highest):
        street = self._street(row)
        match = NUMBER_FORM.match(self._number(row))
        if street is not None and match is not None and match.group(1) == street.abbreviation:
            key = (street.pk, int(match.group(2)))
            highest[key] = max(highest.get(key, 0), int(match.group(3)))

    def _raise_counters(self, highest):
        """Lift each street's counter to the highest imported number of its own form
        (``highest``: (street id, year) -> serial). From here to the commit, a workspace
        acceptance in that street and year waits for this import, then continues after
        the highest imported number."""
        table = FilingSequence._meta.db_table
        with connection.cursor() as cursor:
            for (street_id, year), serial in sorted(highest.items()):
                cursor.execute(
                    f"""
                    INSERT INTO {table} (street_id, year, last) VALUES (%s, %s, %s)
                    ON CONFLICT (street_id, year)
                    DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)
                    """,
                    [street_id, year, serial],
                )

    def locate(self, row):
        name = clean_text(row.values.get("name", ""))
        street = self._street(row)
        if street is None:
            if row.values.get("street"):
                row.error("所属街道", _("No street of the district has this name."))
            else:
                row.error("所属街道", _("This column must be filled in."))
            return
        if self.own_street is not None and street.pk != self.own_street.pk:
            row.error(
                "所属街道",
                _(
                    "This row belongs to %(street)s; you can only import filings of your "
                    "own street (%(own)s)."
                )
                % {"street": street.name, "own": self.own_street.name},
            )
            return
        community = self._community(street, row.values.get("community", ""))
        if community is None:
            row.error(
                "所属社区",
                _("%(street)s has no community called %(name)s.")
                % {"street": street.name, "name": row.values["community"]},
            )
            return
        status = row.values.get("status") or FilingStatus.FILED
        number = self._number(row)
        row.label = f"{street.name} {name} {number}".strip()
        if number:
            match = NUMBER_FORM.match(number)
            if match and match.group(1) != street.abbreviation:
                row.error(
                    "备案编号",
                    _("A filing number of %(street)s begins with %(abbreviation)s.")
                    % {"street": street.name, "abbreviation": street.abbreviation},
                )
                return
            if number in self.numbers_elsewhere:
                row.error("备案编号", _("Another street's group already has this filing number."))
                return
            if self.check_duplicate(row, ("number", number), DUPLICATE_NUMBER, "备案编号"):
                return
        if status != FilingStatus.CANCELLED and self.check_duplicate(
            row,
            ("name", street.pk, name),
            DUPLICATE_NAME,
            "名称",
        ):
            return
        existing = self.by_number.get(number) if number else None
        same_name = self.by_name.get((street.pk, name))
        if existing is None and not number:
            existing = same_name
        if existing is not None:
            if existing.street_id != street.pk:
                row.error(
                    "备案编号",
                    _("This filing number belongs to a group of %(street)s.")
                    % {"street": self.streets_by_id[existing.street_id].name},
                )
                return
            if existing.status not in IMPORTED_STATUSES:
                row.error(
                    "",
                    _(
                        "This group is being filed in the workspace (%(status)s); finish "
                        "or cancel that filing there first."
                    )
                    % {"status": existing.get_status_display()},
                )
                return
        if same_name is not None and same_name != existing and status != FilingStatus.CANCELLED:
            row.error("名称", duplicate_name_message(same_name))
            return
        category = row.values.get("category")
        row.refs.update(
            street_id=street.pk,
            community_id=community.pk,
            category_id=category if category else None,
        )
        if existing is None:
            existing = new_instance(
                CommunityGroup, created_by_id=self.user.pk if self.user else None
            )
        row.instance = existing
        row.values["name"] = name

    def _community(self, street, name):
        key = choice_key(name)
        for candidate in (
            key,
            key + "社区",
            key.removesuffix("居委会"),
            key.removesuffix("社区居委会") + "社区",
        ):
            community = self.communities.get((street.pk, candidate))
            if community is not None:
                return community
        return None

    def finish(self, row):
        group, values = row.instance, row.values
        group.status = values.get("status") or FilingStatus.FILED
        number = self._number(row)
        if number:
            group.filing_number = number
        row.needs_number = group.filing_number in (None, "", PENDING_NUMBER)
        if row.needs_number:
            group.filing_number = PENDING_NUMBER
        group.filed_on = values.get("filed_on") or group.filed_on or self.today
        if group.status == FilingStatus.CANCELLED:
            group.cancelled_on = values.get("cancelled_on") or group.cancelled_on
            group.cancel_reason = values.get("cancel_reason") or group.cancel_reason
            if group.cancelled_on and group.cancelled_on < group.filed_on:
                row.error("注销日期", _("The cancellation date cannot be before the filing date."))
        else:
            group.cancelled_on, group.cancel_reason = None, ""
        if group.filed_on > self.today:
            row.error("备案日期", _("The filing date cannot be in the future."))
        if group.status in NUMBERED_STATUSES and row.needs_number:
            row.label = row.label + " " + _("new filing number")

    def ready(self, row):
        row.instance.fill_pinyin()

    def write(self, rows):
        self._number_new_filings(rows)
        now = timezone.now()
        creates, updates = [], []
        for row in rows:
            group = row.instance
            if row.action == CREATE:
                creates.append(group)
            else:
                group.version += 1
                group.updated_at = now
                updates.append(row)
        copy_create(CommunityGroup, creates)
        if updates:
            fields = {"name_pinyin", "name_initials", "version", "updated_at"}.union(
                *(r.changed for r in updates)
            )
            CommunityGroup.objects.bulk_update([r.instance for r in updates], sorted(fields))

    def _number_new_filings(self, rows):
        """Numbers from the workspace's counter row for the rows without one: one
        statement per street and year takes as many as needed."""
        wanting = {}
        for row in rows:
            if getattr(row, "needs_number", False):
                group = row.instance
                wanting.setdefault((group.street_id, group.filed_on.year), []).append(group)
        if not wanting:
            return
        keys = sorted(wanting)
        table = FilingSequence._meta.db_table
        with connection.cursor() as cursor:
            # One statement for the batch; it takes the counter rows in key order.
            cursor.execute(
                f"""
                INSERT INTO {table} (street_id, year, last)
                SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::integer[])
                ON CONFLICT (street_id, year) DO UPDATE SET last = {table}.last + EXCLUDED.last
                RETURNING street_id, year, last
                """,
                [[k[0] for k in keys], [k[1] for k in keys], [len(wanting[k]) for k in keys]],
            )
            lasts = {(street_id, year): last for street_id, year, last in cursor.fetchall()}
        for key in keys:
            street_id, year = key
            groups = wanting[key]
            street = self.streets_by_id[street_id]
            first = lasts[key] - len(groups) + 1
            for serial, group in enumerate(groups, start=first):
                group.filing_number = format_filing_number(street, year, serial)


IMPORTERS = {
    ImportKind.ORGANIZATIONS: OrganizationImporter,
    ImportKind.ANNUAL_REPORTS: AnnualReportImporter,
    ImportKind.COMMUNITY_GROUPS: CommunityGroupImporter,
}


def importer_for(kind, user):
    return IMPORTERS[kind](user)


def template_sheet(importer):
    """(header, sample row, drop-down options by column index) for the kind's template."""
    columns = [c for c in importer.columns if c.kind != IGNORED]
    header = [f"{c.header}*" if c.required else c.header for c in columns]
    sample = [c.sample for c in columns]
    options = {i: c.options for i, c in enumerate(columns) if c.options}
    return header, sample, options
