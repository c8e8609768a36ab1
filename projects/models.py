"""Public-benefit venture projects (公益创投) and government purchase of services.

A round (one year's call, with a budget and a per-project cap) receives applications
from registered organizations, or from filed community groups through a registered host
organization (依托单位). Experts score them; staff approve some within the budget and
reject the rest; approved projects go through public notice, delivery, a mid-term and a
final evaluation, and are paid in tranches. Purchase-of-service contracts (政府购买服务)
are recorded beside them.

Money rules the database can express are constraints here (amounts non-negative, two
decimal places, award within the request, payments within the award); the ones that
span rows (awards within the round's budget and cap) are checked by ``projects.workflow``
under a lock on the round. Every table is tracked by pghistory triggers, so each
transition is recorded with who and when. Nothing is deleted: projects are rejected or
terminated, rounds closed, contracts terminated.
"""

import pgtrigger
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hepingorgs.limits import TEXT_MAX_LENGTH
from registry.models import MONEY, CommunityGroup, Organization, Street, track_history

MAX_CRITERION_SCORE = 20  # five criteria, 100 points in all


class FundingSource(models.TextChoices):
    WELFARE_LOTTERY = "lottery", _("welfare-lottery public-benefit fund")
    SPECIAL_FUND = "special", _("special fiscal fund")
    OTHER = "other", _("other")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("open for applications")
    REVIEWING = "reviewing", pgettext_lazy("venture", "under review")
    AWARDED = "awarded", _("awarded")
    CLOSED = "closed", _("closed")


@track_history()
class Round(models.Model):
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000)], help_text=_("The year of the call.")
    )
    name = models.CharField(_("name"), max_length=100)
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=FundingSource.choices
    )
    budget = models.DecimalField(
        _("total budget (yuan)"), **MONEY, validators=[MinValueValidator(0)]
    )
    cap = models.DecimalField(
        _("cap per project (yuan)"),
        **MONEY,
        validators=[MinValueValidator(0)],
        help_text=_("No project may be awarded more."),
    )
    first_tranche = models.PositiveSmallIntegerField(
        _("first tranche (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("Paid when delivery starts."),
    )
    second_tranche = models.PositiveSmallIntegerField(
        _("second tranche (%)"),
        default=30,
        validators=[MaxValueValidator(100)],
        help_text=_("Paid after a passed mid-term evaluation; 0 for two tranches."),
    )
    final_tranche = models.PositiveSmallIntegerField(
        _("final tranche (%)"),
        default=20,
        validators=[MaxValueValidator(100)],
        help_text=_("Paid on completion."),
    )
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("venture round")
        verbose_name_plural = _("venture rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "name"],
                name="round_unique_name_in_year",
                violation_error_message=_("A round of that name already exists in that year."),
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0) & Q(cap__gt=0),
                name="round_money_positive",
                violation_error_message=_(
                    "The budget cannot be negative and the cap must be above zero."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cap__lte=F("budget")),
                name="round_cap_within_budget",
                violation_error_message=_("The cap per project cannot exceed the total budget."),
            ),
            models.CheckConstraint(
                condition=Q(first_tranche__gt=0)
                & Q(final_tranche__gte=0)
                & Q(second_tranche__gte=0)
                & Q(first_tranche=100 - F("second_tranche") - F("final_tranche")),
                name="round_tranches_add_up",
                violation_error_message=_(
                    "The tranche percentages must add up to 100, with a first tranche above zero."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="round_window_ordered",
                violation_error_message=_("Applications cannot close before they open."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def split(self):
        """Percentages of the three tranches, in order."""
        return (self.first_tranche, self.second_tranche, self.final_tranche)


class ProjectField(models.TextChoices):
    ELDERLY = "elderly", _("elderly care")
    DISABILITY = "disability", _("disability support")
    CHILDREN = "children", _("children and youth")
    HEALTH = "health", _("health care")
    EDUCATION = "education", _("education")
    ENVIRONMENT = "environment", _("environment")
    GOVERNANCE = "governance", _("community governance")
    VOLUNTEERING = "volunteering", _("volunteer service")
    LEGAL = "legal", _("legal services")
    OTHER = "other", _("other")


class ProjectStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    REVIEWING = "reviewing", pgettext_lazy("venture", "under review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("not approved")
    NOTICE = "notice", _("in public notice")
    IN_PROGRESS = "in_progress", _("in progress")
    MIDTERM = "midterm", _("mid-term evaluated")
    COMPLETED = "completed", _("completed")
    TERMINATED = "terminated", _("terminated")


UNDECIDED = (ProjectStatus.APPLIED, ProjectStatus.REVIEWING)
# Approved or later: the project holds an award (a terminated one keeps it on record).
AWARDED_STATUSES = (
    ProjectStatus.APPROVED,
    ProjectStatus.NOTICE,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.MIDTERM,
    ProjectStatus.COMPLETED,
    ProjectStatus.TERMINATED,
)
NOTICED_STATUSES = (
    ProjectStatus.NOTICE,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.MIDTERM,
    ProjectStatus.COMPLETED,
)
# Set only by the workflow (projects.workflow), never typed into a form.
WORKFLOW_FIELDS = (
    "status",
    "awarded",
    "paid",
    "decided_on",
    "rejection_reason",
    "notice_from",
    "notice_until",
    "started_on",
    "completed_on",
    "terminated_on",
    "termination_reason",
)


@track_history()
class Project(models.Model):
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="projects", verbose_name=_("round")
    )
    applicant_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venture_projects",
        verbose_name=_("applicant (registered organization)"),
    )
    applicant_group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venture_projects",
        verbose_name=_("applicant (filed community group)"),
        help_text=_("A filed group applies through a registered host organization."),
    )
    host = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_venture_projects",
        verbose_name=_("host organization"),
        help_text=_("依托单位: required when a filed community group applies."),
    )
    title = models.CharField(_("title"), max_length=200)
    field = models.CharField(_("service field"), max_length=12, choices=ProjectField.choices)
    streets = models.ManyToManyField(
        Street, related_name="venture_projects", verbose_name=_("streets served")
    )
    communities = models.ManyToManyField(
        "registry.Community",
        blank=True,
        related_name="venture_projects",
        verbose_name=_("communities served"),
    )
    summary = models.TextField(_("summary"), blank=True, max_length=TEXT_MAX_LENGTH)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    requested = models.DecimalField(
        _("requested amount (yuan)"), **MONEY, validators=[MinValueValidator(0)]
    )
    co_funding = models.DecimalField(
        _("co-funding (yuan)"),
        **MONEY,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Money the applicant or others put in."),
    )
    target_beneficiaries = models.PositiveIntegerField(_("target beneficiaries"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProjectStatus.choices,
        default=ProjectStatus.APPLIED,
        editable=False,
    )
    awarded = models.DecimalField(
        _("awarded amount (yuan)"), **MONEY, null=True, blank=True, editable=False
    )
    paid = models.DecimalField(
        _("paid so far (yuan)"),
        **MONEY,
        default=0,
        editable=False,
        help_text=_("Sum of the paid tranches."),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True, editable=False)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, editable=False)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True, editable=False)
    notice_until = models.DateField(_("public notice until"), null=True, blank=True, editable=False)
    started_on = models.DateField(_("started on"), null=True, blank=True, editable=False)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, editable=False)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True, editable=False)
    termination_reason = models.TextField(_("reason for termination"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Moved by a database trigger on every update, bulk updates included, so that others
    # can mirror the public list with ``updated_since``.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-round__year", "title"]
        verbose_name = _("venture project")
        verbose_name_plural = _("venture projects")
        triggers = [
            pgtrigger.Trigger(
                name="project_updated_at",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                func="NEW.updated_at = clock_timestamp(); RETURN NEW;",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(applicant_organization__isnull=False)
                    & Q(applicant_group__isnull=True)
                    & Q(host__isnull=True)
                )
                | (
                    Q(applicant_organization__isnull=True)
                    & Q(applicant_group__isnull=False)
                    & Q(host__isnull=False)
                ),
                name="project_one_applicant",
                violation_error_message=_(
                    "The applicant is either a registered organization, or a filed community "
                    "group with its registered host organization."
                ),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")),
                name="project_plan_ordered",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(requested__gt=0) & Q(co_funding__gte=0),
                name="project_request_positive",
                violation_error_message=_(
                    "The requested amount must be above zero; co-funding cannot be negative."
                ),
            ),
            models.CheckConstraint(
                # NULL would pass a CHECK: every nullable column is tested for NULL first.
                condition=(
                    Q(status__in=AWARDED_STATUSES) & Q(awarded__isnull=False) & Q(awarded__gt=0)
                )
                | (~Q(status__in=AWARDED_STATUSES) & Q(awarded__isnull=True)),
                name="project_award_iff_approved",
                violation_error_message=_(
                    "Only an approved project has an awarded amount, and it must be above zero."
                ),
            ),
            models.CheckConstraint(
                condition=Q(awarded__isnull=True) | Q(awarded__lte=F("requested")),
                name="project_award_within_request",
                violation_error_message=_("The awarded amount cannot exceed the requested amount."),
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0)
                & (
                    (Q(awarded__isnull=True) & Q(paid=0))
                    | (Q(awarded__isnull=False) & Q(paid__lte=F("awarded")))
                ),
                name="project_paid_within_award",
                violation_error_message=_("The tranches paid cannot exceed the awarded amount."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.REJECTED) | ~Q(rejection_reason=""),
                name="project_rejection_has_reason",
                violation_error_message=_("A rejection needs its reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=NOTICED_STATUSES)
                | (
                    Q(notice_from__isnull=False)
                    & Q(notice_until__isnull=False)
                    & Q(notice_until__gte=F("notice_from"))
                ),
                name="project_notice_dated",
                violation_error_message=_(
                    "A project past approval needs its public notice period."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.TERMINATED)
                | (Q(terminated_on__isnull=False) & ~Q(termination_reason="")),
                name="project_termination_dated",
                violation_error_message=_("A termination needs its date and reason."),
            ),
        ]
        indexes = [models.Index(fields=["round", "status"], name="project_round_status")]

    def __str__(self):
        return self.title

    @property
    def applicant(self):
        return self.applicant_organization or self.applicant_group

    @property
    def applicant_name(self):
        applicant = self.applicant
        return applicant.name if applicant else ""

    def get_grade_display(self):
        """The evaluation grade annotated by ``with_grade``: final, else mid-term."""
        grade = getattr(self, "grade", "")
        return EvaluationGrade(grade).label if grade else ""

    @property
    def outstanding(self):
        return (self.awarded or 0) - self.paid

    def clean(self):
        super().clean()
        if self.applicant_group_id and not self.host_id:
            raise ValidationError(
                {"host": _("A filed community group applies through a registered host.")}
            )
        if self.applicant_organization_id and (self.applicant_group_id or self.host_id):
            raise ValidationError(
                _(
                    "Choose either a registered organization, or a filed community group "
                    "with its host, not both."
                )
            )
        if not self.applicant_organization_id and not self.applicant_group_id:
            raise ValidationError(_("Choose the applicant."))


@track_history()
class Expert(models.Model):
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(
        _("title or position"), max_length=100, blank=True, help_text=_("E.g. associate professor.")
    )
    employer = models.CharField(
        _("employer"), max_length=200, blank=True, help_text=_("University, agency or firm.")
    )
    affiliation = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="experts",
        verbose_name=_("affiliated organization"),
        help_text=_(
            "A registered organization the expert works for or leads: the expert may not "
            "review its applications, nor those it hosts."
        ),
    )
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    is_active = models.BooleanField(_("in the pool"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return f"{self.name}（{self.employer}）" if self.employer else self.name


CRITERIA = ("need", "design", "capacity", "budget", "sustainability")


def _score(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MaxValueValidator(MAX_CRITERION_SCORE)], help_text=_("0 to 20")
    )


@track_history()
class Review(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("project")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("expert")
    )
    need = _score(_("need"))
    design = _score(_("design"))
    capacity = _score(_("capacity"))
    budget = _score(_("budget"))
    sustainability = _score(_("sustainability"))
    comments = models.TextField(_("comments"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["project", "expert__name"]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "expert"],
                name="review_one_per_expert",
                violation_error_message=_("This expert has already reviewed this project."),
            ),
            models.CheckConstraint(
                condition=Q(need__lte=MAX_CRITERION_SCORE)
                & Q(design__lte=MAX_CRITERION_SCORE)
                & Q(capacity__lte=MAX_CRITERION_SCORE)
                & Q(budget__lte=MAX_CRITERION_SCORE)
                & Q(sustainability__lte=MAX_CRITERION_SCORE),
                name="review_scores_in_range",
                violation_error_message=_("Each criterion is scored from 0 to 20."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.expert}"

    @property
    def total(self):
        return sum(getattr(self, name) or 0 for name in CRITERIA)

    def clean(self):
        super().clean()
        # On the admin's add page the project is not saved yet: use the related objects.
        try:
            project, expert = self.project, self.expert
        except ObjectDoesNotExist:
            return
        message = conflict_of_interest(expert, project)
        if message:
            raise ValidationError({"expert": message})


def conflict_of_interest(expert, project):
    """Why ``expert`` may not review ``project``, or None."""
    affiliation = expert.affiliation_id
    if affiliation and affiliation in (project.applicant_organization_id, project.host_id):
        return _(
            "%(expert)s is affiliated with the applicant or its host and may not review "
            "this application."
        ) % {"expert": expert.name}
    return None


class TrancheNumber(models.IntegerChoices):
    FIRST = 1, _("first tranche")
    SECOND = 2, _("second tranche")
    FINAL = 3, _("final tranche")


@track_history()
class Tranche(models.Model):
    """A planned payment of an award (from the round's split) and, once paid, the payment."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="tranches", verbose_name=_("project")
    )
    number = models.PositiveSmallIntegerField(_("tranche"), choices=TrancheNumber.choices)
    planned = models.DecimalField(_("planned amount (yuan)"), **MONEY)
    paid = models.DecimalField(_("paid amount (yuan)"), **MONEY, null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                name="tranche_unique_number",
                violation_error_message=_("The project already has this tranche."),
            ),
            models.CheckConstraint(
                condition=Q(planned__gt=0),
                name="tranche_planned_positive",
                violation_error_message=_("A planned tranche must be above zero."),
            ),
            models.CheckConstraint(
                condition=(Q(paid__isnull=True) & Q(paid_on__isnull=True))
                | (
                    Q(paid__isnull=False)
                    & Q(paid__gt=0)
                    & Q(paid__lte=F("planned"))
                    & Q(paid_on__isnull=False)
                ),
                name="tranche_paid_within_plan",
                violation_error_message=_(
                    "A payment needs its date and cannot exceed the planned amount."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_number_display()}"


class EvaluationKind(models.TextChoices):
    MIDTERM = "midterm", _("mid-term")
    FINAL = "final", _("final")


class EvaluationGrade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


@track_history()
class Evaluation(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EvaluationKind.choices)
    evaluated_on = models.DateField(_("evaluated on"))
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0 to 100"),
    )
    grade = models.CharField(_("grade"), max_length=10, choices=EvaluationGrade.choices)
    evaluator = models.CharField(
        _("evaluator"), max_length=200, help_text=_("The evaluating body or team.")
    )
    summary = models.TextField(_("summary"), blank=True, max_length=TEXT_MAX_LENGTH)
    beneficiaries_served = models.PositiveIntegerField(_("beneficiaries actually served"))

    class Meta:
        ordering = ["project", "evaluated_on"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"],
                name="evaluation_one_per_kind",
                violation_error_message=_("The project already has an evaluation of this kind."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100),
                name="evaluation_score_in_range",
                violation_error_message=_("The score is from 0 to 100."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_kind_display()}"


@track_history()
class Honor(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="honors", verbose_name=_("project")
    )
    name = models.CharField(_("honor"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000)])
    awarded_by = models.CharField(_("awarding body"), max_length=200)
    recipients = models.CharField(
        _("recipients"),
        max_length=200,
        blank=True,
        help_text=_("The project itself if empty; otherwise who, e.g. three team members."),
    )

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("honor")
        verbose_name_plural = _("honors")

    def __str__(self):
        return f"{self.name}（{self.year}）"


class ContractStatus(models.TextChoices):
    SIGNED = "signed", _("signed")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    TERMINATED = "terminated", _("terminated")


@track_history()
class ServiceContract(models.Model):
    """A government purchase-of-service contract (政府购买服务)."""

    department = models.CharField(
        _("purchasing department"),
        max_length=100,
        help_text=_("E.g. the district civil affairs bureau."),
    )
    provider = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="service_contracts",
        verbose_name=_("provider organization"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY, validators=[MinValueValidator(0)])
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("service starts on"))
    ends_on = models.DateField(_("service ends on"))
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.SIGNED
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_contracts",
        verbose_name=_("street served"),
        help_text=_("Empty for the whole district."),
    )

    class Meta:
        ordering = ["-signed_on", "subject"]
        verbose_name = _("purchase-of-service contract")
        verbose_name_plural = _("purchase-of-service contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="servicecontract_amount_positive",
                violation_error_message=_("The contract amount must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="servicecontract_period_ordered",
                violation_error_message=_("The service cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.subject


def with_grade(queryset):
    """``queryset`` of projects annotated with ``grade``: the final evaluation's grade,
    else the mid-term one's, else empty. One query, no prefetch."""

    def grade_of(kind):
        return Subquery(
            Evaluation.objects.filter(project=OuterRef("pk"), kind=kind).values("grade")[:1]
        )

    return queryset.annotate(
        grade=Coalesce(grade_of(EvaluationKind.FINAL), grade_of(EvaluationKind.MIDTERM), Value(""))
    )


def public_projects():
    """Projects the public may see: approved or later (never rejected or undecided), with
    what the public list shows, streets prefetched, and the evaluation grade."""
    return with_grade(
        Project.objects.filter(status__in=AWARDED_STATUSES)
        .select_related("round", "applicant_organization", "applicant_group", "host")
        .prefetch_related("streets")
        .order_by("-round__year", "title", "pk")
    )
