"""Forms of the projects app: the application form staff enter in the admin, and the
forms the admin's transition actions ask before they run (one workflow step each)."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hepingorgs.limits import INTEGER_MAX, TEXT_MAX_LENGTH
from projects import workflow
from projects.models import (
    WORKFLOW_FIELDS,
    EvaluationGrade,
    Project,
    RoundStatus,
)


class WorkflowConstraintsMixin:
    """Also check the model's constraints that involve the workflow fields (as
    ``registry.forms.WorkflowConstraintsMixin`` does for filings): lowering the request
    of an approved project below its award is then a message, not a server error."""

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - set(WORKFLOW_FIELDS)


class ProjectForm(WorkflowConstraintsMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "round",
            "applicant_organization",
            "applicant_group",
            "host",
            "title",
            "field",
            "streets",
            "communities",
            "summary",
            "planned_start",
            "planned_end",
            "requested",
            "co_funding",
            "target_beneficiaries",
        ]

    def clean_round(self):
        round_ = self.cleaned_data["round"]
        changed = self.instance.pk is None or round_.pk != self.instance.round_id
        if changed and round_.status != RoundStatus.OPEN:
            raise forms.ValidationError(
                _("The round %(round)s no longer takes applications (it is %(status)s).")
                % {"round": round_, "status": round_.get_status_display()}
            )
        return round_

    def clean(self):
        cleaned = super().clean()
        communities, streets = cleaned.get("communities"), cleaned.get("streets")
        if communities and streets is not None:
            outside = [c.name for c in communities if c.street not in streets]
            if outside:
                self.add_error(
                    "communities",
                    _("These communities are not in the streets served: %(names)s.")
                    % {"names": "、".join(outside)},
                )
        return cleaned


class TransitionForm(forms.Form):
    """Asked once for all the selected projects; ``kwargs_for`` gives the step's
    arguments for one of them."""

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = projects

    def kwargs_for(self, project):
        return dict(self.cleaned_data)


class ConfirmForm(TransitionForm):
    pass


def _date_field(label):
    return forms.DateField(
        label=label,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DateForm(TransitionForm):
    on = _date_field(_("date"))


class ReasonForm(TransitionForm):
    reason = forms.CharField(
        label=_("reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    on = _date_field(_("date"))


class NoticeForm(TransitionForm):
    notice_from = _date_field(_("public notice from"))
    notice_until = forms.DateField(
        label=_("public notice until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("notice_from"), cleaned.get("notice_until")
        if start and end and end < start:
            self.add_error("notice_until", _("The public notice cannot end before it begins."))
        return cleaned


class EvaluationForm(TransitionForm):
    on = _date_field(_("evaluated on"))
    score = forms.DecimalField(
        label=_("score"), min_value=0, max_value=100, max_digits=4, decimal_places=1
    )
    grade = forms.ChoiceField(label=_("grade"), choices=EvaluationGrade.choices)
    evaluator = forms.CharField(label=_("evaluator"), max_length=200)
    served = forms.IntegerField(
        label=_("beneficiaries actually served"), min_value=0, max_value=INTEGER_MAX
    )
    summary = forms.CharField(
        label=_("summary"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(TransitionForm):
    """One awarded amount per selected project, proposed as its request within the cap."""

    on = _date_field(_("decided on"))

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, projects=projects, **kwargs)
        for project in projects:
            self.fields[f"awarded_{project.pk}"] = forms.DecimalField(
                label=_("awarded to “%(title)s” (yuan)") % {"title": project.title},
                min_value=Decimal("0.01"),
                max_digits=16,
                decimal_places=2,
                initial=workflow.default_award(project),
            )

    def kwargs_for(self, project):
        return {
            "awarded": self.cleaned_data[f"awarded_{project.pk}"],
            "on": self.cleaned_data["on"],
        }
