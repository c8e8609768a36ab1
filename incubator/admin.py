"""Admin of the incubation centre, for its staff and district staff.

Nobody but superusers deletes; a residency or mentor with sessions, trainings or outputs
cannot be deleted at all (PROTECT): it is ended or retired instead. Every record's
History page shows the trigger-recorded change history, as in the registry.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from hepingorgs.admin import (
    ConstraintMessageInlineFormSet,
    QuickListMixin,
    SuperuserDeleteOnlyMixin,
    TrackedHistoryMixin,
)
from incubator.filters import (
    MentorFilter,
    ResidencySpecialtyFilter,
    SessionSpecialtyFilter,
    SpecialtyFilter,
)
from incubator.forms import MentorForm, MentoringSessionForm, ResidencyForm
from incubator.models import (
    Mentor,
    MentoringSession,
    Plan,
    Residency,
    ServiceOutput,
    SessionResidency,
    Space,
    Training,
    TrainingAttendance,
    with_names,
)


class IncubatorAdmin(
    SuperuserDeleteOnlyMixin, TrackedHistoryMixin, QuickListMixin, admin.ModelAdmin
):
    """Base of the centre's admins: nothing deleted, history from the triggers."""


class IncubatorInline(SuperuserDeleteOnlyMixin, admin.TabularInline):
    formset = ConstraintMessageInlineFormSet
    extra = 0


def residency_field(db_field, kwargs):
    """Residency choices labelled with their linked names in one query."""
    if db_field.name == "residency":
        kwargs["queryset"] = with_names(Residency.objects.all())


class ResidencyChoicesOnceMixin:
    """Every row of an inline lists the same residencies: read them once per request,
    not once per row."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        residency_field(db_field, kwargs)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "residency" and field is not None:
            choices = getattr(request, "_incubator_residency_choices", None)
            if choices is None:
                choices = [
                    (getattr(value, "value", value), label) for value, label in field.choices
                ]
                request._incubator_residency_choices = choices
            field.choices = choices
            inner = getattr(field.widget, "widget", None)  # the admin's related-field wrapper
            if inner is not None:
                inner.choices = choices
        return field

    def get_queryset(self, request):
        # Each row is titled with its own description (``str``), which names both ends.
        return (
            super()
            .get_queryset(request)
            .select_related(
                *self.parent_path, "residency__organization", "residency__community_group"
            )
        )


def mentor_field(db_field, kwargs):
    if db_field.name == "mentor":
        kwargs["queryset"] = Mentor.objects.select_related("organization")


# ---------------------------------------------------------------------------------------


@admin.register(Space)
class SpaceAdmin(IncubatorAdmin):
    list_display = ("name", "kind", "capacity", "floor", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "floor")


class SessionInline(IncubatorInline):
    """Sessions a residency received (entered on the session's own page)."""

    model = SessionResidency
    verbose_name = _("mentoring session")
    verbose_name_plural = _("mentoring sessions")
    fields = ("session", "mentor", "hours")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "session__mentor__organization",
                "residency__organization",
                "residency__community_group",
            )
        )

    @admin.display(description=_("mentor"))
    def mentor(self, obj):
        return str(obj.session.mentor)

    @admin.display(description=_("hours"))
    def hours(self, obj):
        return obj.session.hours


class ServiceOutputInline(IncubatorInline):
    model = ServiceOutput
    fields = (
        "service",
        "period_start",
        "period_end",
        "people_served",
        "services_given",
        "households",
    )


@admin.register(Residency)
class ResidencyAdmin(IncubatorAdmin):
    form = ResidencyForm
    list_display = (
        "display_name",
        "mode",
        "intake_year",
        "batch",
        "origin",
        "started_on",
        "planned_end_on",
        "ended_on",
        "outcome",
        "space",
    )
    list_filter = (
        "mode",
        "intake_year",
        "batch",
        "origin",
        "outcome",
        ResidencySpecialtyFilter,
        "space",
    )
    list_select_related = ("organization", "community_group", "space")
    search_fields = ("name", "organization__name", "community_group__name")
    date_hierarchy = "started_on"
    inlines = (ServiceOutputInline, SessionInline)
    fieldsets = (
        (
            _("Incubated party"),
            {
                "fields": ("organization", "community_group", "name"),
                "description": _(
                    "Link the registered organization or the filed community group; for a "
                    "group that is neither yet, enter its name and contact, and link it "
                    "once it registers or files."
                ),
            },
        ),
        (_("Contact (private)"), {"fields": ("contact_name", "contact_phone")}),
        (
            _("Incubation"),
            {
                "fields": (
                    "mode",
                    "intake_year",
                    "batch",
                    "origin",
                    "started_on",
                    "planned_end_on",
                    "ended_on",
                    "space",
                )
            },
        ),
        (
            _("Outcome"),
            {
                "fields": ("outcome", "outcome_on", "outcome_note", "notes"),
                "description": _(
                    "Residencies are never deleted: end them with the actual end date and "
                    "the outcome."
                ),
            },
        ),
    )

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, obj):
        return obj.display_name


@admin.register(Mentor)
class MentorAdmin(IncubatorAdmin):
    form = MentorForm
    list_display = ("__str__", "kind", "specialties_display", "is_active")
    list_filter = ("kind", SpecialtyFilter, "is_active")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__name")

    @admin.display(description=_("specialties"))
    def specialties_display(self, obj):
        return obj.get_specialties_display()


class AtLeastOneRowFormSet(ConstraintMessageInlineFormSet):
    """A session mentors one or more residencies."""

    def clean(self):
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError(_("Residencies: choose at least one residency."))


class SessionResidencyInline(ResidencyChoicesOnceMixin, IncubatorInline):
    model = SessionResidency
    formset = AtLeastOneRowFormSet
    fields = ("residency",)
    extra = 1
    parent_path = ("session__mentor__organization",)


@admin.register(MentoringSession)
class MentoringSessionAdmin(IncubatorAdmin):
    form = MentoringSessionForm
    list_display = ("date", "mentor", "topic", "hours", "residency_count")
    list_filter = (MentorFilter, SessionSpecialtyFilter)
    list_select_related = ("mentor__organization",)
    search_fields = ("topic", "mentor__name", "mentor__organization__name")
    date_hierarchy = "date"
    inlines = (SessionResidencyInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_residencies=Count("attendance"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        mentor_field(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("residencies"), ordering="n_residencies")
    def residency_count(self, obj):
        return obj.n_residencies


class TrainingAttendanceInline(ResidencyChoicesOnceMixin, IncubatorInline):
    model = TrainingAttendance
    fields = ("residency", "attendees")
    extra = 1
    parent_path = ("training",)


@admin.register(Training)
class TrainingAdmin(IncubatorAdmin):
    list_display = ("date", "title", "trainer", "hours", "residency_count", "attendee_count")
    search_fields = ("title", "trainer")
    date_hierarchy = "date"
    inlines = (TrainingAttendanceInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_residencies=Count("attendance"), n_attendees=Sum("attendance__attendees"))
        )

    @admin.display(description=_("residencies"), ordering="n_residencies")
    def residency_count(self, obj):
        return obj.n_residencies

    @admin.display(description=_("people attending"), ordering="n_attendees")
    def attendee_count(self, obj):
        return obj.n_attendees or 0


@admin.register(ServiceOutput)
class ServiceOutputAdmin(IncubatorAdmin):
    list_display = (
        "service",
        "residency",
        "period_start",
        "period_end",
        "people_served",
        "services_given",
        "households",
    )
    list_filter = ("residency__mode",)
    list_select_related = ("residency__organization", "residency__community_group")
    search_fields = (
        "service",
        "residency__name",
        "residency__organization__name",
        "residency__community_group__name",
    )
    date_hierarchy = "period_end"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        residency_field(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Plan)
class PlanAdmin(IncubatorAdmin):
    list_display = (
        "name",
        "starts_on",
        "ends_on",
        "target_organizations",
        "target_trained",
        "target_households",
    )
