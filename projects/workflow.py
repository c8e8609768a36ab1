"""The workflow of venture projects, in one place:

申报 applied -> 评审中 under review -> 立项 approved (with the awarded amount) or 未立项
rejected -> 公示 public notice (with its period) -> 实施中 in progress -> 中期评估 mid-term
evaluated -> 结项 completed; 终止 terminated at any point after approval, with a reason.
Tranches are paid from delivery on: the first once in progress, the second after a
passed mid-term evaluation, the final one on completion; a failed mid-term evaluation
blocks the later tranches.

Every transition runs in one transaction and locks the project row (SELECT ... FOR
UPDATE) before checking the state it starts from, so two staff acting at once cannot
both make the move. Approval locks the round row first: the round's awards are summed
and the new one added while no other approval of the same round can run, so two staff
approving the last projects of a round at the same moment cannot overspend its budget
(the second waits for the first to commit and then sees its award). The history
triggers record every change with the acting user. Callers check *who* may act
(``hepingorgs.access``); this module checks *whether* the project may make the move.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import (
    AWARDED_STATUSES,
    Evaluation,
    EvaluationGrade,
    EvaluationKind,
    Project,
    ProjectStatus,
    Round,
    RoundStatus,
    Tranche,
    TrancheNumber,
)

CENT = Decimal("0.01")
# Statuses from which a project may be terminated.
TERMINABLE = (
    ProjectStatus.APPROVED,
    ProjectStatus.NOTICE,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.MIDTERM,
)
# Which tranche may be paid in which status.
TRANCHE_STATUSES = {
    TrancheNumber.FIRST: (
        ProjectStatus.IN_PROGRESS,
        ProjectStatus.MIDTERM,
        ProjectStatus.COMPLETED,
    ),
    TrancheNumber.SECOND: (ProjectStatus.MIDTERM, ProjectStatus.COMPLETED),
    TrancheNumber.FINAL: (ProjectStatus.COMPLETED,),
}


class TransitionError(ValidationError):
    """A move the project's current state does not allow; the message says why."""


def _locked(project):
    return (
        Project.objects.select_for_update(of=("self",)).select_related("round").get(pk=project.pk)
    )


def _require(project, *statuses, message):
    if project.status not in statuses:
        raise TransitionError(message % {"status": project.get_status_display()})


def _save(project, fields):
    project.save(update_fields=[*fields, "status", "updated_at"])
    return project


def _reason(reason, message):
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(message)
    return reason


def money(value, label):
    """``value`` as Decimal yuan with at most two places, above zero, or a refusal."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise TransitionError(
            _("%(field)s is not an amount of money.") % {"field": label}
        ) from None
    if not amount.is_finite() or amount.quantize(CENT) != amount:
        raise TransitionError(_("%(field)s has more than two decimal places.") % {"field": label})
    if amount <= 0:
        raise TransitionError(_("%(field)s must be above zero.") % {"field": label})
    return amount.quantize(CENT)


def round_totals(round_):
    """Awarded and paid sums of ``round_``'s projects (approved or later)."""
    totals = Project.objects.filter(round=round_, status__in=AWARDED_STATUSES).aggregate(
        awarded=Sum("awarded"), paid=Sum("paid")
    )
    return totals["awarded"] or Decimal("0.00"), totals["paid"] or Decimal("0.00")


def tranche_plan(round_, awarded):
    """(number, amount) of each tranche of ``awarded`` by the round's split; the cents
    lost to rounding go to the first tranche, so the plan adds up to the award exactly."""
    amounts = [
        (number, (awarded * share / 100).quantize(CENT))
        for number, share in zip(TrancheNumber.values, round_.split, strict=True)
        if share
    ]
    rest = awarded - sum(amount for _number, amount in amounts)
    number, first = amounts[0]
    amounts[0] = (number, first + rest)
    return amounts


@transaction.atomic
def start_review(project):
    project = _locked(project)
    _require(
        project,
        ProjectStatus.APPLIED,
        message=_("Only an application can be put under review; this one is %(status)s."),
    )
    project.status = ProjectStatus.REVIEWING
    return _save(project, [])


@transaction.atomic
def approve(project, awarded, on=None):
    """Approve ``project`` with ``awarded`` yuan, within its request, the round's cap and
    what is left of the round's budget."""
    awarded = money(awarded, _("The awarded amount"))
    # The round first, then the project: every approval takes the locks in this order,
    # so two approvals of one round queue instead of deadlocking.
    round_ = Round.objects.select_for_update().get(pk=project.round_id)
    project = _locked(project)
    _require(
        project,
        ProjectStatus.REVIEWING,
        message=_("Only a project under review can be approved; this one is %(status)s."),
    )
    if round_.status != RoundStatus.REVIEWING:
        raise TransitionError(
            _("Projects are approved while their round is under review; the round is %(round)s.")
            % {"round": round_.get_status_display()}
        )
    if awarded > project.requested:
        raise TransitionError(
            _("The awarded amount %(awarded)s exceeds the requested %(requested)s yuan.")
            % {"awarded": awarded, "requested": project.requested}
        )
    if awarded > round_.cap:
        raise TransitionError(
            _("The awarded amount %(awarded)s exceeds the round's cap of %(cap)s yuan.")
            % {"awarded": awarded, "cap": round_.cap}
        )
    committed, _paid = round_totals(round_)
    remaining = round_.budget - committed
    if awarded > remaining:
        raise TransitionError(
            _(
                "The awarded amount %(awarded)s exceeds what is left of the round's budget: "
                "%(remaining)s yuan."
            )
            % {"awarded": awarded, "remaining": remaining}
        )
    project.status = ProjectStatus.APPROVED
    project.awarded = awarded
    project.decided_on = on or timezone.localdate()
    project.rejection_reason = ""
    _save(project, ["awarded", "decided_on", "rejection_reason"])
    Tranche.objects.bulk_create(
        Tranche(project=project, number=number, planned=amount)
        for number, amount in tranche_plan(round_, awarded)
    )
    return project


@transaction.atomic
def reject(project, reason, on=None):
    reason = _reason(reason, _("Say why the project is not approved."))
    project = _locked(project)
    _require(
        project,
        ProjectStatus.REVIEWING,
        message=_("Only a project under review can be rejected; this one is %(status)s."),
    )
    project.status = ProjectStatus.REJECTED
    project.rejection_reason = reason
    project.decided_on = on or timezone.localdate()
    return _save(project, ["rejection_reason", "decided_on"])


@transaction.atomic
def publish_notice(project, notice_from, notice_until):
    if not notice_from or not notice_until:
        raise TransitionError(_("The public notice needs its first and last day."))
    if notice_until < notice_from:
        raise TransitionError(_("The public notice cannot end before it begins."))
    project = _locked(project)
    _require(
        project,
        ProjectStatus.APPROVED,
        message=_("Only an approved project is put on public notice; this one is %(status)s."),
    )
    if project.decided_on and notice_from < project.decided_on:
        raise TransitionError(_("The public notice cannot begin before the approval."))
    project.status = ProjectStatus.NOTICE
    project.notice_from, project.notice_until = notice_from, notice_until
    return _save(project, ["notice_from", "notice_until"])


@transaction.atomic
def start(project, on=None):
    on = on or timezone.localdate()
    project = _locked(project)
    _require(
        project,
        ProjectStatus.NOTICE,
        message=_("Only a project whose public notice is over can start; this one is %(status)s."),
    )
    if on <= project.notice_until:
        raise TransitionError(
            _("The public notice runs until %(until)s; the project can start after it.")
            % {"until": project.notice_until}
        )
    project.status = ProjectStatus.IN_PROGRESS
    project.started_on = on
    return _save(project, ["started_on"])


def _evaluation(project, kind, on, score, grade, evaluator, summary, served):
    if grade not in EvaluationGrade.values:
        raise TransitionError(_("Choose the grade of the evaluation."))
    if not (evaluator or "").strip():
        raise TransitionError(_("Name the evaluator."))
    try:
        score = Decimal(str(score))
    except (InvalidOperation, ValueError):
        raise TransitionError(_("The score is from 0 to 100.")) from None
    if not (0 <= score <= 100):
        raise TransitionError(_("The score is from 0 to 100."))
    if served is None or int(served) < 0:
        raise TransitionError(_("Enter the number of beneficiaries actually served."))
    return Evaluation.objects.create(
        project=project,
        kind=kind,
        evaluated_on=on,
        score=score,
        grade=grade,
        evaluator=evaluator.strip(),
        summary=summary or "",
        beneficiaries_served=int(served),
    )


@transaction.atomic
def evaluate_midterm(project, *, score, grade, evaluator, served, summary="", on=None):
    on = on or timezone.localdate()
    project = _locked(project)
    _require(
        project,
        ProjectStatus.IN_PROGRESS,
        message=_("Only a project in progress gets a mid-term evaluation; this one is %(status)s."),
    )
    if on < project.started_on:
        raise TransitionError(_("The evaluation cannot be before the project started."))
    _evaluation(project, EvaluationKind.MIDTERM, on, score, grade, evaluator, summary, served)
    project.status = ProjectStatus.MIDTERM
    return _save(project, [])


@transaction.atomic
def complete(project, *, score, grade, evaluator, served, summary="", on=None):
    """Close the project with its final evaluation (结项)."""
    on = on or timezone.localdate()
    project = _locked(project)
    _require(
        project,
        ProjectStatus.MIDTERM,
        message=_(
            "Only a project with its mid-term evaluation can be completed; this one is %(status)s."
        ),
    )
    midterm = project.evaluations.get(kind=EvaluationKind.MIDTERM)
    if on < midterm.evaluated_on:
        raise TransitionError(_("The final evaluation cannot be before the mid-term one."))
    _evaluation(project, EvaluationKind.FINAL, on, score, grade, evaluator, summary, served)
    project.status = ProjectStatus.COMPLETED
    project.completed_on = on
    return _save(project, ["completed_on"])


@transaction.atomic
def terminate(project, reason, on=None):
    reason = _reason(reason, _("A termination needs its reason."))
    on = on or timezone.localdate()
    project = _locked(project)
    _require(
        project,
        *TERMINABLE,
        message=_(
            "Only an approved project not yet completed can be terminated; this one is %(status)s."
        ),
    )
    if project.decided_on and on < project.decided_on:
        raise TransitionError(_("The termination cannot be before the approval."))
    project.status = ProjectStatus.TERMINATED
    project.terminated_on = on
    project.termination_reason = reason
    return _save(project, ["terminated_on", "termination_reason"])


def failed_midterm(project):
    return project.evaluations.filter(
        kind=EvaluationKind.MIDTERM, grade=EvaluationGrade.FAIL
    ).exists()


@transaction.atomic
def pay_next_tranche(project, on=None):
    """Pay the project's next unpaid tranche in full, if its stage allows it."""
    on = on or timezone.localdate()
    project = _locked(project)
    tranche = project.tranches.filter(paid__isnull=True).order_by("number").first()
    if tranche is None:
        raise TransitionError(_("Every tranche of this project has been paid."))
    label = tranche.get_number_display()
    if project.status == ProjectStatus.TERMINATED:
        raise TransitionError(_("The project was terminated: no further tranche is paid."))
    if tranche.number > TrancheNumber.FIRST and failed_midterm(project):
        raise TransitionError(
            _("The mid-term evaluation failed: the %(tranche)s and later ones are blocked.")
            % {"tranche": label}
        )
    if project.status not in TRANCHE_STATUSES[tranche.number]:
        raise TransitionError(
            _("The %(tranche)s cannot be paid while the project is %(status)s.")
            % {"tranche": label, "status": project.get_status_display()}
        )
    if project.started_on and on < project.started_on:
        raise TransitionError(_("A payment cannot be dated before the project started."))
    tranche.paid, tranche.paid_on = tranche.planned, on
    tranche.save(update_fields=["paid", "paid_on"])
    project.paid += tranche.planned
    project.save(update_fields=["paid", "updated_at"])
    return project


def default_award(project):
    """What the approval form proposes: the request, at most the round's cap."""
    return min(project.requested, project.round.cap)
