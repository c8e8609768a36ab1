"""Forms of the clerks' filing workspace."""

from django import forms
from django.contrib.postgres.search import TrigramSimilarity
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hepingorgs import access
from hepingorgs.limits import INTEGER_MAX, TEXT_MAX_LENGTH
from registry.models import (
    WORKFLOW_FIELDS,
    CommunityGroup,
    FilingCategory,
    FilingStatus,
    Organization,
    OrgStatus,
    ServiceTarget,
)

# pg_trgm similarity from which two names of one street are "very similar".
SIMILAR_NAME_THRESHOLD = 0.5

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,5})?)$",
    gettext_lazy(
        "Enter a mobile number of 11 digits or a landline number with its area code, "
        "e.g. 022-23456789."
    ),
)


def normalize_name(name):
    return " ".join((name or "").split())


def name_conflicts(name, street_id, exclude_pk=None):
    """The active group of the street with exactly this name (or None), and up to five
    with very similar names (pg_trgm similarity)."""
    others = CommunityGroup.objects.filter(street_id=street_id).exclude(
        status=FilingStatus.CANCELLED
    )
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    same = others.filter(name=name).select_related("community").first()
    if same is not None:
        return same, []
    similar = list(
        others.annotate(similarity=TrigramSimilarity("name", name))
        .filter(similarity__gte=SIMILAR_NAME_THRESHOLD)
        .order_by("-similarity")[:5]
    )
    return None, similar


def duplicate_name_message(same):
    return _(
        "An active group of this street is already called %(name)s "
        "(%(status)s%(number)s, %(community)s)."
    ) % {
        "name": f"「{same.name}」",
        "status": same.get_status_display(),
        "number": f" {same.filing_number}" if same.filing_number else "",
        "community": same.community,
    }


class WorkflowConstraintsMixin:
    """Also check the model's constraints that involve the workflow fields.

    Those fields are never in a form, and Django skips every constraint that mentions a
    field the form leaves out; for a filed group, clearing the leader's phone would then
    reach the database's check and fail as a server error instead of a message. The
    instance's own values of these fields are authoritative, so they are checked as is.
    """

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - set(WORKFLOW_FIELDS)


class CommunityGroupForm(WorkflowConstraintsMixin, forms.ModelForm):
    """Create or edit a draft or returned filing.

    The street is never a form field: it is the community's street, and the community
    must be one the user may file in (a clerk: only their own street's).
    """

    service_targets = forms.MultipleChoiceField(
        label=gettext_lazy("service targets"),
        choices=ServiceTarget.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=INTEGER_MAX
    )
    confirm_similar = forms.BooleanField(
        label=gettext_lazy("I have checked: this is a different group from the similar names"),
        required=False,
    )

    class Meta:
        model = CommunityGroup
        fields = [
            "name",
            "community",
            "category",
            "service_targets",
            "leader_name",
            "leader_phone",
            "member_count",
            "founded_on",
            "venue",
            "guiding_unit",
            "upgrade_since",
            "upgrade_partner",
            "registered_as",
        ]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "upgrade_since": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.similar_groups = []
        self.fields["community"].queryset = access.communities_for(user)
        self.fields["category"].queryset = FilingCategory.objects.filter(is_active=True)
        organizations = Organization.objects.filter(status=OrgStatus.ACTIVE).only("id", "name")
        self.fields["upgrade_partner"].queryset = organizations
        self.fields["registered_as"].queryset = organizations
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # District staff may move a group between communities of its own street only.
            self.fields["community"].queryset = self.fields["community"].queryset.filter(
                street_id=self.instance.street_id
            )

    def clean(self):
        cleaned = super().clean()
        street = access.clerk_street(self.user)
        posted_street = self.data.get("street")
        if street is not None and posted_street not in (None, "", str(street.pk)):
            raise forms.ValidationError(
                _("You can only file groups of your own street (%(street)s).")
                % {"street": street.name}
            )
        name = cleaned.get("name")
        community = cleaned.get("community")
        if name and community:
            self._check_names(normalize_name(name), community.street_id)
        founded = cleaned.get("founded_on")
        if founded and founded > self.today():
            self.add_error("founded_on", _("The founding date cannot be in the future."))
        if cleaned.get("upgrade_partner") and not cleaned.get("upgrade_since"):
            self.add_error(
                "upgrade_since",
                _("A paired organization needs the date the group joined the upgrade plan."),
            )
        return cleaned

    def today(self):
        return timezone.localdate()

    def _check_names(self, name, street_id):
        same, similar = name_conflicts(name, street_id, self.instance.pk)
        if same is not None:
            self.add_error("name", duplicate_name_message(same))
            return
        self.similar_groups = similar
        if similar and not self.cleaned_data.get("confirm_similar"):
            self.add_error(
                "confirm_similar",
                _(
                    "Very similar names are already filed in this street: %(names)s. "
                    "If this is a different group, tick the box and save again."
                )
                % {"names": "、".join(f"「{g.name}」" for g in similar)},
            )

    def clean_name(self):
        return normalize_name(self.cleaned_data["name"])

    def clean_leader_phone(self):
        phone = "".join(self.cleaned_data["leader_phone"].split())
        if phone:
            phone_validator(phone)
        return phone

    def save(self, commit=True):
        group = super().save(commit=False)
        group.street_id = group.community.street_id
        if commit:
            group.save()
        return group


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason for return"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    cancelled_on = forms.DateField(
        label=gettext_lazy("cancelled on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=gettext_lazy("reason for cancellation"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_cancelled_on(self):
        day = self.cleaned_data["cancelled_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The cancellation date cannot be in the future."))
        return day
