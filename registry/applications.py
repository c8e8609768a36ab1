"""Registration matters (登记事项): establishment, change and deregistration applications.

received -> accepted (documents complete) or correction requested (the clock stops);
the correction arrives -> received again (the clock restarts from that day); accepted ->
under review -> approved or refused. An open application may be withdrawn.

As in ``registry.filings``, every transition locks the row (SELECT ... FOR UPDATE),
checks the state it starts from and is recorded by the history triggers with the acting
user (request middleware, or ``hepingorgs.history.acting_as``). Two staff deciding the
same application at once: the second waits for the first one's lock, then finds the
application decided and gets a message saying so. Callers check *who* may act
(``hepingorgs.access``); this module checks *whether* the application may make the move.

Approval applies the application to the register in the same transaction: an
establishment creates the organization with a new credit code, a change writes exactly
the listed items, a deregistration sets the status, date and reason; a notice is
published (``registry.notices``). Refusing or withdrawing changes nothing in the register.

Deadlines (``decision_deadline``, ``late_by``) follow the editable ``DeadlineRule`` rows.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import creditcode, notices
from registry.filings import take_next
from registry.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationChange,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    ChangeItem,
    CreditCodeSequence,
    DayCount,
    DeadlineRule,
    Organization,
    OrgStatus,
    OrgType,
    RegistrationApplication,
    RequiredDocument,
)

CENT = Decimal("0.01")


class TransitionError(ValidationError):
    """A move the application's current state does not allow; the message says why."""


# ---------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------


def _is_counted(day, day_count):
    return day_count == DayCount.CALENDAR or day.weekday() < 5


def add_days(start, days, day_count=DayCount.CALENDAR):
    """The day on which a period of ``days`` beginning the day after ``start`` ends (the
    first day is not counted, as the Civil Code counts periods)."""
    if day_count == DayCount.CALENDAR:
        return start + datetime.timedelta(days=days)
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if _is_counted(day, day_count):
            days -= 1
    return day


def days_between(start, end, day_count=DayCount.CALENDAR):
    """Counted days after ``start`` up to and including ``end``; negative when ``end``
    is before ``start``."""
    if day_count == DayCount.CALENDAR:
        return (end - start).days
    sign, low, high = (1, start, end) if end >= start else (-1, end, start)
    count, day = 0, low
    while day < high:
        day += datetime.timedelta(days=1)
        if _is_counted(day, day_count):
            count += 1
    return sign * count


@dataclass(frozen=True)
class Deadline:
    """Where an application stands against its decision deadline.

    ``stopped``: a correction is awaited, the clock does not run (``due_on`` and
    ``days_left`` are None); ``days_left`` is 0 on the last day, negative when overdue.
    """

    due_on: datetime.date | None
    days_left: int | None
    stopped: bool = False

    @property
    def overdue(self):
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_days(self):
        return -self.days_left if self.overdue else 0

    @property
    def sort_key(self):
        # Running clocks first, the least time left first; stopped clocks after them.
        return (1, 0) if self.stopped else (0, self.days_left)


def decision_deadline(rule, complete_on, today, *, stopped=False):
    """The decision deadline of an application whose complete documents arrived on
    ``complete_on`` (the receipt, or the day the last requested correction arrived: the
    clock restarts then), as of ``today``. While a correction is awaited the clock is
    ``stopped``."""
    if stopped or complete_on is None:
        return Deadline(None, None, stopped=True)
    due = add_days(complete_on, rule.decision_days, rule.day_count)
    return Deadline(due, days_between(today, due, rule.day_count))


def late_by(rule, since, received_on):
    """Days by which an application received on ``received_on`` came after the
    applicant's time (``rule.applicant_days`` from ``since``); 0 when in time or when the
    rule sets no limit or the date is unknown."""
    if rule is None or rule.applicant_days is None or since is None or received_on is None:
        return 0
    due = add_days(since, rule.applicant_days, rule.day_count)
    return max(0, days_between(due, received_on, rule.day_count))


def applicant_event_date(application):
    """The day the applicant's time starts: the supervisory unit's consent for a change,
    the end of liquidation for a deregistration."""
    if application.kind == ApplicationKind.CHANGE:
        return application.consent_on
    if application.kind == ApplicationKind.DEREGISTRATION:
        return application.liquidation_ended_on
    return None


def rules_by_kind():
    return {rule.kind: rule for rule in DeadlineRule.objects.all()}


def annotate_deadlines(applications, today=None, rules=None):
    """Set ``deadline`` and ``late_days`` on each application (one query for the rules)."""
    today = today or timezone.localdate()
    rules = rules_by_kind() if rules is None else rules
    for application in applications:
        rule = rules.get(application.kind)
        if rule is None or not application.is_open:
            application.deadline = None
        else:
            application.deadline = decision_deadline(
                rule,
                application.complete_on,
                today,
                stopped=application.status == ApplicationStatus.CORRECTION,
            )
        application.late_days = late_by(
            rule, applicant_event_date(application), application.received_on
        )
    return applications


# ---------------------------------------------------------------------------------------
# Credit codes
# ---------------------------------------------------------------------------------------


def credit_code_block():
    block = creditcode.normalize(settings.CREDIT_CODE_BLOCK)
    if not 1 <= len(block) <= 7 or any(ch not in creditcode.ALPHABET for ch in block):
        raise TransitionError(
            _("The configured credit code block %(block)s is not valid.") % {"block": block}
        )
    return block


def next_credit_code(org_type, area=None, block=None):
    """Issue the next unified social credit code of the district's block.

    The serial comes from one statement that inserts or increments the block's counter
    row (``registry.filings.take_next``, as filing numbers do): concurrent approvals queue on
    its row lock and never share a serial; a rolled-back approval rolls it back too, so a
    code is never handed out twice. A serial whose organization code is already in the
    register (entered by hand or imported) is skipped, never reused."""
    area = area or settings.DISTRICT_AREA_CODE
    block = creditcode.normalize(block) if block else credit_code_block()
    digits = 8 - len(block)
    while True:
        serial = take_next(CreditCodeSequence, area_code=area, block=block)
        if serial >= 10**digits:
            raise TransitionError(
                _("The credit code block %(block)s is used up; configure the next block.")
                % {"block": block}
            )
        body = f"{block}{serial:0{digits}d}"
        same_body = [creditcode.make(t, area, body) for t in OrgType.values]
        if not Organization.objects.filter(credit_code__in=same_body).exists():
            return creditcode.make(org_type, area, body)


# ---------------------------------------------------------------------------------------
# Receiving an application
# ---------------------------------------------------------------------------------------


def register_value(organization, item):
    """A registered item's current value as the text a change application records."""
    value = getattr(organization, item)
    if isinstance(value, Decimal):
        return f"{value.quantize(CENT)}"
    return value or ""


def parse_value(item, text):
    """The Python value of a change's new value; ValidationError names the item."""
    label = ChangeItem(item).label
    text = (text or "").strip()
    if item == ChangeItem.REGISTERED_FUNDS:
        try:
            amount = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation as exc:
            raise ValidationError(
                _("%(item)s: enter an amount in yuan, e.g. 100000.00.") % {"item": label}
            ) from exc
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
            raise ValidationError(
                _("%(item)s: enter an amount in yuan, not negative, with at most two decimals.")
                % {"item": label}
            )
        return amount.quantize(CENT)
    max_length = Organization._meta.get_field(item).max_length
    if max_length and len(text) > max_length:
        raise ValidationError(
            _("%(item)s: at most %(n)d characters.") % {"item": label, "n": max_length}
        )
    if not text and item != ChangeItem.SUPERVISORY_UNIT:
        raise ValidationError(_("%(item)s: enter the new value.") % {"item": label})
    return text


def prepare(application):
    """After an application was first saved: its document checklist from the configured
    one of its kind, the clock's start, and the old values of the changed items."""
    if not application.documents.exists():
        ApplicationDocument.objects.bulk_create(
            ApplicationDocument(application=application, name=doc.name, required=doc.required)
            for doc in RequiredDocument.objects.filter(kind=application.kind, is_active=True)
        )
    if application.complete_on is None:
        application.complete_on = application.received_on
        application.save(update_fields=["complete_on", "updated_at"])
    fill_old_values(application)
    return application


def fill_old_values(application):
    """Record the register's current value of each changed item left without one."""
    if application.kind != ApplicationKind.CHANGE or not application.organization_id:
        return
    for change in application.changes.filter(old_value=""):
        value = register_value(application.organization, change.item)
        if value:
            change.old_value = value
            change.save(update_fields=["old_value"])


def missing_documents(application):
    return list(
        application.documents.filter(required=True, received=False).values_list("name", flat=True)
    )


# ---------------------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------------------


def _locked(application):
    return (
        RegistrationApplication.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=application.pk)
    )


def _require(application, *statuses, message):
    if application.status in statuses:
        return
    if application.status not in OPEN_APPLICATION_STATUSES:
        # Typically a colleague decided it a moment ago: say so plainly.
        raise TransitionError(
            _(
                "This application has already been decided (%(status)s on %(date)s); "
                "nothing was changed."
            )
            % {"status": application.get_status_display(), "date": application.decided_on}
        )
    raise TransitionError(message % {"status": application.get_status_display()})


def _date(on, application):
    on = on or timezone.localdate()
    if on < application.received_on:
        raise TransitionError(_("The date cannot be before the application was received."))
    return on


def _reason(reason, message):
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(message)
    return reason


def _save(application, fields):
    application.save(update_fields=[*fields, "updated_at"])
    application.refresh_from_db()
    return application


@transaction.atomic
def request_correction(application, note, on=None):
    note = _reason(note, _("Say what is missing, so the applicant can complete it."))
    application = _locked(application)
    _require(
        application,
        ApplicationStatus.RECEIVED,
        message=_(
            "A correction can be requested only of a received application; this one is %(status)s."
        ),
    )
    application.status = ApplicationStatus.CORRECTION
    application.correction_requested_on = _date(on, application)
    application.correction_note = note
    return _save(application, ["status", "correction_requested_on", "correction_note"])


@transaction.atomic
def receive_correction(application, on=None):
    """The correction arrived: the application is received again and the decision
    deadline counts anew from this day."""
    application = _locked(application)
    _require(
        application,
        ApplicationStatus.CORRECTION,
        message=_(
            "Only an application waiting for a correction can receive one; this one is %(status)s."
        ),
    )
    on = _date(on, application)
    if on < application.correction_requested_on:
        raise TransitionError(_("The correction cannot arrive before it was requested."))
    application.status = ApplicationStatus.RECEIVED
    application.complete_on = on
    return _save(application, ["status", "complete_on"])


@transaction.atomic
def accept(application, on=None):
    application = _locked(application)
    _require(
        application,
        ApplicationStatus.RECEIVED,
        message=_("Only a received application can be accepted; this one is %(status)s."),
    )
    missing = missing_documents(application)
    if missing:
        raise TransitionError(
            _("Documents still missing: %(documents)s. Request a correction instead.")
            % {"documents": "、".join(missing)}
        )
    if application.kind == ApplicationKind.CHANGE and not application.changes.exists():
        raise TransitionError(_("A change application must list at least one changed item."))
    application.status = ApplicationStatus.ACCEPTED
    application.accepted_on = _date(on, application)
    return _save(application, ["status", "accepted_on"])


@transaction.atomic
def start_review(application, on=None):
    application = _locked(application)
    _require(
        application,
        ApplicationStatus.ACCEPTED,
        message=_("Only an accepted application can go under review; this one is %(status)s."),
    )
    application.status = ApplicationStatus.REVIEW
    application.review_started_on = _date(on, application)
    return _save(application, ["status", "review_started_on"])


@transaction.atomic
def refuse(application, reason, on=None):
    reason = _reason(reason, _("A refusal needs its reason."))
    application = _locked(application)
    _require(
        application,
        ApplicationStatus.REVIEW,
        message=_("Only an application under review can be refused; this one is %(status)s."),
    )
    application.status = ApplicationStatus.REFUSED
    application.decided_on = _date(on, application)
    application.decision_reason = reason
    return _save(application, ["status", "decided_on", "decision_reason"])


@transaction.atomic
def withdraw(application, reason, on=None):
    reason = _reason(reason, _("A withdrawal needs its reason."))
    application = _locked(application)
    _require(
        application,
        *OPEN_APPLICATION_STATUSES,
        message=_("Only an open application can be withdrawn; this one is %(status)s."),
    )
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_on = _date(on, application)
    application.decision_reason = reason
    return _save(application, ["status", "decided_on", "decision_reason"])


@transaction.atomic
def approve(application, on=None):
    """Approve and apply to the register, all in one transaction (any refusal below
    rolls back everything, the credit code's serial included)."""
    application = _locked(application)
    _require(
        application,
        ApplicationStatus.REVIEW,
        message=_("Only an application under review can be approved; this one is %(status)s."),
    )
    on = _date(on, application)
    if application.kind == ApplicationKind.ESTABLISHMENT:
        application.organization = _establish(application, on)
    elif application.kind == ApplicationKind.CHANGE:
        _apply_changes(application)
    else:
        _deregister(application, on)
    application.status = ApplicationStatus.APPROVED
    application.decided_on = on
    application = _save(application, ["status", "decided_on", "organization"])
    notices.publish_decision(application)
    return application


def _as_transition_error(error):
    messages = []
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            label = Organization._meta.get_field(name).verbose_name if name != "__all__" else ""
            messages += [f"{label}：{m}" if label else m for m in errors]
    else:
        messages = error.messages
    return TransitionError(" ".join(messages))


def _establish(application, on):
    taken = Organization.objects.filter(name=application.name, status=OrgStatus.ACTIVE).first()
    if taken is not None:
        raise TransitionError(
            _("An active organization is already registered as %(name)s (%(code)s).")
            % {"name": f"「{taken.name}」", "code": taken.credit_code}
        )
    organization = Organization(
        name=application.name,
        credit_code=next_credit_code(application.org_type),
        org_type=application.org_type,
        priority_category=application.priority_category,
        field=application.field,
        supervisory_unit=application.supervisory_unit,
        legal_representative=application.legal_representative,
        registered_funds=application.registered_funds,
        domicile=application.domicile,
        street=application.street,
        business_scope=application.business_scope,
        registered_on=on,
        status=OrgStatus.ACTIVE,
    )
    try:
        organization.full_clean()
    except ValidationError as error:
        raise _as_transition_error(error) from error
    organization.save()
    return organization


def _locked_organization(application):
    return Organization.objects.select_for_update().get(pk=application.organization_id)


def _apply_changes(application):
    organization = _locked_organization(application)
    if organization.status != OrgStatus.ACTIVE:
        raise TransitionError(
            _("%(name)s is %(status)s: its registration cannot be changed.")
            % {"name": organization.name, "status": organization.get_status_display()}
        )
    changes = list(application.changes.all())
    if not changes:
        raise TransitionError(_("A change application must list at least one changed item."))
    fields = []
    for change in changes:
        current = register_value(organization, change.item)
        if change.old_value and change.old_value != current:
            raise TransitionError(
                _(
                    "%(item)s was changed in the register since the application was received "
                    "(now %(now)s, the application says %(old)s); check the application."
                )
                % {
                    "item": change.get_item_display(),
                    "now": f"「{current}」",
                    "old": f"「{change.old_value}」",
                }
            )
        try:
            value = parse_value(change.item, change.new_value)
        except ValidationError as error:
            raise _as_transition_error(error) from error
        setattr(organization, change.item, value)
        fields.append(change.item)
    exclude = [f.name for f in Organization._meta.fields if f.name not in fields]
    try:
        organization.clean_fields(exclude=exclude)
    except ValidationError as error:
        raise _as_transition_error(error) from error
    if "name" in fields:
        taken = (
            Organization.objects.filter(name=organization.name, status=OrgStatus.ACTIVE)
            .exclude(pk=organization.pk)
            .first()
        )
        if taken is not None:
            raise TransitionError(
                _("An active organization is already registered as %(name)s (%(code)s).")
                % {"name": f"「{taken.name}」", "code": taken.credit_code}
            )
    # Only the listed items (and the pinyin keys of a new name) are written.
    organization.save(update_fields=fields)
    return organization


def _deregister(application, on):
    organization = _locked_organization(application)
    if organization.status != OrgStatus.ACTIVE:
        raise TransitionError(
            _("%(name)s is already %(status)s.")
            % {"name": organization.name, "status": organization.get_status_display()}
        )
    organization.status = OrgStatus.DEREGISTERED
    organization.status_changed_on = on
    organization.status_reason = application.deregistration_reason
    organization.save(update_fields=["status", "status_changed_on", "status_reason"])
    return organization


# Transitions by name, for the staff views and the admin actions: (function, what it asks).
TRANSITIONS = {
    "request_correction": (request_correction, "note"),
    "receive_correction": (receive_correction, None),
    "accept": (accept, None),
    "start_review": (start_review, None),
    "approve": (approve, None),
    "refuse": (refuse, "reason"),
    "withdraw": (withdraw, "reason"),
}

# Which transitions each status offers.
AVAILABLE = {
    ApplicationStatus.RECEIVED: ("accept", "request_correction", "withdraw"),
    ApplicationStatus.CORRECTION: ("receive_correction", "withdraw"),
    ApplicationStatus.ACCEPTED: ("start_review", "withdraw"),
    ApplicationStatus.REVIEW: ("approve", "refuse", "withdraw"),
}


def new_change(application, item, new_value, old_value=""):
    """Add a changed item (demo data and tests; staff use the admin's inline)."""
    return ApplicationChange.objects.create(
        application=application, item=item, new_value=new_value, old_value=old_value
    )
