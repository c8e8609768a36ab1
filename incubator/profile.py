"""The incubation history shown on a registered organization's public profile
(``hepingorgs.extensions.hooks.profile_sections``). Public data only: the mode, intake
year and batch, dates and outcome; never contacts, mentors or notes."""

from django.db.models import Q
from django.utils.translation import gettext as _

from hepingorgs.extensions import ProfileSection
from incubator.models import Residency

ORDER = 40


def _day(value):
    return value.isoformat() if value else "—"


def incubation_history(organization):
    """The organization's residencies, and those of the filed group it grew from."""
    residencies = Residency.objects.filter(
        Q(organization=organization) | Q(community_group__registered_as=organization)
    ).order_by("started_on", "id")
    rows = [
        [
            r.get_mode_display(),
            str(r.intake_year),
            str(r.batch),
            _day(r.started_on),
            _day(r.ended_on),
            r.get_outcome_display(),
        ]
        for r in residencies
    ]
    if not rows:
        return None
    return ProfileSection(
        title=_("Incubation centre"),
        header=[
            _("mode"),
            _("intake year"),
            _("batch"),
            _("start date"),
            _("end date"),
            _("outcome"),
        ],
        rows=rows,
        order=ORDER,
    )
