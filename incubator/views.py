"""The centre's dashboard at /incubator/.

Who may use it: incubation-centre staff and district staff (``access.can_use_incubator``).
Anonymous visitors get the login page, everybody else 403. It reads as of today, or as of
the day in ``?day=YYYY-MM-DD`` (e.g. 2016-12-31 for the report's year). Phone-friendly
HTML, no JavaScript; a fixed number of queries whatever the amount of data.
"""

import datetime
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from hepingorgs import access
from incubator import stats
from incubator.models import (
    MentoringSession,
    Mode,
    Outcome,
    Plan,
    Residency,
    ServiceOutput,
    SessionResidency,
    Space,
    TrainingAttendance,
    occupancy,
    with_names,
)

ENDING_SOON_DAYS = 60
TOP_PARTNERS = 10


def incubator_user_required(view):
    """Incubation-centre staff and district staff."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_use_incubator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class DayForm(forms.Form):
    day = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def month_start(day):
    return day.replace(day=1)


def next_month_start(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _holder_on(holders, day):
    for residency, start, end in holders:
        if start <= day and (end is None or day < end):
            return residency
    return None


def _space_rows(day):
    """Each space in use: who holds it today, and who holds it during next month."""
    following = next_month_start(day)
    after = next_month_start(following)
    spaces = list(Space.objects.filter(is_active=True).order_by("name"))
    window = (
        with_names(Residency.objects.filter(mode=Mode.IN_SHELL, space__isnull=False))
        .annotate(held=occupancy())
        .filter(held__overlap=DateRange(day, after, "[)"))
    )
    holders = {}
    for residency in window:
        end = residency.ended_on or residency.planned_end_on
        holders.setdefault(residency.space_id, []).append((residency, residency.started_on, end))
    rows = []
    for space in spaces:
        held = holders.get(space.pk, [])
        today = _holder_on(held, day)
        next_month = [
            r for r, start, end in held if start < after and (end is None or end > following)
        ]
        rows.append({"space": space, "today": today, "next_month": next_month})
    return rows, following


def _outcomes_by_intake_year():
    counts = {}
    for year, outcome, n in (
        Residency.objects.values_list("intake_year", "outcome").annotate(n=Count("id")).order_by()
    ):
        counts.setdefault(year, {})[outcome] = n
    return [
        (
            year,
            [(label, counts[year].get(o, 0)) for o, label in Outcome.choices],
            sum(counts[year].values()),
        )
        for year in sorted(counts, reverse=True)
    ]


def _plan_progress(day):
    """The plan whose period holds ``day`` (else the latest begun), and its progress."""
    plan = (
        Plan.objects.filter(starts_on__lte=day).order_by("-starts_on").first()
        or Plan.objects.order_by("starts_on").first()
    )
    if plan is None:
        return None
    until = min(day, plan.ends_on)
    cultivated = Residency.objects.filter(
        outcome__in=stats.GRADUATED, outcome_on__gte=plan.starts_on, outcome_on__lte=until
    ).count()
    trained = (
        TrainingAttendance.objects.filter(
            training__date__gte=plan.starts_on, training__date__lte=until
        ).aggregate(n=Sum("attendees"))["n"]
        or 0
    )
    households = (
        ServiceOutput.objects.filter(
            period_end__gte=plan.starts_on, period_end__lte=until
        ).aggregate(n=Sum("households"))["n"]
        or 0
    )
    lines = [
        (_("public-benefit organizations cultivated"), cultivated, plan.target_organizations),
        (_("professionals trained"), trained, plan.target_trained),
        (_("households benefiting"), households, plan.target_households),
    ]
    return {
        "plan": plan,
        "lines": [
            (label, done, target, min(100, round(100 * done / target)) if target else 100)
            for label, done, target in lines
        ],
    }


@require_safe
@incubator_user_required
def dashboard(request):
    form = DayForm(request.GET or None)
    day = timezone.localdate()
    if form.is_valid() and form.cleaned_data["day"]:
        day = form.cleaned_data["day"]
    year_start, this_month = day.replace(month=1, day=1), month_start(day)
    periods = {"month": Q(date__gte=this_month), "year": Q()}
    sessions = MentoringSession.objects.filter(date__gte=year_start, date__lte=day)
    attendance = SessionResidency.objects.filter(
        session__date__gte=year_start, session__date__lte=day
    )
    residency_periods = {"month": Q(session__date__gte=this_month), "year": Q()}
    space_rows, following = _space_rows(day)
    partners = stats.pairings_by_partner(day)
    trainings = list(stats.trainings_between(year_start, day))
    residents = stats.residents_by_mode(day)
    graduates, graduate_hours = stats.graduates_mentoring(day.year - 1)
    context = {
        "form": form,
        "day": day,
        "next_month": following,
        "residents": [(label, residents[mode]) for mode, label in Mode.choices],
        "residents_total": sum(residents.values()),
        "space_rows": space_rows,
        "spaces_free_today": sum(1 for row in space_rows if row["today"] is None),
        "spaces_free_next_month": sum(1 for row in space_rows if not row["next_month"]),
        "ending_soon": with_names(
            Residency.objects.filter(
                ended_on__isnull=True,
                planned_end_on__gte=day,
                planned_end_on__lte=day + datetime.timedelta(days=ENDING_SOON_DAYS),
            ).select_related("space")
        ).order_by("planned_end_on", "id"),
        "ending_soon_days": ENDING_SOON_DAYS,
        "mentor_hours": stats.mentor_hours(sessions, periods),
        "residency_hours": stats.residency_hours(attendance, residency_periods),
        "outcome_labels": [label for _value, label in Outcome.choices],
        "outcomes_by_year": _outcomes_by_intake_year(),
        "trainings": trainings,
        "training_attendees": sum(t.n_attendees or 0 for t in trainings),
        "progress": _plan_progress(day),
        "last_year": day.year - 1,
        "graduates": graduates,
        "graduate_hours": graduate_hours,
        "pairings": sum(n for _name, n in partners),
        "top_partners": partners[:TOP_PARTNERS],
    }
    return render(request, "incubator/dashboard.html", context)
