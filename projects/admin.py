"""Staff admin of venture rounds, projects (with their reviews, tranches, evaluations and
honors), experts and purchase-of-service contracts.

District staff may view, add and change everything here but delete nothing (superusers
may); incubator staff and clerks get nothing. Projects change state only through the
actions, each of which asks for confirmation (and its amounts, dates or reasons) on an
intermediate page, and runs ``projects.workflow`` one project at a time: a refused
project is reported with the reason and left as it was.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Max, Min, Q, Sum
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hepingorgs.admin import (
    ConstraintMessageInlineFormSet,
    QuickListMixin,
    SuperuserDeleteOnlyMixin,
    TrackedHistoryMixin,
)
from projects import workflow
from projects.forms import (
    ApproveForm,
    ConfirmForm,
    DateForm,
    EvaluationForm,
    NoticeForm,
    ProjectForm,
    ReasonForm,
)
from projects.models import (
    AWARDED_STATUSES,
    CRITERIA,
    WORKFLOW_FIELDS,
    Evaluation,
    Expert,
    Honor,
    Project,
    ProjectStatus,
    Review,
    Round,
    ServiceContract,
    Tranche,
    with_grade,
)
from projects.templatetags.money import yuan


class ProjectsAdmin(
    SuperuserDeleteOnlyMixin, TrackedHistoryMixin, QuickListMixin, admin.ModelAdmin
):
    """Base of the app's admins: nothing deleted, history from the triggers."""


class ProjectsInline(SuperuserDeleteOnlyMixin, admin.TabularInline):
    formset = ConstraintMessageInlineFormSet
    extra = 0


class ReadOnlyInline(ProjectsInline):
    """Rows written by the workflow only (tranches, evaluations): shown, never typed."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------


@admin.register(Round)
class RoundAdmin(ProjectsAdmin):
    list_display = (
        "name",
        "year",
        "funding_source",
        "status",
        "budget_display",
        "cap",
        "awarded_display",
        "paid_display",
        "remaining_display",
        "approved_count",
    )
    list_filter = ("year", "funding_source", "status")
    search_fields = ("name",)
    readonly_fields = ("money_summary",)
    fieldsets = (
        (None, {"fields": ("year", "name", "funding_source", "status", "note")}),
        (_("Money"), {"fields": ("budget", "cap", "money_summary")}),
        (
            _("Tranche split"),
            {
                "fields": ("first_tranche", "second_tranche", "final_tranche"),
                "description": _("Percentages of each award; they must add up to 100."),
            },
        ),
        (_("Application window"), {"fields": ("opens_on", "closes_on")}),
    )

    def get_queryset(self, request):
        awarded = Q(projects__status__in=AWARDED_STATUSES)
        return (
            super()
            .get_queryset(request)
            .annotate(
                awarded_total=Sum("projects__awarded", filter=awarded),
                paid_total=Sum("projects__paid", filter=awarded),
                approved=Count("projects", filter=awarded),
            )
        )

    @admin.display(description=_("total budget (yuan)"), ordering="budget")
    def budget_display(self, obj):
        return yuan(obj.budget)

    @admin.display(description=_("awarded (yuan)"), ordering="awarded_total")
    def awarded_display(self, obj):
        return yuan(obj.awarded_total)

    @admin.display(description=_("paid (yuan)"), ordering="paid_total")
    def paid_display(self, obj):
        return yuan(obj.paid_total)

    @admin.display(description=_("remaining (yuan)"))
    def remaining_display(self, obj):
        return yuan(obj.budget - (obj.awarded_total or 0))

    @admin.display(description=_("approved projects"), ordering="approved")
    def approved_count(self, obj):
        return obj.approved

    @admin.display(description=_("budget, awarded, paid and remaining"))
    def money_summary(self, obj):
        if obj is None or obj.pk is None:
            return self.get_empty_value_display()
        awarded, paid = workflow.round_totals(obj)
        # A terminated project is paid nothing more: its unpaid rest is not outstanding.
        outstanding = (
            obj.projects.filter(status__in=AWARDED_STATUSES)
            .exclude(status=ProjectStatus.TERMINATED)
            .aggregate(rest=Sum(F("awarded") - F("paid")))["rest"]
        )
        return format_html(
            "{}：{} · {}：{} · {}：{} · {}：{} · {}：{}",
            _("budget"),
            yuan(obj.budget),
            _("awarded"),
            yuan(awarded),
            _("paid"),
            yuan(paid),
            _("outstanding"),
            yuan(outstanding or 0),
            _("remaining"),
            yuan(obj.budget - awarded),
        )


# ---------------------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------------------


class ReviewInline(ProjectsInline):
    model = Review
    fields = ("expert", *CRITERIA, "total_display", "comments")
    readonly_fields = ("total_display",)
    autocomplete_fields = ("expert",)

    @admin.display(description=_("total"))
    def total_display(self, obj):
        return obj.total if obj and obj.pk else "—"


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = ("number", "planned", "paid", "paid_on")
    readonly_fields = fields


class EvaluationInline(ReadOnlyInline):
    model = Evaluation
    fields = ("kind", "evaluated_on", "score", "grade", "evaluator", "beneficiaries_served")
    readonly_fields = fields


class HonorInline(ProjectsInline):
    model = Honor
    fields = ("name", "year", "awarded_by", "recipients")


class ApplicantTypeFilter(admin.SimpleListFilter):
    title = _("applicant type")
    parameter_name = "applicant"

    def lookups(self, request, model_admin):
        return (
            ("organization", _("registered organization")),
            ("group", _("filed community group")),
        )

    def queryset(self, request, queryset):
        if self.value() == "organization":
            return queryset.filter(applicant_organization__isnull=False)
        if self.value() == "group":
            return queryset.filter(applicant_group__isnull=False)
        return queryset


def review_totals(field_prefix="reviews__"):
    return sum((F(f"{field_prefix}{name}") for name in CRITERIA[1:]), F(f"{field_prefix}need"))


def with_reviews(queryset):
    """Each project's number of reviews, average total and spread (highest - lowest)."""
    total = review_totals()
    return queryset.annotate(
        review_count=Count("reviews"),
        review_average=Avg(total),
        review_spread=Max(total) - Min(total),
    )


@admin.register(Project)
class ProjectAdmin(ProjectsAdmin):
    form = ProjectForm
    list_display = (
        "title",
        "applicant_display",
        "round",
        "field",
        "status",
        "requested_display",
        "review_display",
        "awarded_display",
        "paid_display",
        "grade_display",
    )
    list_filter = (
        "round",
        "field",
        "streets",
        "status",
        ApplicantTypeFilter,
        "round__funding_source",
    )
    list_select_related = ("round", "applicant_organization", "applicant_group", "host")
    search_fields = (
        "title",
        "applicant_organization__name",
        "applicant_organization__name_pinyin",
        "applicant_group__name",
        "host__name",
    )
    autocomplete_fields = ("applicant_organization", "applicant_group", "host")
    filter_horizontal = ("streets", "communities")
    readonly_fields = (*WORKFLOW_FIELDS, "review_summary")
    inlines = (ReviewInline, TrancheInline, EvaluationInline, HonorInline)
    fieldsets = (
        (None, {"fields": ("round", "title", "field", "summary")}),
        (
            _("Applicant"),
            {
                "fields": ("applicant_organization", "applicant_group", "host"),
                "description": _(
                    "Either a registered organization, or a filed community group with its "
                    "registered host organization (依托单位)."
                ),
            },
        ),
        (
            _("Plan"),
            {
                "fields": (
                    "streets",
                    "communities",
                    "planned_start",
                    "planned_end",
                    "requested",
                    "co_funding",
                    "target_beneficiaries",
                )
            },
        ),
        (
            _("Decision and delivery"),
            {
                "fields": ("review_summary", *WORKFLOW_FIELDS),
                "description": _("Changed only by the actions on the list of projects."),
            },
        ),
    )
    actions = [
        "start_review_action",
        "approve_action",
        "reject_action",
        "notice_action",
        "start_action",
        "midterm_action",
        "complete_action",
        "pay_action",
        "terminate_action",
    ]

    def get_queryset(self, request):
        return with_grade(with_reviews(super().get_queryset(request)))

    @admin.display(description=_("applicant"))
    def applicant_display(self, obj):
        if obj.applicant_group_id:
            return f"{obj.applicant_group.name}（{_('host')}：{obj.host.name}）"
        return obj.applicant_organization.name

    @admin.display(description=_("requested (yuan)"), ordering="requested")
    def requested_display(self, obj):
        return yuan(obj.requested)

    @admin.display(description=_("awarded (yuan)"), ordering="awarded")
    def awarded_display(self, obj):
        return yuan(obj.awarded) if obj.awarded is not None else "—"

    @admin.display(description=_("paid (yuan)"), ordering="paid")
    def paid_display(self, obj):
        return yuan(obj.paid)

    @admin.display(description=_("reviews: average (spread)"), ordering="review_average")
    def review_display(self, obj):
        if not obj.review_count:
            return "—"
        return f"{obj.review_average:.1f}（±{obj.review_spread}，{obj.review_count}）"

    @admin.display(description=_("evaluation grade"))
    def grade_display(self, obj):
        return obj.get_grade_display() or "—"

    @admin.display(description=_("expert reviews"))
    def review_summary(self, obj):
        if obj is None or obj.pk is None or not getattr(obj, "review_count", 0):
            return self.get_empty_value_display()
        return _("%(n)d reviews, average %(average).1f of 100, spread %(spread)s points") % {
            "n": obj.review_count,
            "average": obj.review_average,
            "spread": obj.review_spread,
        }

    # -- transitions ---------------------------------------------------------------------

    def _transition(self, request, queryset, action, title, form_class, step, done_message):
        """Ask ``form_class`` on an intermediate page, then run ``step`` on each project."""
        projects = list(
            self.get_queryset(request)
            .filter(pk__in=queryset.values("pk"))
            .select_related("round")
            .order_by("round__year", "title")
        )
        if "apply" in request.POST:
            form = form_class(request.POST, projects=projects)
            if form.is_valid():
                self._apply(request, projects, form, step, done_message)
                return None
        else:
            form = form_class(projects=projects)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "projects": projects,
            "action": action,
            "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/projects/project/transition.html", context)

    def _apply(self, request, projects, form, step, done_message):
        done, refused = 0, []
        for project in projects:
            try:
                step(project, **form.kwargs_for(project))
                done += 1
            except ValidationError as error:
                refused.append(f"「{project.title}」：{' '.join(error.messages)}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.ERROR)

    @admin.action(
        description=_("Put the selected applications under review"), permissions=["change"]
    )
    def start_review_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "start_review_action",
            _("Put under review"),
            ConfirmForm,
            workflow.start_review,
            _("%(n)d applications put under review."),
        )

    @admin.action(description=_("Approve the selected projects"), permissions=["change"])
    def approve_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "approve_action",
            _("Approve with the awarded amounts"),
            ApproveForm,
            workflow.approve,
            _("%(n)d projects approved."),
        )

    @admin.action(description=_("Reject the selected projects"), permissions=["change"])
    def reject_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "reject_action",
            _("Reject"),
            ReasonForm,
            workflow.reject,
            _("%(n)d projects rejected."),
        )

    @admin.action(
        description=_("Put the selected projects on public notice"), permissions=["change"]
    )
    def notice_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "notice_action",
            _("Public notice"),
            NoticeForm,
            workflow.publish_notice,
            _("%(n)d projects put on public notice."),
        )

    @admin.action(description=_("Start delivery of the selected projects"), permissions=["change"])
    def start_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "start_action",
            _("Start delivery"),
            DateForm,
            workflow.start,
            _("%(n)d projects started."),
        )

    @admin.action(description=_("Record the mid-term evaluation"), permissions=["change"])
    def midterm_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "midterm_action",
            _("Mid-term evaluation"),
            EvaluationForm,
            workflow.evaluate_midterm,
            _("%(n)d mid-term evaluations recorded."),
        )

    @admin.action(description=_("Complete with the final evaluation"), permissions=["change"])
    def complete_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "complete_action",
            _("Final evaluation and completion"),
            EvaluationForm,
            workflow.complete,
            _("%(n)d projects completed."),
        )

    @admin.action(description=_("Pay the next tranche"), permissions=["change"])
    def pay_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "pay_action",
            _("Pay the next tranche"),
            DateForm,
            workflow.pay_next_tranche,
            _("%(n)d tranches paid."),
        )

    @admin.action(description=_("Terminate the selected projects"), permissions=["change"])
    def terminate_action(self, request, queryset):
        return self._transition(
            request,
            queryset,
            "terminate_action",
            _("Terminate"),
            ReasonForm,
            workflow.terminate,
            _("%(n)d projects terminated."),
        )


# ---------------------------------------------------------------------------------------
# Experts and purchase-of-service contracts
# ---------------------------------------------------------------------------------------


@admin.register(Expert)
class ExpertAdmin(ProjectsAdmin):
    list_display = ("name", "title", "employer", "affiliation", "specialty", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("affiliation",)
    search_fields = ("name", "employer", "specialty")
    autocomplete_fields = ("affiliation",)


@admin.register(ServiceContract)
class ServiceContractAdmin(ProjectsAdmin):
    list_display = (
        "subject",
        "department",
        "provider",
        "amount_display",
        "signed_on",
        "starts_on",
        "ends_on",
        "street",
        "status",
    )
    list_filter = ("status", "department", "street")
    list_select_related = ("provider", "street")
    search_fields = ("subject", "department", "provider__name")
    autocomplete_fields = ("provider",)
    date_hierarchy = "signed_on"

    @admin.display(description=_("amount (yuan)"), ordering="amount")
    def amount_display(self, obj):
        return yuan(obj.amount)
