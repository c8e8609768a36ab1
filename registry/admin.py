"""Staff admin of the registry: registered organizations with their annual reports and
credit records, and the reference data (streets, communities, community-group categories).

District staff may view, add and change everything here but delete nothing; superusers
may delete. Every record's History page shows the trigger-recorded change history. A
further ModelAdmin of a tracked registry model subclasses ``RegistryAdmin``.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Max, Min
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from hepingorgs import access, extensions
from hepingorgs.admin import (
    ConstraintMessageInlineFormSet,
    QuickChangeList,
    QuickListMixin,
    SuperuserDeleteOnlyMixin,
    TrackedHistoryMixin,
)
from hepingorgs.limits import TEXT_MAX_LENGTH
from registry import applications, creditcode, filings
from registry.forms import (
    CommunityGroupForm,
    WorkflowConstraintsMixin,
    duplicate_name_message,
    name_conflicts,
    normalize_name,
)
from registry.models import (
    WORKFLOW_FIELDS,
    AnnualReport,
    ApplicationChange,
    ApplicationDocument,
    ApplicationKind,
    ClerkProfile,
    Community,
    CommunityGroup,
    CreditRecord,
    DeadlineRule,
    FilingCategory,
    ImportBatch,
    Notice,
    Organization,
    Population,
    RegistrationApplication,
    RequiredDocument,
    ServiceTarget,
    Street,
)
from registry.search import StaffPaginator, search_organizations, search_staff_groups

ORGANIZATION_SEARCH_FIELDS = ("name", "name_pinyin", "name_initials", "credit_code")
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class RegistryAdmin(
    SuperuserDeleteOnlyMixin, TrackedHistoryMixin, QuickListMixin, admin.ModelAdmin
):
    """Base of the registry's admins: nothing deleted, history from the triggers."""


class RegistryInline(SuperuserDeleteOnlyMixin, admin.TabularInline):
    formset = ConstraintMessageInlineFormSet
    extra = 0
    formfield_overrides = COMPACT_TEXT


class RankedChangeList(QuickChangeList):
    """Search results with exact and prefix matches first (``search_rank``, annotated by
    registry.search), then the usual order; a column the user clicked still wins."""

    def get_queryset(self, request, exclude_parameters=None):
        # The admin orders before it searches, so the rank is put in front afterwards.
        queryset = super().get_queryset(request, exclude_parameters)
        ranked = "search_rank" in queryset.query.annotations
        if ranked and self.query.strip() and ORDER_VAR not in self.params:
            queryset = queryset.order_by("search_rank", *queryset.query.order_by)
        return queryset


# ---------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------


@admin.register(Street)
class StreetAdmin(RegistryAdmin):
    list_display = ("name", "code", "abbreviation")
    search_fields = ("name", "code", "abbreviation")


@admin.register(Community)
class CommunityAdmin(RegistryAdmin):
    list_display = ("name", "street", "code")
    list_filter = ("street",)
    list_select_related = ("street",)
    search_fields = ("name", "code", "street__name")
    autocomplete_fields = ("street",)


@admin.register(FilingCategory)
class FilingCategoryAdmin(RegistryAdmin):
    list_display = ("name", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")


@admin.register(Population)
class PopulationAdmin(RegistryAdmin):
    """Residents per year, for the per-10,000 figures of the annual statistics."""

    list_display = ("year", "place", "residents")
    list_filter = ("year", "street")
    list_select_related = ("street",)
    ordering = ("-year", "street__code")

    @admin.display(description=_("place"), ordering="street__code")
    def place(self, obj):
        return obj.street.name if obj.street_id else _("whole district")


# ---------------------------------------------------------------------------------------
# Registered organizations
# ---------------------------------------------------------------------------------------


class RegistrationYearFilter(admin.SimpleListFilter):
    """Years of registration, from the first to the last (MIN and MAX through the
    ``(registered_on, id)`` index). Replaces ``date_hierarchy``, whose list of years is
    a ``SELECT DISTINCT`` over every row: 0.7 s at a million organizations."""

    title = _("registration date")
    parameter_name = "registered_year"

    def lookups(self, request, model_admin):
        bounds = model_admin.model.objects.aggregate(
            first=Min("registered_on"), last=Max("registered_on")
        )
        if bounds["first"] is None:
            return []
        years = range(bounds["last"].year, bounds["first"].year - 1, -1)
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            year = int(value)
            return queryset.filter(
                registered_on__gte=datetime.date(year, 1, 1),
                registered_on__lt=datetime.date(year + 1, 1, 1),
            )
        return queryset


class CreditCodeField(forms.CharField):
    """Normalizes the code before checking it, so a code pasted with spaces, hyphens,
    full-width or lower-case characters is accepted, and a wrong one is rejected with
    ``creditcode.validate``'s message instead of a bare length error."""

    def __init__(self, *, max_length=None, **kwargs):
        # The length is checked after normalizing, by creditcode.validate.
        super().__init__(**kwargs)

    def to_python(self, value):
        return creditcode.normalize(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value:
            creditcode.validate(value)


# What an annual report says, in the order of the paper form.
ANNUAL_REPORT_FIGURES = (
    "year",
    "result",
    "staff_total",
    "staff_bachelor_plus",
    "volunteers",
    "revenue",
    "expenditure",
    "tax_paid",
    "net_assets",
)


class AnnualReportInline(RegistryInline):
    model = AnnualReport
    fields = ANNUAL_REPORT_FIGURES


class CreditRecordInline(RegistryInline):
    model = CreditRecord
    fields = ("kind", "reason", "decided_on", "authority", "removed_on", "removal_reason")


@admin.register(Organization)
class OrganizationAdmin(RegistryAdmin):
    list_display = (
        "name",
        "credit_code",
        "org_type",
        "priority_category",
        "street",
        "status",
        "grade",
        "registered_on",
    )
    list_filter = (
        "org_type",
        "priority_category",
        "field",
        "street",
        "status",
        "grade",
        "party_form",
        RegistrationYearFilter,
    )
    list_select_related = ("street",)
    # The (name_pinyin, id) index walks this order. Without the key in it the admin adds
    # "-pk" for a stable order, which no index serves: a search's page then sorted every
    # match (0.4 s for "hpq" at a million organizations).
    ordering = ("name_pinyin", "id")
    search_fields = ORGANIZATION_SEARCH_FIELDS
    search_help_text = _("Name, pinyin, pinyin initials (e.g. hpq) or credit code.")
    # At a million rows, COUNT(*) would cost more than the page: counts are estimated
    # above registry.search.COUNT_CAP rows (a search's: "more than" above
    # STAFF_SEARCH_COUNT_CAP), and the unfiltered total is not shown.
    show_full_result_count = False
    paginator = StaffPaginator
    # A search's page walks the list's order testing each row (registry.search.walked):
    # 100 rows cost twice what 50 do, the size of the workspace's pages.
    list_per_page = 50
    autocomplete_fields = ("street",)
    readonly_fields = ("credit_code_warnings_display",)
    inlines = (AnnualReportInline, CreditRecordInline)
    formfield_overrides = COMPACT_TEXT
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "credit_code",
                    "credit_code_warnings_display",
                    "org_type",
                    "priority_category",
                    "field",
                )
            },
        ),
        (
            _("Registration"),
            {
                "fields": (
                    "registration_authority",
                    "supervisory_unit",
                    "legal_representative",
                    "registered_funds",
                    "registered_on",
                    "domicile",
                    "street",
                    "contact_phone",
                    "business_scope",
                )
            },
        ),
        (
            _("Status"),
            {
                "fields": ("status", "status_changed_on", "status_reason"),
                "description": _(
                    "Organizations are never deleted. To record a deregistration or a "
                    "revocation, set the status and enter its date and reason."
                ),
            },
        ),
        (_("Evaluation grade"), {"fields": ("grade", "grade_awarded_on", "grade_expires_on")}),
        (
            _("Party organization"),
            {"fields": ("party_form", "party_members", "party_founded_on")},
        ),
    )

    @admin.display(description=_("credit code warnings"))
    def credit_code_warnings_display(self, obj):
        found = obj.credit_code_warnings if obj is not None else []
        if not found:
            return self.get_empty_value_display()
        items = format_html_join("", "<li>{}</li>", ((warning,) for warning in found))
        return format_html("<ul>{}</ul>", items)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "credit_code":
            kwargs["form_class"] = CreditCodeField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # The directory's search (registry.search): names by any part, pinyin, initials,
        # credit codes as pasted from a certificate (full-width, spaces, hyphens).
        return search_organizations(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        return RankedChangeList

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Other apps' sections (venture projects, incubation ...) registered through
        # hepingorgs.extensions; the registry does not know which apps they come from.
        obj = self.get_object(request, unquote(object_id))
        sections = extensions.sections("admin_sections", obj) if obj is not None else []
        extra_context = {**(extra_context or {}), "extension_sections": sections}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Valid but suspicious: staff should compare the code with the certificate.
        for warning in obj.credit_code_warnings:
            messages.warning(request, warning)


class ListingFilter(admin.SimpleListFilter):
    title = _("listing")
    parameter_name = "listing"

    def lookups(self, request, model_admin):
        return (("current", _("in force")), ("removed", _("removed")))

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.filter(removed_on__isnull=True)
        if self.value() == "removed":
            return queryset.filter(removed_on__isnull=False)
        return queryset


@admin.register(AnnualReport)
class AnnualReportAdmin(RegistryAdmin):
    list_display = ("organization", *ANNUAL_REPORT_FIGURES)
    list_filter = ("year", "result")
    list_select_related = ("organization",)
    search_fields = tuple(f"organization__{name}" for name in ORGANIZATION_SEARCH_FIELDS)
    autocomplete_fields = ("organization",)
    ordering = ("-year", "organization__name_pinyin")


@admin.register(CreditRecord)
class CreditRecordAdmin(RegistryAdmin):
    list_display = ("organization", "kind", "decided_on", "authority", "removed_on")
    list_filter = ("kind", ListingFilter)
    list_select_related = ("organization",)
    search_fields = (
        *(f"organization__{name}" for name in ORGANIZATION_SEARCH_FIELDS),
        "reason",
    )
    autocomplete_fields = ("organization",)
    date_hierarchy = "decided_on"
    formfield_overrides = COMPACT_TEXT


# ---------------------------------------------------------------------------------------
# Community-group filings and the clerks' streets
# ---------------------------------------------------------------------------------------


# Changed only by the workflow or by saving, never typed in.
FILING_STATE_FIELDS = (
    *WORKFLOW_FIELDS,
    "version",
    "created_by",
    "created_at",
    "updated_at",
)


class CommunityGroupAdminForm(WorkflowConstraintsMixin, forms.ModelForm):
    """Staff edit any street's filing; the street follows the community, and the name
    must not be taken by another active group of that street."""

    service_targets = forms.MultipleChoiceField(
        label=_("service targets"),
        choices=ServiceTarget.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = CommunityGroup
        fields = CommunityGroupForm.Meta.fields

    def clean(self):
        cleaned = super().clean()
        name, community = cleaned.get("name"), cleaned.get("community")
        if name and community:
            same, _similar = name_conflicts(
                normalize_name(name), community.street_id, self.instance.pk
            )
            if same is not None:
                self.add_error("name", duplicate_name_message(same))
        return cleaned


class FilingReasonForm(forms.Form):
    """The reason (and date) an admin action asks for before returning or cancelling."""

    reason = forms.CharField(
        label=_("reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    cancelled_on = forms.DateField(
        label=_("cancelled on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@admin.register(CommunityGroup)
class CommunityGroupAdmin(RegistryAdmin):
    """District staff's view of every street's filings, with the workspace's transitions
    as actions. Rows come through ``access.filings_for`` like everywhere else."""

    form = CommunityGroupAdminForm
    list_display = (
        "name",
        "filing_number",
        "street",
        "community",
        "category",
        "status",
        "member_count",
        "filed_on",
    )
    list_filter = ("status", "street", "category", ("upgrade_partner", admin.EmptyFieldListFilter))
    list_select_related = ("street", "community", "category")
    search_fields = ("name", "name_pinyin", "name_initials", "filing_number", "leader_name")
    show_full_result_count = False
    paginator = StaffPaginator
    list_per_page = 50
    autocomplete_fields = ("community", "registered_as", "upgrade_partner")
    readonly_fields = ("street", *FILING_STATE_FIELDS)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "community",
                    "street",
                    "category",
                    "service_targets",
                    "member_count",
                    "founded_on",
                    "venue",
                    "guiding_unit",
                )
            },
        ),
        (_("Leader (personal data)"), {"fields": ("leader_name", "leader_phone")}),
        (
            _("Filing"),
            {"fields": FILING_STATE_FIELDS},
        ),
        (
            _("Capacity upgrade and registration"),
            {"fields": ("upgrade_since", "upgrade_partner", "registered_as")},
        ),
    )
    actions = ["submit_filings", "accept_filings", "return_filings", "cancel_filings"]

    def get_queryset(self, request):
        return access.filings_for(request.user, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        # Internal page: searched as in the workspace (leader's name included, a street
        # chosen in the sidebar tested on each row the search finds).
        if not search_term.strip():
            return queryset, False
        return search_staff_groups(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        return RankedChangeList

    def save_model(self, request, obj, form, change):
        obj.street_id = obj.community.street_id
        if change:
            # An edit here makes forms opened in the workspace stale, as any edit does.
            obj.version = F("version") + 1
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        obj.refresh_from_db()

    def _apply(self, request, queryset, step, done_message, **kwargs):
        done, refused = 0, []
        for group in queryset:
            try:
                step(group, **kwargs)
                done += 1
            except ValidationError as error:
                refused.append(f"「{group.name}」：{' '.join(error.messages)}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.ERROR)

    def _ask_reason(self, request, queryset, action, title, with_date=False):
        """Intermediate page: the reason (and date), then the action runs on the rows."""
        if "apply" in request.POST:
            form = FilingReasonForm(request.POST)
            if form.is_valid():
                return form.cleaned_data
        else:
            form = FilingReasonForm(initial={"cancelled_on": timezone.localdate()})
        if not with_date:
            del form.fields["cancelled_on"]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registry/filing_reason.html", context)

    @admin.action(description=_("Submit the selected filings"), permissions=["change"])
    def submit_filings(self, request, queryset):
        self._apply(request, queryset, filings.submit, _("%(n)d filings submitted."))

    @admin.action(description=_("Accept and file the selected filings"), permissions=["change"])
    def accept_filings(self, request, queryset):
        self._apply(request, queryset, filings.accept, _("%(n)d filings accepted and numbered."))

    @admin.action(
        description=_("Return the selected filings for correction"), permissions=["change"]
    )
    def return_filings(self, request, queryset):
        answer = self._ask_reason(request, queryset, "return_filings", _("Return for correction"))
        if isinstance(answer, TemplateResponse):
            return answer
        self._apply(
            request,
            queryset,
            filings.return_for_correction,
            _("%(n)d filings returned."),
            reason=answer["reason"],
        )
        return None

    @admin.action(description=_("Cancel the selected filings"), permissions=["change"])
    def cancel_filings(self, request, queryset):
        answer = self._ask_reason(
            request, queryset, "cancel_filings", _("Cancel the filing"), with_date=True
        )
        if isinstance(answer, TemplateResponse):
            return answer
        self._apply(
            request,
            queryset,
            filings.cancel,
            _("%(n)d filings cancelled."),
            reason=answer["reason"],
            on=answer["cancelled_on"],
        )
        return None


@admin.register(ClerkProfile)
class ClerkProfileAdmin(SuperuserDeleteOnlyMixin, admin.ModelAdmin):
    """Which street a clerk works for: IT administration (superusers only, by role)."""

    list_display = ("user", "street")
    list_filter = ("street",)
    list_select_related = ("user", "street")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "street")


# ---------------------------------------------------------------------------------------
# Registration applications, deadline rules, document checklists and notices
# ---------------------------------------------------------------------------------------


class ApplicationChangeInline(RegistryInline):
    model = ApplicationChange
    fields = ("item", "old_value", "new_value")
    verbose_name_plural = _("changed items (change registration only)")

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.is_open)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)


class ApplicationDocumentInline(RegistryInline):
    model = ApplicationDocument
    fields = ("name", "required", "received", "received_on", "note")

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.is_open)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)


class ApplicationAdminForm(forms.ModelForm):
    """The model's constraints name the fields each kind needs; say it on the field."""

    class Meta:
        model = RegistrationApplication
        fields = (
            "kind",
            "organization",
            "received_on",
            "name",
            "org_type",
            "priority_category",
            "field",
            "domicile",
            "street",
            "legal_representative",
            "registered_funds",
            "supervisory_unit",
            "business_scope",
            "consent_on",
            "liquidation_ended_on",
            "deregistration_reason",
        )

    ESTABLISHMENT_FIELDS = (
        "name",
        "org_type",
        "field",
        "domicile",
        "legal_representative",
        "registered_funds",
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ApplicationKind.ESTABLISHMENT:
            for name in self.ESTABLISHMENT_FIELDS:
                if name in self.fields and cleaned.get(name) in (None, ""):
                    self.add_error(name, _("An establishment application needs this."))
        elif kind and "organization" in self.fields and not cleaned.get("organization"):
            self.add_error("organization", _("Choose the organization."))
        if kind == ApplicationKind.DEREGISTRATION:
            for name in ("liquidation_ended_on", "deregistration_reason"):
                if name in self.fields and cleaned.get(name) in (None, ""):
                    self.add_error(name, _("A deregistration application needs this."))
        return cleaned


class StepForm(forms.Form):
    """The date (and reason) an admin action asks for before it runs."""

    on = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    text = forms.CharField(
        label=_("reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


APPLICATION_WORKFLOW_FIELDS = (
    "status",
    "complete_on",
    "correction_requested_on",
    "correction_note",
    "accepted_on",
    "review_started_on",
    "decided_on",
    "decision_reason",
    "created_at",
    "updated_at",
)


@admin.register(RegistrationApplication)
class RegistrationApplicationAdmin(RegistryAdmin):
    """Applications as staff record them from the paper file; the workflow's steps are
    actions (each asks for its date, and a reason where the law wants one, before it
    runs) and buttons on the staff page /applications/<id>/."""

    form = ApplicationAdminForm
    list_display = ("__str__", "kind", "status", "received_on", "decided_on", "staff_page")
    list_filter = ("kind", "status", "received_on")
    list_select_related = ("organization",)
    search_fields = (
        "name",
        *(f"organization__{name}" for name in ORGANIZATION_SEARCH_FIELDS),
    )
    date_hierarchy = "received_on"
    autocomplete_fields = ("organization", "street")
    readonly_fields = (*APPLICATION_WORKFLOW_FIELDS, "staff_page")
    inlines = (ApplicationChangeInline, ApplicationDocumentInline)
    formfield_overrides = COMPACT_TEXT
    fieldsets = (
        (None, {"fields": ("kind", "organization", "received_on", "staff_page")}),
        (
            _("Proposed organization (establishment)"),
            {
                "fields": (
                    "name",
                    "org_type",
                    "priority_category",
                    "field",
                    "domicile",
                    "street",
                    "legal_representative",
                    "registered_funds",
                    "supervisory_unit",
                    "business_scope",
                )
            },
        ),
        (
            _("Dates that start the applicant's time"),
            {"fields": ("consent_on", "liquidation_ended_on", "deregistration_reason")},
        ),
        (_("Workflow"), {"fields": APPLICATION_WORKFLOW_FIELDS}),
    )
    actions = [
        "accept_applications",
        "start_review",
        "approve_applications",
        "receive_corrections",
        "request_corrections",
        "refuse_applications",
        "withdraw_applications",
    ]

    def has_change_permission(self, request, obj=None):
        # A decided application is a record: nothing on it changes any more.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "kind") if obj is not None else fields

    @admin.display(description=_("staff page"))
    def staff_page(self, obj):
        if obj is None or obj.pk is None:
            return self.get_empty_value_display()
        return format_html(
            '<a href="{}">{}</a>', reverse("applications:detail", args=[obj.pk]), _("open")
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        applications.prepare(form.instance)

    def _apply(self, request, queryset, step, done_message, **kwargs):
        done, refused = 0, []
        for application in queryset:
            try:
                step(application, **kwargs)
                done += 1
            except ValidationError as error:
                refused.append(f"「{application}」：{' '.join(error.messages)}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.ERROR)

    def _confirm(self, request, queryset, action, title, with_text=False, text_label=None):
        """Intermediate page: the date (and reason), then the action runs on the rows."""
        if "apply" in request.POST:
            form = StepForm(request.POST)
            if not with_text:
                del form.fields["text"]
            if form.is_valid():
                return form.cleaned_data
        else:
            form = StepForm(initial={"on": timezone.localdate()})
            if not with_text:
                del form.fields["text"]
        if with_text and text_label:
            form.fields["text"].label = text_label
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registry/application_step.html", context)

    def _step(self, request, queryset, action, step, title, done, asks=None, label=None):
        answer = self._confirm(request, queryset, action, title, bool(asks), label)
        if isinstance(answer, TemplateResponse):
            return answer
        kwargs = {"on": answer["on"]}
        if asks:
            kwargs[asks] = answer["text"]
        self._apply(request, queryset, step, done, **kwargs)
        return None

    @admin.action(description=_("Accept the selected applications"), permissions=["change"])
    def accept_applications(self, request, queryset):
        return self._step(
            request,
            queryset,
            "accept_applications",
            applications.accept,
            _("Accept (documents complete)"),
            _("%(n)d applications accepted."),
        )

    @admin.action(description=_("Start the review"), permissions=["change"])
    def start_review(self, request, queryset):
        return self._step(
            request,
            queryset,
            "start_review",
            applications.start_review,
            _("Start review"),
            _("%(n)d applications under review."),
        )

    @admin.action(
        description=_("Approve and register the selected applications"), permissions=["change"]
    )
    def approve_applications(self, request, queryset):
        return self._step(
            request,
            queryset,
            "approve_applications",
            applications.approve,
            _("Approve and register: the register changes at once"),
            _("%(n)d applications approved and applied to the register."),
        )

    @admin.action(description=_("Record the arrival of the correction"), permissions=["change"])
    def receive_corrections(self, request, queryset):
        return self._step(
            request,
            queryset,
            "receive_corrections",
            applications.receive_correction,
            _("Correction received"),
            _("%(n)d corrections received; the clock restarts."),
        )

    @admin.action(description=_("Request a correction"), permissions=["change"])
    def request_corrections(self, request, queryset):
        return self._step(
            request,
            queryset,
            "request_corrections",
            applications.request_correction,
            _("Request a correction"),
            _("%(n)d corrections requested; the clock stops."),
            asks="note",
            label=_("what is missing"),
        )

    @admin.action(description=_("Refuse registration"), permissions=["change"])
    def refuse_applications(self, request, queryset):
        return self._step(
            request,
            queryset,
            "refuse_applications",
            applications.refuse,
            _("Refuse registration"),
            _("%(n)d applications refused."),
            asks="reason",
        )

    @admin.action(description=_("Record the withdrawal"), permissions=["change"])
    def withdraw_applications(self, request, queryset):
        return self._step(
            request,
            queryset,
            "withdraw_applications",
            applications.withdraw,
            _("Withdrawn by the applicant"),
            _("%(n)d applications withdrawn."),
            asks="reason",
        )


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(RegistryAdmin):
    list_display = ("kind", "decision_days", "applicant_days", "day_count", "legal_basis")
    list_editable = ("decision_days", "applicant_days", "day_count")
    formfield_overrides = COMPACT_TEXT

    def has_add_permission(self, request):
        # One rule per kind, made by the migration; staff edit them.
        return False


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(RegistryAdmin):
    list_display = ("name", "kind", "required", "position", "is_active")
    list_editable = ("required", "position", "is_active")
    list_filter = ("kind", "required", "is_active")
    search_fields = ("name",)


@admin.register(Notice)
class NoticeAdmin(RegistryAdmin):
    """Notices are written by the decisions; staff read them here (and in History)."""

    list_display = ("published_on", "kind", "name", "credit_code")
    list_filter = ("kind", "published_on")
    search_fields = ("name", "credit_code", "text")
    date_hierarchy = "published_on"

    # A published notice is kept as published (the feed promises it never changes), and
    # a notice without its decision would announce nothing that happened.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------
# Ledger imports
# ---------------------------------------------------------------------------------------


@admin.register(ImportBatch)
class ImportBatchAdmin(RegistryAdmin):
    """Who imported which ledger file when: read only (uploads come through /imports/)."""

    list_display = ("file_name", "kind", "uploaded_by", "street", "created_at", "committed_at")
    list_filter = ("kind", ("committed_at", admin.EmptyFieldListFilter))
    list_select_related = ("uploaded_by", "street")
    search_fields = ("file_name", "uploaded_by__username", "sha256")
    date_hierarchy = "created_at"
    fields = ("file_name", "kind", "uploaded_by", "street", "sha256", "created_at", "committed_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "report")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
