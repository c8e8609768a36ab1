"""The incubation centre (和平区社会组织孵化中心): its spaces, the groups it incubates
(residencies, in-shell or out-of-shell), mentors, mentoring sessions, trainings, the
services residents deliver, and the district's five-year "百千万" plan.

The registry never imports this app. A residency links to a registered ``Organization``
or a filed ``CommunityGroup`` of the registry (at most one), or keeps the name and contact
of a group that is neither yet.

1+1 pairings (升能计划) stay on the registry's ``CommunityGroup.upgrade_partner`` and
``upgrade_since``: the one source of truth. The centre does not record a pairing's end,
goals or outcome, so nothing is moved here; the dashboard and ``stats`` read those
fields. Rows with sessions or outputs are never deleted (every foreign key to a
residency or a mentor is PROTECT); residencies end instead. Every table is tracked by
pghistory triggers, like the registry's.
"""

from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from hepingorgs.limits import TEXT_MAX_LENGTH
from registry.models import CommunityGroup, Organization, track_history

MAX_SESSION_HOURS = 12


class SpaceKind(models.TextChoices):
    DESK = "desk", _("desk")
    OFFICE = "office", _("office")
    ROOM = "room", _("shared room")


@track_history()
class Space(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=SpaceKind.choices)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=1, help_text=_("Seats. One residency holds a space at a time.")
    )
    floor = models.CharField(_("floor or area"), max_length=30, blank=True)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Retired spaces stay on old residencies.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="space_capacity_positive",
                violation_error_message=_("The capacity must be at least one seat."),
            ),
        ]

    def __str__(self):
        return self.name


class Mode(models.TextChoices):
    IN_SHELL = "in_shell", _("in-shell")
    OUT_OF_SHELL = "out_of_shell", _("out-of-shell guidance")


class Origin(models.TextChoices):
    INTRODUCED = "introduced", _("introduced from outside the district")
    LOCAL = "local", _("grown locally")


class Outcome(models.TextChoices):
    ONGOING = "ongoing", _("in incubation")
    REGISTERED = "registered", _("graduated: registered")
    FILED = "filed", _("graduated: filed")
    WITHDRAWN = "withdrawn", _("withdrawn")


def occupancy():
    """The dates a residency holds its space: from the start until the actual end, or the
    planned end while it has not ended, open-ended without either. The end day is free."""
    return Func(
        F("started_on"),
        # Cast: when a form checks the constraint both ends may be a bare NULL.
        Cast(Coalesce(F("ended_on"), F("planned_end_on")), models.DateField()),
        Value("[)"),
        function="daterange",
        output_field=DateRangeField(),
    )


@track_history()
class Residency(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residencies",
        verbose_name=_("registered organization"),
        help_text=_("If the incubated party is registered."),
    )
    community_group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residencies",
        verbose_name=_("filed community group"),
        help_text=_("If the incubated party is a filed community group."),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_(
            "Required for a group neither registered nor filed yet; link it once it "
            "registers or files."
        ),
    )
    contact_name = models.CharField(
        _("contact person"), max_length=50, blank=True, help_text=_("Private: never published.")
    )
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, help_text=_("Private: never published.")
    )
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    intake_year = models.PositiveSmallIntegerField(
        _("intake year"), validators=[MinValueValidator(2000)]
    )
    batch = models.PositiveSmallIntegerField(
        _("batch"), default=1, help_text=_("Intake batch within the year: 1, 2 ...")
    )
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    started_on = models.DateField(_("start date"))
    planned_end_on = models.DateField(_("planned end date"), null=True, blank=True)
    ended_on = models.DateField(_("actual end date"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.ONGOING
    )
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True, max_length=TEXT_MAX_LENGTH)
    space = models.ForeignKey(
        Space,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residencies",
        verbose_name=_("space"),
        help_text=_("In-shell residencies only."),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-intake_year", "batch", "started_on", "id"]
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(community_group__isnull=True),
                name="residency_one_link",
                violation_error_message=_(
                    "Link the registered organization or the filed community group, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False)
                | Q(community_group__isnull=False)
                | ~Q(name=""),
                name="residency_named",
                violation_error_message=_(
                    "Enter the name of a group that is neither registered nor filed yet."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="residency_end_after_start",
                violation_error_message=_("The actual end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__isnull=True) | Q(planned_end_on__gte=F("started_on")),
                name="residency_planned_end_after_start",
                violation_error_message=_("The planned end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.ONGOING) | Q(outcome_on__isnull=False),
                name="residency_outcome_dated",
                violation_error_message=_("An outcome other than in incubation needs its date."),
            ),
            models.CheckConstraint(
                condition=Q(mode=Mode.IN_SHELL) | Q(space__isnull=True),
                name="residency_space_in_shell_only",
                violation_error_message=_("An out-of-shell residency holds no space."),
            ),
            models.CheckConstraint(
                condition=Q(intake_year__gte=2000),
                name="residency_intake_year_plausible",
                violation_error_message=_("The intake year must be 2000 or later."),
            ),
            ExclusionConstraint(
                name="residency_space_not_shared",
                expressions=[
                    ("space", RangeOperators.EQUAL),
                    (occupancy(), RangeOperators.OVERLAPS),
                ],
                condition=Q(mode=Mode.IN_SHELL) & Q(space__isnull=False),
                violation_error_message=_(
                    "Space: another in-shell residency holds this space over overlapping dates."
                ),
            ),
        ]
        indexes = [models.Index(fields=["mode", "started_on"], name="residency_mode_start")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The linked record's name, or the name kept here. Callers that list many rows
        select both links with the residencies (``with_names``)."""
        if self.organization_id:
            return self.organization.name
        if self.community_group_id:
            return self.community_group.name
        return self.name

    def is_current_on(self, day):
        return self.started_on <= day and (self.ended_on is None or self.ended_on > day)


def current_on(queryset, day):
    """Residencies under way on ``day``: started, and not ended before or on it."""
    return queryset.filter(started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )


def with_names(queryset):
    """Residencies with the records their names come from, in the same query."""
    return queryset.select_related("organization", "community_group")


class Specialty(models.TextChoices):
    FINANCE = "finance", _("finance")
    PROJECT_DESIGN = "project_design", _("project design")
    LAW = "law", _("law")
    SOCIAL_WORK = "social_work", _("social work")
    PARTY_BUILDING = "party_building", _("Party building")
    FUNDRAISING = "fundraising", _("fundraising")
    COMMUNICATION = "communication", _("communication")
    VOLUNTEERS = "volunteers", _("volunteer management")


class MentorKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANIZATION = "organization", _("professional organization")


@track_history()
class Mentor(models.Model):
    HISTORY_VALUE_LABELS = {"specialties": Specialty}

    kind = models.CharField(_("kind"), max_length=12, choices=MentorKind.choices)
    name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("A person's name; for an organization, its name is taken from the registry."),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentor_roles",
        verbose_name=_("professional organization"),
    )
    specialties = ArrayField(
        models.CharField(max_length=20, choices=Specialty.choices),
        verbose_name=_("specialties"),
        default=list,
        blank=True,
    )
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, help_text=_("Private: never published.")
    )
    email = models.EmailField(_("email"), blank=True, help_text=_("Private: never published."))
    is_active = models.BooleanField(_("currently mentoring"), default=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=MentorKind.PERSON) & ~Q(name="") & Q(organization__isnull=True))
                | (Q(kind=MentorKind.ORGANIZATION) & Q(organization__isnull=False)),
                name="mentor_person_or_organization",
                violation_error_message=_(
                    "A person mentor needs a name and no organization; an organization "
                    "mentor needs the registered organization."
                ),
            ),
            models.CheckConstraint(
                condition=Q(specialties__contained_by=list(Specialty.values)),
                name="mentor_known_specialties",
                violation_error_message=_("Unknown specialty."),
            ),
        ]

    def __str__(self):
        if self.kind == MentorKind.ORGANIZATION and self.organization_id:
            return self.organization.name
        return self.name

    def get_specialties_display(self):
        labels = dict(Specialty.choices)
        return "、".join(str(labels.get(v, v)) for v in self.specialties)


@track_history()
class MentoringSession(models.Model):
    date = models.DateField(_("date"))
    mentor = models.ForeignKey(
        Mentor, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("mentor")
    )
    residencies = models.ManyToManyField(
        Residency,
        through="SessionResidency",
        related_name="sessions",
        verbose_name=_("residencies"),
    )
    topic = models.CharField(_("topic"), max_length=200)
    hours = models.DecimalField(
        _("hours"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(MAX_SESSION_HOURS)],
        help_text=_("More than 0, at most 12."),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_SESSION_HOURS),
                name="session_hours_within_a_day",
                violation_error_message=_("Hours: more than 0 and at most 12 a day."),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.topic}"


@track_history()
class SessionResidency(models.Model):
    """A residency mentored in a session; the session's hours count for each of them."""

    session = models.ForeignKey(
        MentoringSession,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("mentoring session"),
    )
    residency = models.ForeignKey(
        Residency,
        on_delete=models.PROTECT,
        related_name="session_attendance",
        verbose_name=_("residency"),
    )

    class Meta:
        ordering = ["session", "id"]
        verbose_name = _("residency mentored")
        verbose_name_plural = _("residencies mentored")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "residency"],
                name="sessionresidency_unique",
                violation_error_message=_("This residency is already in the session."),
            )
        ]

    def __str__(self):
        return f"{self.session} · {self.residency}"


@track_history()
class Training(models.Model):
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    trainer = models.CharField(_("trainer"), max_length=100)
    hours = models.DecimalField(
        _("hours"),
        max_digits=3,
        decimal_places=1,
        default=2,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(MAX_SESSION_HOURS)],
    )
    residencies = models.ManyToManyField(
        Residency,
        through="TrainingAttendance",
        related_name="trainings",
        verbose_name=_("residencies attending"),
    )

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_SESSION_HOURS),
                name="training_hours_within_a_day",
                violation_error_message=_("Hours: more than 0 and at most 12 a day."),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.title}"


@track_history()
class TrainingAttendance(models.Model):
    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("training")
    )
    residency = models.ForeignKey(
        Residency,
        on_delete=models.PROTECT,
        related_name="training_attendance",
        verbose_name=_("residency"),
    )
    attendees = models.PositiveSmallIntegerField(
        _("people attending"), default=1, help_text=_("Staff or volunteers of the residency.")
    )

    class Meta:
        ordering = ["training", "id"]
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["training", "residency"],
                name="trainingattendance_unique",
                violation_error_message=_("This residency is already listed for the training."),
            ),
            models.CheckConstraint(
                condition=Q(attendees__gte=1),
                name="trainingattendance_someone",
                violation_error_message=_("People attending: at least one."),
            ),
        ]

    def __str__(self):
        return f"{self.training} · {self.residency}"


@track_history()
class ServiceOutput(models.Model):
    """What a resident delivered in a period, e.g. a will-registry service's visits and
    wills drawn up."""

    residency = models.ForeignKey(
        Residency, on_delete=models.PROTECT, related_name="outputs", verbose_name=_("residency")
    )
    service = models.CharField(_("service"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    people_served = models.PositiveIntegerField(
        _("people served"), default=0, help_text=_("Person-visits (人次).")
    )
    services_given = models.PositiveIntegerField(
        _("services given"), default=0, help_text=_("Cases, items or sessions delivered.")
    )
    households = models.PositiveIntegerField(
        _("households benefiting"), default=0, help_text=_("Counts towards the 百千万 plan.")
    )
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-period_end", "id"]
        verbose_name = _("service output")
        verbose_name_plural = _("service outputs")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="serviceoutput_period_order",
                violation_error_message=_("The period end cannot be before the period start."),
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.period_start}–{self.period_end}"


@track_history()
class Plan(models.Model):
    """The district's development plan for the centre, e.g. the 13th five-year "百千万"
    plan: its period and targets are data, edited in the admin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    target_organizations = models.PositiveIntegerField(
        _("public-benefit organizations to cultivate"),
        help_text=_("Counted: residencies graduated as registered or filed in the period."),
    )
    target_trained = models.PositiveIntegerField(
        _("professionals to train"),
        help_text=_("Counted: people attending the centre's trainings in the period."),
    )
    target_households = models.PositiveIntegerField(
        _("households to benefit"),
        help_text=_("Counted: households benefiting from residents' services in the period."),
    )

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="plan_period_order",
                violation_error_message=_("The period must end after it starts."),
            ),
        ]

    def __str__(self):
        return self.name
