"""The incubation centre's figures for the annual workbook, as of 31 December
(``hepingorgs.figures``), and the queries the dashboard shares with them.

A residency counts on a day if it started on or before it and has not ended by then (an
actual end on 31 December means it left that day). The intake of a year is every
residency of that intake year, introduced or grown locally. A 1+1 pairing is read from
the registry (``CommunityGroup.upgrade_partner`` and ``upgrade_since``, the one source
of truth): active on a day if the group joined the plan by then and was filed then.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from hepingorgs.figures import COUNT, DECIMAL1, AppFigures, Chart, Indicator, Table
from incubator.models import (
    Mentor,
    MentoringSession,
    Mode,
    Origin,
    Outcome,
    Residency,
    ServiceOutput,
    Training,
    current_on,
    with_names,
)
from registry.models import CommunityGroup, FilingStatus

GRADUATED = (Outcome.REGISTERED, Outcome.FILED)
ENDED_OUTCOMES = (Outcome.REGISTERED, Outcome.FILED, Outcome.WITHDRAWN)


def residents_by_mode(day):
    """{mode: residencies under way on ``day``}, every mode present."""
    found = dict(
        current_on(Residency.objects.all(), day)
        .values_list("mode")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {mode: found.get(mode, 0) for mode in Mode.values}


def active_pairings(day):
    """Community groups in a 1+1 pairing on ``day``: in the plan by then, filed then."""
    return CommunityGroup.objects.filter(
        upgrade_partner__isnull=False, upgrade_since__lte=day, filed_on__lte=day
    ).filter(Q(status=FilingStatus.FILED) | Q(status=FilingStatus.CANCELLED, cancelled_on__gt=day))


def pairings_by_partner(day):
    """[(partner organization name, paired groups)], most groups first."""
    return list(
        active_pairings(day)
        .values_list("upgrade_partner__name")
        .annotate(n=Count("id"))
        .order_by("-n", "upgrade_partner__name")
    )


def mentor_hours(sessions, periods):
    """[(mentor, {period: (sessions, hours)})] for ``sessions``; ``periods`` maps a name
    to a Q on the session. Two queries whatever the number of mentors."""
    annotations = {}
    for name, condition in periods.items():
        annotations[f"{name}_n"] = Count("id", filter=condition)
        annotations[f"{name}_h"] = Sum("hours", filter=condition)
    rows = list(sessions.values("mentor").annotate(**annotations).order_by())
    mentors = Mentor.objects.select_related("organization").in_bulk([r["mentor"] for r in rows])
    result = [
        (
            mentors[row["mentor"]],
            {name: (row[f"{name}_n"], row[f"{name}_h"] or Decimal(0)) for name in periods},
        )
        for row in rows
    ]
    return sorted(result, key=lambda item: (-max(h for _n, h in item[1].values()), str(item[0])))


def residency_hours(attendance, periods):
    """[(residency, {period: (sessions, hours)})] from ``SessionResidency`` rows."""
    annotations = {}
    for name, condition in periods.items():
        annotations[f"{name}_n"] = Count("id", filter=condition)
        annotations[f"{name}_h"] = Sum("session__hours", filter=condition)
    rows = list(attendance.values("residency").annotate(**annotations).order_by())
    residencies = with_names(Residency.objects.all()).in_bulk([r["residency"] for r in rows])
    result = [
        (
            residencies[row["residency"]],
            {name: (row[f"{name}_n"], row[f"{name}_h"] or Decimal(0)) for name in periods},
        )
        for row in rows
    ]
    return sorted(result, key=lambda item: (-max(h for _n, h in item[1].values()), str(item[0])))


def graduates_mentoring(year):
    """(residencies graduated in ``year``, mentoring hours they received over their whole
    residency): "how many hours of mentoring did last year's graduates receive"."""
    totals = Residency.objects.filter(outcome__in=GRADUATED, outcome_on__year=year).aggregate(
        n=Count("id", distinct=True), hours=Sum("session_attendance__session__hours")
    )
    return totals["n"], totals["hours"] or Decimal(0)


def trainings_between(start, end):
    return (
        Training.objects.filter(date__gte=start, date__lte=end)
        .annotate(n_residencies=Count("attendance"), n_attendees=Sum("attendance__attendees"))
        .order_by("date", "id")
    )


def annual(year):
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    residents = residents_by_mode(end)
    intake = Residency.objects.filter(intake_year=year)
    intake_counts = {
        (origin, mode): n
        for origin, mode, n in intake.values_list("origin", "mode")
        .annotate(n=Count("id"))
        .order_by()
    }
    graduated = dict(
        Residency.objects.filter(
            outcome__in=ENDED_OUTCOMES, outcome_on__gte=start, outcome_on__lte=end
        )
        .values_list("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    sessions = MentoringSession.objects.filter(date__gte=start, date__lte=end)
    mentors = mentor_hours(sessions, {"year": Q()})
    trainings = list(trainings_between(start, end))
    pairings = pairings_by_partner(end)
    outputs = (
        ServiceOutput.objects.filter(period_end__gte=start, period_end__lte=end)
        .select_related("residency__organization", "residency__community_group")
        .order_by("period_end", "id")
    )
    modes = dict(Mode.choices)

    summary = [
        Indicator("孵化中心入驻组织", residents[Mode.IN_SHELL]),
        Indicator("壳外指导组织", residents[Mode.OUT_OF_SHELL]),
        Indicator("当年引进孵化组织", sum(intake_counts.values())),
    ]
    tables = [
        Table(
            _("Residents at 31 December by mode"),
            [_("mode"), _("residents")],
            [[str(label), residents[mode]] for mode, label in Mode.choices],
            [None, COUNT],
        ),
        Table(
            _("Intake of the year by origin"),
            [_("origin"), str(modes[Mode.IN_SHELL]), str(modes[Mode.OUT_OF_SHELL]), _("total")],
            [
                [
                    str(label),
                    intake_counts.get((origin, Mode.IN_SHELL), 0),
                    intake_counts.get((origin, Mode.OUT_OF_SHELL), 0),
                    intake_counts.get((origin, Mode.IN_SHELL), 0)
                    + intake_counts.get((origin, Mode.OUT_OF_SHELL), 0),
                ]
                for origin, label in Origin.choices
            ],
            [None, COUNT, COUNT, COUNT],
        ),
        Table(
            _("Residencies ended in the year by outcome"),
            [_("outcome"), _("residencies")],
            [[str(dict(Outcome.choices)[o]), graduated.get(o, 0)] for o in ENDED_OUTCOMES],
            [None, COUNT],
        ),
        Table(
            _("Mentoring hours by mentor"),
            [_("mentor"), _("number of sessions"), _("hours")],
            [[str(mentor), p["year"][0], p["year"][1]] for mentor, p in mentors],
            [None, COUNT, DECIMAL1],
        ),
        Table(
            _("Trainings and attendance"),
            [_("date"), _("title"), _("trainer"), _("residencies"), _("people attending")],
            [
                [t.date.isoformat(), t.title, t.trainer, t.n_residencies, t.n_attendees or 0]
                for t in trainings
            ],
            [None, None, None, COUNT, COUNT],
        ),
        Table(
            _("Active 1+1 pairings at 31 December by partner organization"),
            [_("partner organization"), _("paired community groups")],
            [[name, n] for name, n in pairings],
            [None, COUNT],
        ),
        Table(
            _("Service outputs of residents"),
            [
                _("residency"),
                _("service"),
                _("period"),
                _("people served"),
                _("services given"),
                _("households benefiting"),
            ],
            [
                [
                    o.residency.display_name,
                    o.service,
                    f"{o.period_start.isoformat()}–{o.period_end.isoformat()}",
                    o.people_served,
                    o.services_given,
                    o.households,
                ]
                for o in outputs
            ],
            [None, None, None, COUNT, COUNT, COUNT],
        ),
    ]
    charts = [
        Chart(
            _("Incubation centre residents at 31 December"),
            [str(label) for _mode, label in Mode.choices],
            [residents[mode] for mode in Mode.values],
        )
    ]
    return AppFigures(summary=summary, sheets={"孵化中心": tables}, charts=charts)
