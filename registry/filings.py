"""The filing workflow of community groups: draft -> submitted -> filed, or returned
(corrected and resubmitted); a filed group may later be cancelled.

Every transition locks the row (SELECT ... FOR UPDATE), checks the state it starts from,
bumps ``version`` (so an edit form opened before the transition is refused) and is
recorded by the history triggers with the acting user. Callers check *who* may act
(``hepingorgs.access``); this module checks *whether* the filing may make the move.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import CommunityGroup, FilingSequence, FilingStatus

# Fields a filing must have before it can be submitted (a draft may be saved without).
REQUIRED_FOR_SUBMISSION = (
    "name",
    "community",
    "category",
    "leader_name",
    "leader_phone",
    "member_count",
    "service_targets",
)


def format_filing_number(street, year, serial):
    """Readable, sortable and unique: street abbreviation, year, serial, e.g. QYC-2026-0007."""
    return f"{street.abbreviation}-{year}-{serial:04d}"


def take_next(sequence_model, **key):
    """Increment the counter row of ``sequence_model`` that ``key`` names (created at 1)
    and return its new value.

    One statement that inserts or increments the row: concurrent callers queue on its
    row lock, so no two get the same value; a rolled-back caller rolls the counter back
    with it, so no value is ever handed out twice. ``key`` must be the fields of a
    unique constraint of the model; the counter column is ``last``.
    """
    quote = connection.ops.quote_name
    table = quote(sequence_model._meta.db_table)
    columns = [quote(sequence_model._meta.get_field(name).column) for name in key]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} ({", ".join(columns)}, last)
            VALUES ({", ".join(["%s"] * len(columns))}, 1)
            ON CONFLICT ({", ".join(columns)}) DO UPDATE SET last = {table}.last + 1
            RETURNING last
            """,
            [getattr(value, "pk", value) for value in key.values()],
        )
        return cursor.fetchone()[0]


def next_filing_number(street, year):
    """Take the next number of ``street`` in ``year`` (see ``take_next``)."""
    return format_filing_number(street, year, take_next(FilingSequence, street=street, year=year))


class TransitionError(ValidationError):
    """A move the filing's current state does not allow; the message says why."""


def _locked(group):
    return (
        CommunityGroup.objects.select_for_update(of=("self",))
        .select_related("street")
        .get(pk=group.pk)
    )


def _require(group, *statuses, message):
    if group.status not in statuses:
        raise TransitionError(message % {"status": group.get_status_display()})


def _save(group, fields):
    group.version = F("version") + 1
    group.save(update_fields=[*fields, "version", "updated_at"])
    group.refresh_from_db()
    return group


def missing_for_submission(group):
    """Verbose names of the required fields that ``group`` leaves empty."""
    missing = []
    for name in REQUIRED_FOR_SUBMISSION:
        field = CommunityGroup._meta.get_field(name)
        if field.value_from_object(group) in (None, "", []):
            missing.append(str(field.verbose_name))
    return missing


@transaction.atomic
def submit(group):
    group = _locked(group)
    _require(
        group,
        FilingStatus.DRAFT,
        FilingStatus.RETURNED,
        message=_("Only a draft or a returned filing can be submitted; this one is %(status)s."),
    )
    missing = missing_for_submission(group)
    if missing:
        raise TransitionError(
            _("Fill in before submitting: %(fields)s.") % {"fields": "、".join(missing)}
        )
    group.status = FilingStatus.SUBMITTED
    return _save(group, ["status"])


@transaction.atomic
def accept(group, on=None):
    group = _locked(group)
    _require(
        group,
        FilingStatus.SUBMITTED,
        message=_("Only a submitted filing can be accepted; this one is %(status)s."),
    )
    on = on or timezone.localdate()
    group.filing_number = next_filing_number(group.street, on.year)
    group.filed_on = on
    group.status = FilingStatus.FILED
    group.return_reason = ""
    return _save(group, ["status", "filing_number", "filed_on", "return_reason"])


@transaction.atomic
def return_for_correction(group, reason):
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Say why the filing is returned, so the clerk can correct it."))
    group = _locked(group)
    _require(
        group,
        FilingStatus.SUBMITTED,
        message=_("Only a submitted filing can be returned; this one is %(status)s."),
    )
    group.status = FilingStatus.RETURNED
    group.return_reason = reason
    return _save(group, ["status", "return_reason"])


@transaction.atomic
def cancel(group, reason, on=None):
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("A cancellation needs its reason."))
    group = _locked(group)
    _require(
        group,
        FilingStatus.FILED,
        message=_("Only a filed group can be cancelled; this one is %(status)s."),
    )
    on = on or timezone.localdate()
    if group.filed_on and on < group.filed_on:
        raise TransitionError(_("The cancellation date cannot be before the filing date."))
    group.status = FilingStatus.CANCELLED
    group.cancelled_on = on
    group.cancel_reason = reason
    return _save(group, ["status", "cancelled_on", "cancel_reason"])
