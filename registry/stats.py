"""The registry's yearly figures (see ``hepingorgs.figures``): registered organizations,
their annual reports, Party organizations, credit lists and the filed community groups,
as of 31 December of the year.

- An organization counts if it was registered on or before 31 December and was still on
  the register that day: active now, or deregistered or revoked after that day.
- A community group counts if it was filed on or before 31 December and not cancelled by
  then (filed now, or cancelled after that day).
- Annual-report figures (staff, revenue, tax, inspection results) are those of the
  reports on the year, of the organizations that count.
- Party organization: required with 3 or more formal Party members (the law's rule);
  set up when the organization has its own or a joint branch founded by 31 December
  (or with no founding date entered). Coverage is set up / required.
- Evaluation grade 3A or above: awarded by 31 December and not expired on that day.
- Abnormal-activity list: organizations on the list on 31 December (decided by then and
  not removed by then); a further row counts those put on it during the year.

Every figure is a handful of aggregate queries whatever the size of the register; the
detail sheets stream their rows with server-side cursors.
"""

import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, FilteredRelation, Max, Q, Sum
from django.utils.translation import gettext as _

from hepingorgs.figures import (
    COUNT,
    DECIMAL1,
    MONEY,
    RATE,
    AppFigures,
    Chart,
    Detail,
    Indicator,
    Table,
)
from registry.models import (
    PARTY_BRANCH_MEMBERS,
    AnnualReport,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    Field,
    FilingCategory,
    FilingStatus,
    Grade,
    InspectionResult,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    Population,
    PriorityCategory,
    Street,
)

# Sheet, detail and by-street column titles are keys other apps merge into, so they are
# the bureau's Chinese names (data, like the summary labels), not translated strings.
SHEET_BY_FIELD = "按领域"
SHEET_COMMUNITY_GROUPS = "社区社会组织"
DETAIL_ORGANIZATIONS = "社会组织名录"
DETAIL_COMMUNITY_GROUPS = "社区社会组织名录"
STREET_ORGANIZATIONS = "登记社会组织"
STREET_FILED = "备案社区社会组织"
STREET_POPULATION = "常住人口"
STREET_PER_10K = "每万人拥有社会组织数"
NO_STREET = "未填街道"

GRADES_3A_PLUS = (Grade.A5, Grade.A4, Grade.A3)
PARTY_SET_UP = (PartyForm.SINGLE, PartyForm.JOINT)
DETAIL_CHUNK = 5000
ONE_DECIMAL = Decimal("0.1")
RATE_PLACES = Decimal("0.0001")


def year_end(year):
    return datetime.date(year, 12, 31)


def counted_organizations(year, prefix=""):
    """Q for organizations on the register on 31 December of ``year``."""
    end = year_end(year)
    return Q(**{f"{prefix}registered_on__lte": end}) & (
        Q(**{f"{prefix}status": OrgStatus.ACTIVE}) | Q(**{f"{prefix}status_changed_on__gt": end})
    )


def counted_groups(year):
    """Q for community groups filed and not cancelled on 31 December of ``year``."""
    end = year_end(year)
    return Q(filed_on__lte=end) & (
        Q(status=FilingStatus.FILED) | Q(status=FilingStatus.CANCELLED, cancelled_on__gt=end)
    )


def per_10k(count, residents):
    """Organizations per 10,000 residents, one decimal; None if the population is unknown."""
    if not residents:
        return None
    return (Decimal(count) * 10000 / Decimal(residents)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)


def _organization_figures(year):
    """One pass over the organizations: the summary counts."""
    end = year_end(year)
    counted = counted_organizations(year)
    required = counted & Q(party_members__gte=PARTY_BRANCH_MEMBERS)
    return Organization.objects.aggregate(
        total=Count("id", filter=counted),
        new=Count("id", filter=Q(registered_on__year=year)),
        deregistered=Count(
            "id", filter=Q(status=OrgStatus.DEREGISTERED, status_changed_on__year=year)
        ),
        revoked=Count("id", filter=Q(status=OrgStatus.REVOKED, status_changed_on__year=year)),
        party_required=Count("id", filter=required),
        party_set_up=Count(
            "id",
            filter=required
            & Q(party_form__in=PARTY_SET_UP)
            & (Q(party_founded_on__isnull=True) | Q(party_founded_on__lte=end)),
        ),
        grade_3a=Count(
            "id",
            filter=counted
            & Q(grade__in=GRADES_3A_PLUS, grade_awarded_on__lte=end, grade_expires_on__gt=end),
        ),
    )


def _organization_breakdown(year):
    """(street id, type, field, priority category) -> organizations that count."""
    rows = (
        Organization.objects.filter(counted_organizations(year))
        .values_list("street", "org_type", "field", "priority_category")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {tuple(row[:4]): row[4] for row in rows}


def _report_figures(year):
    reports = AnnualReport.objects.filter(counted_organizations(year, "organization__"), year=year)
    return reports.aggregate(
        staff=Sum("staff_total", default=0),
        bachelor=Sum("staff_bachelor_plus", default=0),
        revenue=Sum("revenue", default=Decimal("0.00")),
        tax=Sum("tax_paid", default=Decimal("0.00")),
        qualified=Count("id", filter=Q(result=InspectionResult.QUALIFIED)),
        basic=Count("id", filter=Q(result=InspectionResult.BASIC)),
        unqualified=Count("id", filter=Q(result=InspectionResult.UNQUALIFIED)),
    )


def _abnormal_list(year):
    end = year_end(year)
    records = CreditRecord.objects.filter(
        counted_organizations(year, "organization__"), kind=CreditKind.ABNORMAL
    )
    return records.aggregate(
        listed=Count(
            "organization",
            distinct=True,
            filter=Q(decided_on__lte=end) & (Q(removed_on__isnull=True) | Q(removed_on__gt=end)),
        ),
        listed_in_year=Count("organization", distinct=True, filter=Q(decided_on__year=year)),
    )


def _group_breakdown(year):
    """(street id, category id) -> groups that count; and street id -> (groups in the
    upgrade plan, paired organizations)."""
    end = year_end(year)
    groups = CommunityGroup.objects.filter(counted_groups(year))
    by_category = {
        (street, category): n
        for street, category, n in groups.values_list("street", "category")
        .annotate(n=Count("id"))
        .order_by()
    }
    upgrade = {
        street: (n, partners)
        for street, n, partners in groups.filter(upgrade_since__lte=end)
        .values_list("street")
        .annotate(n=Count("id"), partners=Count("upgrade_partner", distinct=True))
        .order_by()
    }
    return by_category, upgrade


def latest_year():
    """The newest year with annual reports on record (its figures are complete)."""
    return AnnualReport.objects.aggregate(latest=Max("year"))["latest"]


def annual(year):
    streets = list(Street.objects.order_by("code"))
    categories = list(FilingCategory.objects.all())
    populations = {
        street: residents
        for street, residents in Population.objects.filter(year=year).values_list(
            "street", "residents"
        )
    }
    orgs = _organization_figures(year)
    breakdown = _organization_breakdown(year)
    reports = _report_figures(year)
    abnormal = _abnormal_list(year)
    group_counts, upgrade = _group_breakdown(year)

    by_type = Counter()
    for (_street, org_type, _field, _category), n in breakdown.items():
        by_type[org_type] += n
    filed_total = sum(group_counts.values())
    registered_total = orgs["total"]

    summary = [
        Indicator("登记社会组织总数", registered_total),
        Indicator("社会团体", by_type[OrgType.SOCIAL_GROUP]),
        Indicator("民办非企业单位", by_type[OrgType.PRIVATE_NON_ENTERPRISE]),
        Indicator("基金会", by_type[OrgType.FOUNDATION]),
        Indicator("当年新登记", orgs["new"]),
        Indicator("当年注销", orgs["deregistered"]),
        Indicator("备案社区社会组织", filed_total),
        Indicator(
            "每万人拥有社会组织数",
            per_10k(registered_total + filed_total, populations.get(None)),
            DECIMAL1,
        ),
        Indicator("党组织应建数", orgs["party_required"]),
        Indicator("党组织已建数", orgs["party_set_up"]),
        Indicator("党组织覆盖率", rate(orgs["party_set_up"], orgs["party_required"]), RATE),
        Indicator("从业人员总数", reports["staff"]),
        Indicator("本科以上学历人数", reports["bachelor"]),
        Indicator("营业收入(元)", reports["revenue"], MONEY),
        Indicator("纳税额(元)", reports["tax"], MONEY),
        Indicator("年检合格", reports["qualified"]),
        Indicator("年检基本合格", reports["basic"]),
        Indicator("年检不合格", reports["unqualified"]),
        Indicator("评估等级3A以上", orgs["grade_3a"]),
        Indicator("列入活动异常名录", abnormal["listed"]),
        # Further rows, after the list: leaving the register by revocation, and
        # listings decided during the year (those on the list on 31 December are above).
        Indicator("当年撤销登记", orgs["revoked"]),
        Indicator("当年列入活动异常名录", abnormal["listed_in_year"]),
    ]

    by_street = _by_street(streets, categories, breakdown, group_counts, populations)
    sheets = {
        SHEET_BY_FIELD: _field_tables(breakdown),
        SHEET_COMMUNITY_GROUPS: _group_tables(streets, categories, group_counts, upgrade),
    }
    details = [
        Detail(
            DETAIL_ORGANIZATIONS,
            organization_header(),
            ORGANIZATION_KINDS,
            _organization_rows(year),
            registered_total,
        ),
        Detail(
            DETAIL_COMMUNITY_GROUPS,
            group_header(),
            GROUP_KINDS,
            _group_rows(year),
            filed_total,
        ),
    ]
    street_names = {s.pk: s.name for s in streets}
    by_street_orgs = Counter()
    for (street, _type, _field, _category), n in breakdown.items():
        by_street_orgs[street] += n
    category_totals = Counter()
    for (_street, category), n in group_counts.items():
        category_totals[category] += n
    charts = [
        Chart(
            _("Registered organizations by type"),
            [str(label) for label in OrgType.labels],
            [by_type[value] for value in OrgType.values],
        ),
        Chart(
            _("Registered organizations by street"),
            [street_names[s.pk] for s in streets]
            + ([NO_STREET] if by_street_orgs.get(None) else []),
            [by_street_orgs[s.pk] for s in streets]
            + ([by_street_orgs[None]] if by_street_orgs.get(None) else []),
        ),
        Chart(
            _("Filed community groups by category"),
            [c.name for c in categories],
            [category_totals[c.pk] for c in categories],
        ),
    ]
    return AppFigures(
        summary=summary, by_street=by_street, sheets=sheets, details=details, charts=charts
    )


def filed_column(category_name):
    return f"{STREET_FILED}：{category_name}"


def _by_street(streets, categories, breakdown, group_counts, populations):
    orgs = Counter()
    for (street, _type, _field, _category), n in breakdown.items():
        orgs[street] += n
    rows = {}
    places = [(s.pk, s.name) for s in streets]
    if orgs.get(None):
        places.append((None, NO_STREET))
    for pk, name in places:
        filed = sum(group_counts.get((pk, c.pk), 0) for c in categories)
        row = {STREET_ORGANIZATIONS: orgs[pk], STREET_FILED: filed}
        for category in categories:
            row[filed_column(category.name)] = group_counts.get((pk, category.pk), 0)
        residents = populations.get(pk) if pk is not None else None
        row[STREET_POPULATION] = residents
        row[STREET_PER_10K] = per_10k(orgs[pk] + filed, residents)
        rows[name] = row
    return rows


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _field_tables(breakdown):
    types = OrgType.values
    matrix = defaultdict(Counter)
    priority = defaultdict(Counter)
    for (_street, org_type, field, category), n in breakdown.items():
        matrix[field][org_type] += n
        priority[category][org_type] += n
    type_labels = [str(label) for label in OrgType.labels]
    header_tail = [*type_labels, _("Total")]
    kinds = [None, None] + [COUNT] * (len(types) + 1)
    fields = Table(
        _("Registered organizations by field of activity and type"),
        [_("Code"), _("Field of activity"), *header_tail],
        [
            [code, str(label), *(matrix[code][t] for t in types), sum(matrix[code].values())]
            for code, label in Field.choices
        ],
        kinds,
    )
    categories = Table(
        _("Priority categories"),
        [_("Priority category"), *header_tail],
        [
            [str(label), *(priority[value][t] for t in types), sum(priority[value].values())]
            for value, label in PriorityCategory.choices
        ],
        [None] + [COUNT] * (len(types) + 1),
    )
    return [fields, categories]


def _group_tables(streets, categories, group_counts, upgrade):
    by_category = Table(
        _("Filed community groups by street and category"),
        [_("Street"), *(c.name for c in categories), _("Total")],
        [
            [
                s.name,
                *(group_counts.get((s.pk, c.pk), 0) for c in categories),
                sum(group_counts.get((s.pk, c.pk), 0) for c in categories),
            ]
            for s in streets
        ],
        [None] + [COUNT] * (len(categories) + 1),
    )
    plan = Table(
        _("Capacity-upgrade plan (1+1 pairing)"),
        [_("Street"), _("Groups in the plan"), _("Paired professional organizations")],
        [[s.name, *upgrade.get(s.pk, (0, 0))] for s in streets],
        [None, COUNT, COUNT],
    )
    return [by_category, plan]


# ---------------------------------------------------------------------------------------
# Detail sheets: one row per record, streamed from a server-side cursor
# ---------------------------------------------------------------------------------------

ORGANIZATION_COLUMNS = (
    "credit_code",
    "name",
    "org_type",
    "priority_category",
    "field",
    "street__name",
    "supervisory_unit",
    "legal_representative",
    "registered_on",
    "registered_funds",
    "status",
    "status_changed_on",
    "grade",
    "party_form",
    "party_members",
    "report__result",
    "report__staff_total",
    "report__staff_bachelor_plus",
    "report__revenue",
    "report__tax_paid",
)
ORGANIZATION_KINDS = [None] * 9 + [MONEY] + [None] * 4 + [COUNT, None, COUNT, COUNT, MONEY, MONEY]


def organization_header():
    return [
        _("Unified social credit code"),
        _("Name"),
        _("Organization type"),
        _("Priority category"),
        _("Field of activity"),
        _("Street"),
        _("Business supervisory unit"),
        _("Legal representative"),
        _("Registration date"),
        _("Registered funds (yuan)"),
        _("Status"),
        _("Status changed on"),
        _("Evaluation grade"),
        _("Party organization"),
        _("Formal Party members"),
        _("Inspection result"),
        _("Staff total"),
        _("Staff with a bachelor's degree or above"),
        _("Revenue (yuan)"),
        _("Tax paid (yuan)"),
    ]


def _organization_rows(year):
    """Rows of the organizations that count, with their report on the year (if any)."""
    types = _labels(OrgType.choices)
    priorities = _labels(PriorityCategory.choices)
    fields = {value: f"{value} {label}" for value, label in Field.choices}
    statuses = _labels(OrgStatus.choices)
    party = _labels(PartyForm.choices)
    results = _labels(InspectionResult.choices)
    rows = (
        Organization.objects.filter(counted_organizations(year))
        .annotate(report=FilteredRelation("annual_reports", condition=Q(annual_reports__year=year)))
        .order_by("org_type", "name_pinyin", "id")
        .values_list(*ORGANIZATION_COLUMNS)
    )
    for row in rows.iterator(chunk_size=DETAIL_CHUNK):
        row = list(row)
        row[2] = types.get(row[2], row[2])
        row[3] = priorities.get(row[3], row[3])
        row[4] = fields.get(row[4], row[4])
        row[10] = statuses.get(row[10], row[10])
        row[13] = party.get(row[13], row[13])
        row[15] = results.get(row[15], row[15])
        yield row


GROUP_COLUMNS = (
    "filing_number",
    "name",
    "street__name",
    "community__name",
    "category__name",
    "filed_on",
    "member_count",
    "status",
    "cancelled_on",
    "upgrade_since",
    "upgrade_partner__name",
)
GROUP_KINDS = [None] * 6 + [COUNT] + [None] * 4


def group_header():
    return [
        _("Filing number"),
        _("Name"),
        _("Street"),
        _("Community"),
        _("Category"),
        _("Filing date"),
        _("Members"),
        _("Status"),
        _("Cancelled on"),
        _("In the capacity-upgrade plan since"),
        _("Paired professional organization (1+1)"),
    ]


def _group_rows(year):
    """Rows of the groups that count. Leaders' names and phones are left out: the totals
    do not need them."""
    statuses = _labels(FilingStatus.choices)
    rows = (
        CommunityGroup.objects.filter(counted_groups(year))
        .order_by("street__code", "filing_number")
        .values_list(*GROUP_COLUMNS)
    )
    for row in rows.iterator(chunk_size=DETAIL_CHUNK):
        row = list(row)
        row[7] = statuses.get(row[7], row[7])
        yield row
