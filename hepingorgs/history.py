"""Change history: PostgreSQL triggers (django-pghistory) record every insert and update
of tracked models, bulk writes and raw ``update()`` included; this module adds who made
the change and shows the history.

django-pghistory was chosen over django-simple-history because the triggers see every
write path (bulk_create, QuerySet.update, raw SQL of a later import), not just
``Model.save``; django-simple-history would miss any bulk path that forgets its helpers.
"""

import datetime

import pghistory
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from pghistory.middleware import HistoryMiddleware as BaseHistoryMiddleware


class HistoryMiddleware(BaseHistoryMiddleware):
    """Records the user's id and username, so history reads well even after renames."""

    def get_context(self, request):
        context = super().get_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context["username"] = user.get_username()
        return context


def acting_as(user, **extra):
    """History context for writes outside a request (commands, imports)."""
    context = dict(extra)
    if user is not None:
        context["user"] = user.pk
        context["username"] = user.get_username()
    return pghistory.context(**context)


def prepare_bulk_writes():
    """Inside a transaction about to write many rows of tracked models: say that no
    trigger is to be ignored, for the rest of the transaction.

    Each history trigger first asks django-pgtrigger whether it is ignored, reading the
    setting ``pgtrigger.ignore`` inside an exception block; where the setting was never
    made, reading it raises, and every such error rolls back a subtransaction, which
    makes PostgreSQL scan all the deferred checks the transaction has queued (four
    foreign keys per row). That is quadratic: 40,000 rows inserted in batches of 1,000
    in one transaction took 56 s instead of 18 s. ``{}`` is what django-pgtrigger itself
    sets when nothing is ignored (and its ``ignore()`` sets its own value before every
    statement).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def share_context_with_thread():
    """A function to run first in another thread that writes on this thread's
    connection (the import's write-behind thread), so that its statements carry this
    thread's history context: django-pghistory keeps the context per thread, and its
    statement hook would otherwise find none there."""
    from pghistory import runtime

    value = getattr(runtime._tracker, "value", None)

    def adopt():
        if value is not None:
            runtime._tracker.value = value

    return adopt


HIDDEN_FIELDS = {"name_pinyin", "name_initials", "created_at", "updated_at", "version"}


class Entry:
    """One event in an object's history, ready for a template."""

    def __init__(self, when, context, changes, is_creation, is_deletion=False):
        self.when = when
        self.username = context.get("username") or ""
        self.changes = changes
        self.is_creation = is_creation
        self.is_deletion = is_deletion

    @property
    def action(self):
        if self.is_deletion:
            return _("deleted")
        return _("created") if self.is_creation else _("changed")


def _display(field, value, related):
    if value is None or value == "" or value == []:
        return "—"
    if field.is_relation:
        return str(related.get(field.related_model, {}).get(value, value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    value_labels = getattr(field.model, "HISTORY_VALUE_LABELS", {}).get(field.name)
    if value_labels and isinstance(value, list):
        labels = dict(value_labels.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value))
    return str(value)


def history_for(obj, limit=500):
    """The events of ``obj`` (a model tracked by pghistory), newest first, with who made
    each change and each changed field's before and after value, in words."""
    # The newest ``limit`` events, plus the one before them as the base of the first diff.
    events = list(
        obj.events.select_related("pgh_context").order_by("-pgh_created_at", "-pgh_id")[: limit + 1]
    )
    events.reverse()
    baseline = events.pop(0) if len(events) > limit else None
    # A model may track only some of its fields (``exclude=``); its events have no others.
    tracked = {f.attname for f in obj.events.model._meta.concrete_fields}
    fields = [
        f
        for f in obj._meta.concrete_fields
        if f.attname not in HIDDEN_FIELDS and not f.primary_key and f.attname in tracked
    ]
    ids = {}
    for field in fields:
        if field.is_relation:
            ids.setdefault(field.related_model, set()).update(
                v for e in events if (v := getattr(e, field.attname)) is not None
            )
    related = {
        model: model._base_manager.in_bulk(values) for model, values in ids.items() if values
    }
    User = get_user_model()
    contexts = [e.pgh_context.metadata if e.pgh_context_id else {} for e in events]
    missing = {c["user"] for c in contexts if c.get("user") and not c.get("username")}
    usernames = dict(User.objects.filter(pk__in=missing).values_list("pk", "username"))
    entries = []
    previous = baseline
    for event, context in zip(events, contexts, strict=True):
        if event.pgh_label == "delete":
            entries.append(Entry(event.pgh_created_at, context, [], False, is_deletion=True))
            continue
        changes = []
        for field in fields:
            after = getattr(event, field.attname)
            if previous is not None:
                before = getattr(previous, field.attname)
                if before == after:
                    continue
                changes.append(
                    (
                        field.verbose_name,
                        _display(field, before, related),
                        _display(field, after, related),
                    )
                )
            elif after not in (None, "", []):
                changes.append((field.verbose_name, "", _display(field, after, related)))
        if context.get("user") and not context.get("username"):
            context = {**context, "username": usernames.get(context["user"], "")}
        is_creation = event.pgh_label == "insert"
        entries.append(Entry(event.pgh_created_at, context, changes, is_creation))
        previous = event
    entries.reverse()
    return entries
