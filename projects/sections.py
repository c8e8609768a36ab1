"""What the projects app adds to an organization's pages and to the public directory's
filters, through ``hepingorgs.extensions`` (registered in ``ProjectsConfig.ready``): the
registry renders these without importing this app.

- the public profile: venture projects the organization ran or hosted (public data:
  year, title, field, awarded and paid amounts, evaluation grade);
- the staff admin page: the same, with every status, plus purchase-of-service contracts
  and the money received;
- the directory filter "received venture funding": an award, approved or later, not
  rejected (a terminated project did receive money).
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hepingorgs.extensions import OrganizationFilter, ProfileSection
from projects.models import AWARDED_STATUSES, Project, ServiceContract, with_grade
from projects.templatetags.money import yuan


def _projects_of(organization):
    return with_grade(
        Project.objects.filter(
            Q(applicant_organization=organization) | Q(host=organization)
        ).select_related("round", "applicant_organization", "applicant_group")
    ).order_by("-round__year", "title")


def _role(project, organization):
    if project.applicant_organization_id == organization.pk:
        return _("applicant")
    return _("host of %(group)s") % {"group": project.applicant_group.name}


def _grade_label(project):
    return project.get_grade_display() or "—"


def profile_section(organization):
    """Public: the venture projects ``organization`` ran or hosted, approved or later."""
    projects = list(_projects_of(organization).filter(status__in=AWARDED_STATUSES))
    if not projects:
        return None
    rows = [
        [
            p.round.year,
            p.title,
            _role(p, organization),
            p.get_field_display(),
            yuan(p.awarded),
            yuan(p.paid),
            _grade_label(p),
        ]
        for p in projects
    ]
    awarded = sum(p.awarded for p in projects)
    paid = sum(p.paid for p in projects)
    return ProfileSection(
        title=_("Public-benefit venture projects"),
        header=[
            _("year"),
            _("title"),
            _("role"),
            _("service field"),
            _("awarded (yuan)"),
            _("paid (yuan)"),
            _("evaluation grade"),
        ],
        rows=rows,
        note=_("%(n)d projects, awarded %(awarded)s yuan, paid %(paid)s yuan.")
        % {"n": len(projects), "awarded": yuan(awarded), "paid": yuan(paid)},
        order=50,
    )


def admin_section(organization):
    """Internal: every project the organization applied for or hosted, any status, and
    its purchase-of-service contracts, with the money received."""
    projects = list(_projects_of(organization))
    contracts = list(ServiceContract.objects.filter(provider=organization))
    if not projects and not contracts:
        return None
    rows = [
        [
            p.round.year,
            p.title,
            _role(p, organization),
            p.get_status_display(),
            yuan(p.requested),
            yuan(p.awarded) if p.awarded is not None else "—",
            yuan(p.paid),
            _grade_label(p),
        ]
        for p in projects
    ]
    rows += [
        [
            c.signed_on.year,
            c.subject,
            _("purchase of service from %(department)s") % {"department": c.department},
            c.get_status_display(),
            "—",
            yuan(c.amount),
            "—",
            "—",
        ]
        for c in contracts
    ]
    paid = sum(p.paid for p in projects)
    contracted = sum(c.amount for c in contracts)
    return ProfileSection(
        title=_("Venture projects and purchase-of-service contracts"),
        header=[
            _("year"),
            _("title"),
            _("role"),
            _("status"),
            _("requested (yuan)"),
            _("awarded or contracted (yuan)"),
            _("paid (yuan)"),
            _("evaluation grade"),
        ],
        rows=rows,
        note=_(
            "Venture tranches received: %(paid)s yuan; purchase-of-service contracts: "
            "%(contracted)s yuan."
        )
        % {"paid": yuan(paid), "contracted": yuan(contracted)},
        order=50,
    )


def funded_condition():
    """Organizations that applied for or hosted a project approved or later.

    The funded organizations' keys as one set (a UNION), which PostgreSQL joins from
    the few projects' side; an ``EXISTS`` with ``applicant = org OR host = org`` was
    tested against every organization (0.6 s at a million). No NULL in the set, so
    that its negation (``NOT IN``) keeps the organizations without a project."""
    funded = Project.objects.filter(status__in=AWARDED_STATUSES).order_by()
    applicants = funded.filter(applicant_organization__isnull=False).values(
        "applicant_organization"
    )
    hosts = funded.filter(host__isnull=False).values("host")
    return Q(pk__in=applicants.union(hosts))


def apply_venture_funded(queryset, value):
    condition = funded_condition()
    return queryset.filter(condition if value else ~condition)


venture_funded = OrganizationFilter(
    label=gettext_lazy("received venture funding"), apply=apply_venture_funded
)
