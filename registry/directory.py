"""What the public directory shows of the registry: the rows and, for the public lists,
only the columns they need. The HTML pages (``registry.views.directory``), the API
(``registry.api``) and the downloads read these, so they can never show more than
each other.

Community groups are public once filed (and stay listed, marked, when cancelled);
drafts, submitted and returned filings are internal. Registered organizations are all
public, whatever their status, as on the national platform.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hepingorgs.kept import Kept
from registry.models import (
    NUMBERED_STATUSES,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    FilingStatus,
    Organization,
    PartyForm,
)

# Statuses of community groups the public sees (both carry a filing number).
PUBLIC_GROUP_STATUSES = NUMBERED_STATUSES
PUBLIC_GROUP_STATUS_CHOICES = [
    (value, label) for value, label in FilingStatus.choices if value in PUBLIC_GROUP_STATUSES
]
PARTY_ORGANIZATION_FORMS = (PartyForm.SINGLE, PartyForm.JOINT)

ORGANIZATION_COLUMNS = (
    "name",
    "name_pinyin",
    "credit_code",
    "org_type",
    "priority_category",
    "field",
    "registration_authority",
    "supervisory_unit",
    "legal_representative",
    "registered_funds",
    "domicile",
    "business_scope",
    "registered_on",
    "status",
    "status_changed_on",
    "status_reason",
    "grade",
    "grade_awarded_on",
    "grade_expires_on",
    "party_form",
    "updated_at",
    "street__name",
    "street__code",
)
GROUP_COLUMNS = (
    "name",
    "name_pinyin",
    "filing_number",
    "filed_on",
    "status",
    "cancelled_on",
    "updated_at",
    "street__name",
    "street__code",
    "community__name",
    "category__name",
    "category__code",
)


class CreditStatus(models.TextChoices):
    NONE = "none", _("not on a credit list")
    ABNORMAL = "abnormal", _("abnormal-activity list")
    SERIOUS = "serious", _("serious violation and dishonesty list")


def current_listings(*kinds):
    """Listings of these kinds in force today: decided, and not removed (a removal dated
    later is not in force yet)."""
    today = timezone.localdate()
    return CreditRecord.objects.filter(kind__in=kinds, decided_on__lte=today).exclude(
        removed_on__lte=today
    )


def on_credit_list():
    """Condition: the organization is on the abnormal-activity or serious list today.

    Among the organizations ever listed (``Organization.ever_credit_listed``, which the
    database keeps), so that an index finds the few that may be (by street:
    ``organization_listed_street``): meeting a street's 166,000 organizations with
    10,000 listings took 35-50 ms at a million organizations. Negated, it is true of
    every organization never listed, as it should be."""
    return Q(ever_credit_listed__implied=True) & _listed_now()


def off_credit_list():
    """Condition: the organization is on neither list today (``on_credit_list``
    negated), as ``NOT EXISTS`` alone, which PostgreSQL plans as an anti join: a probe
    of the listings' index for each row the other filters leave. Negated with the mark
    (``NOT (mark AND EXISTS ...)``), it was a subquery the planner charged to every row
    before any filter, and it then preferred intersecting long index lists to testing
    few rows: nine filters at once read 17,830 entries of the filters' GIN index to
    leave 1 of the 1,504 rows of a grade in force (14-19 ms), where reading those rows
    takes 4 ms (EXPLAIN ANALYZE at a million organizations, docs/benchmarks.md)."""
    return ~_listed_now()


def _listed_now():
    """Condition: a listing of the organization's on either list is in force today."""
    return Exists(
        current_listings(CreditKind.ABNORMAL, CreditKind.SERIOUS).filter(
            organization=OuterRef("pk")
        )
    )


def public_organizations():
    """Registered organizations with what the public lists show (one query per page).

    Built once a day and copied for each caller (as a view's class-level ``queryset``
    is): making the two credit-list subqueries anew was 2.8 of the 45 ms an API search
    took at a million organizations (bench/directory.py). Each copy is the caller's to
    filter and evaluate; the one kept is never evaluated."""
    today = timezone.localdate()
    return _public_organizations.get(today, DAY_SECONDS, _public_organizations_on).all()


DAY_SECONDS = 24 * 60 * 60
# {date: the queryset of public_organizations() on that day}, today's alone.
_public_organizations = Kept(limit=1)


def _public_organizations_on():
    listed = {
        kind: Exists(current_listings(kind).filter(organization=OuterRef("pk")))
        for kind in (CreditKind.SERIOUS, CreditKind.ABNORMAL)
    }
    return (
        Organization.objects.select_related("street")
        .only(*ORGANIZATION_COLUMNS)
        .annotate(
            on_serious_list=listed[CreditKind.SERIOUS],
            on_abnormal_list=listed[CreditKind.ABNORMAL],
        )
    )


def public_groups():
    return (
        CommunityGroup.objects.filter(status__in=PUBLIC_GROUP_STATUSES)
        .select_related("street", "community", "category")
        .only(*GROUP_COLUMNS)
    )


def credit_status(organization):
    """``serious``, ``abnormal`` or ``none``: the worst list the organization is on."""
    if getattr(organization, "on_serious_list", False):
        return CreditStatus.SERIOUS
    if getattr(organization, "on_abnormal_list", False):
        return CreditStatus.ABNORMAL
    return CreditStatus.NONE


def grade_in_force(organization, today=None):
    """The evaluation grade if it has not expired, else ''."""
    today = today or timezone.localdate()
    if organization.grade and (
        organization.grade_expires_on is None or organization.grade_expires_on >= today
    ):
        return organization.grade
    return ""
