"""The venture projects' and service purchases' figures for the annual workbook and the
public ``/stats/`` page (``hepingorgs.figures``).

A year's venture figures are those of the rounds of that year (a 2016 round's projects
count for 2016 even when delivered into 2017); contracts count in the year they were
signed. Definitions:

- applications: every project of the year's rounds, whatever its status;
- approved: approved or later (public notice, in progress, evaluated, completed, and
  terminated ones, which did receive an award), never rejected;
- awarded and paid: sums over the approved projects; outstanding: awarded minus paid of
  the approved projects not terminated (a terminated project is paid nothing more);
- beneficiaries planned: the approved projects' targets; served: from the final
  evaluation, else the mid-term one, else 0;
- by street: a project serving several streets counts, with its whole award, in each of
  them, so the street rows add up to more than the district's total.
"""

from collections import defaultdict
from decimal import Decimal

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from hepingorgs.figures import COUNT, MONEY, AppFigures, Chart, Detail, Indicator, Table
from projects.models import (
    AWARDED_STATUSES,
    Evaluation,
    EvaluationGrade,
    EvaluationKind,
    Project,
    ProjectField,
    ProjectStatus,
    ServiceContract,
)
from registry.models import Street

PROJECTS = "公益创投项目数"
AWARDED = "公益创投资助金额(元)"
CONTRACTS = "政府购买服务金额(元)"
STREET_PROJECTS = "公益创投项目"
SHEET = "公益创投"
DETAIL = "公益创投项目"
ZERO = Decimal("0.00")


def _served():
    def of(kind):
        return Subquery(
            Evaluation.objects.filter(project=OuterRef("pk"), kind=kind).values(
                "beneficiaries_served"
            )[:1]
        )

    return Coalesce(of(EvaluationKind.FINAL), of(EvaluationKind.MIDTERM), 0)


class _Totals:
    """One row of a breakdown: applications, approved, money and beneficiaries."""

    def __init__(self):
        self.applications = 0
        self.approved = 0
        self.awarded = ZERO
        self.paid = ZERO
        self.outstanding = ZERO
        self.planned = 0
        self.served = 0

    def add(self, project):
        self.applications += 1
        if project["status"] not in AWARDED_STATUSES:
            return
        self.approved += 1
        self.awarded += project["awarded"]
        self.paid += project["paid"]
        if project["status"] != ProjectStatus.TERMINATED:
            self.outstanding += project["awarded"] - project["paid"]
        self.planned += project["target_beneficiaries"]
        self.served += project["served"]

    def row(self, label):
        return [
            label,
            self.applications,
            self.approved,
            self.awarded,
            self.paid,
            self.outstanding,
            self.planned,
            self.served,
        ]


def _breakdown_header(first):
    return [
        first,
        _("applications"),
        _("approved"),
        _("awarded (yuan)"),
        _("paid (yuan)"),
        _("outstanding (yuan)"),
        _("beneficiaries planned"),
        _("beneficiaries served"),
    ]


BREAKDOWN_KINDS = [None, COUNT, COUNT, MONEY, MONEY, MONEY, COUNT, COUNT]


def _projects(year):
    return Project.objects.filter(round__year=year)


def annual(year):
    projects = list(
        _projects(year)
        .annotate(served=_served())
        .values("pk", "field", "status", "awarded", "paid", "target_beneficiaries", "served")
    )
    streets = list(Street.objects.order_by("code"))
    streets_of = defaultdict(list)
    for project_id, street_id in Project.streets.through.objects.filter(
        project__round__year=year
    ).values_list("project_id", "street_id"):
        streets_of[project_id].append(street_id)

    total = _Totals()
    by_field = {value: _Totals() for value in ProjectField.values}
    by_street = {street.pk: _Totals() for street in streets}
    for project in projects:
        total.add(project)
        by_field[project["field"]].add(project)
        for street_id in streets_of[project["pk"]]:
            by_street[street_id].add(project)

    contracts = list(
        ServiceContract.objects.filter(signed_on__year=year)
        .select_related("provider", "street")
        .order_by("signed_on", "pk")
    )
    contracted = sum((c.amount for c in contracts), ZERO)

    summary = [
        Indicator(PROJECTS, total.approved, COUNT),
        Indicator(AWARDED, total.awarded, MONEY),
        Indicator(CONTRACTS, contracted, MONEY),
    ]
    street_columns = {
        street.name: {
            STREET_PROJECTS: by_street[street.pk].approved,
            AWARDED: by_street[street.pk].awarded,
        }
        for street in streets
    }
    field_table = Table(
        title=_("Venture projects by field"),
        header=_breakdown_header(_("service field")),
        rows=[by_field[value].row(str(label)) for value, label in ProjectField.choices],
        kinds=BREAKDOWN_KINDS,
    )
    street_table = Table(
        title=_("Venture projects by street (a project serving several streets counts in each)"),
        header=_breakdown_header(_("street")),
        rows=[by_street[street.pk].row(street.name) for street in streets],
        kinds=BREAKDOWN_KINDS,
        totals=False,
    )
    return AppFigures(
        summary=summary,
        by_street=street_columns,
        sheets={
            SHEET: [field_table, street_table, _grades_table(year), _contracts_table(contracts)]
        },
        details=[_detail(year, len(projects))],
        charts=[
            Chart(
                title=_("venture money by field"),
                labels=[str(label) for _value, label in ProjectField.choices],
                values=[by_field[value].awarded for value in ProjectField.values],
                kind=MONEY,
            )
        ],
    )


def _grades_table(year):
    counts = defaultdict(int)
    for kind, grade in Evaluation.objects.filter(project__round__year=year).values_list(
        "kind", "grade"
    ):
        counts[kind, grade] += 1
    return Table(
        title=_("Evaluations by grade"),
        header=[_("grade"), _("mid-term evaluations"), _("final evaluations")],
        rows=[
            [str(label), counts[EvaluationKind.MIDTERM, value], counts[EvaluationKind.FINAL, value]]
            for value, label in EvaluationGrade.choices
        ],
        kinds=[None, COUNT, COUNT],
    )


def _contracts_table(contracts):
    return Table(
        title=_("Purchase-of-service contracts signed in the year"),
        header=[
            _("purchasing department"),
            _("provider organization"),
            _("subject"),
            _("street served"),
            _("signed on"),
            _("status"),
            _("amount (yuan)"),
        ],
        rows=[
            [
                c.department,
                c.provider.name,
                c.subject,
                c.street.name if c.street else _("whole district"),
                c.signed_on.isoformat(),
                str(c.get_status_display()),
                c.amount,
            ]
            for c in contracts
        ],
        kinds=[None, None, None, None, None, None, MONEY],
    )


DETAIL_COLUMNS = (
    "round__name",
    "title",
    "applicant_organization__name",
    "applicant_organization__credit_code",
    "applicant_group__name",
    "applicant_group__filing_number",
    "host__name",
    "field",
    "street_names",
    "status",
    "requested",
    "awarded",
    "paid",
    "target_beneficiaries",
    "served",
)


def _detail(year, count):
    header = [
        _("round"),
        _("title"),
        _("applicant"),
        _("credit code or filing number"),
        _("host organization"),
        _("service field"),
        _("streets served"),
        _("status"),
        _("requested (yuan)"),
        _("awarded (yuan)"),
        _("paid (yuan)"),
        _("beneficiaries planned"),
        _("beneficiaries served"),
    ]
    kinds = [None] * 8 + [MONEY, MONEY, MONEY, COUNT, COUNT]
    return Detail(DETAIL, header, kinds, _detail_rows(year), count)


def _detail_rows(year):
    fields = dict(ProjectField.choices)
    statuses = dict(ProjectStatus.choices)
    rows = (
        _projects(year)
        .annotate(
            served=_served(),
            street_names=StringAgg("streets__name", delimiter="、", order_by="streets__code"),
        )
        .order_by("field", "title", "pk")
        .values_list(*DETAIL_COLUMNS)
    )
    for (
        round_name,
        title,
        org_name,
        credit_code,
        group_name,
        filing_number,
        host_name,
        field,
        street_names,
        status,
        requested,
        awarded,
        paid,
        planned,
        served,
    ) in rows.iterator(chunk_size=500):
        yield [
            round_name,
            title,
            org_name or group_name,
            credit_code or filing_number or "",
            host_name or "",
            str(fields.get(field, field)),
            street_names or "",
            str(statuses.get(status, status)),
            requested,
            awarded if awarded is not None else ZERO,
            paid,
            planned,
            served,
        ]
