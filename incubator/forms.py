"""Forms of the incubation centre's admin.

Incubation-centre staff have no registry permissions. Where a residency or a mentor links
to a registered organization or a filed community group, the choice lists offer names
only (active organizations, filed groups, plus the record already linked), never the
registry's other fields: no leaders, no phones.

The rules of the models' constraints are also checked here, on the field they concern,
so staff read a message next to the field instead of meeting the database's refusal.
"""

from decimal import Decimal

from django import forms
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incubator.models import (
    MAX_SESSION_HOURS,
    Mentor,
    MentoringSession,
    MentorKind,
    Mode,
    Outcome,
    Residency,
    Space,
    Specialty,
)
from registry.models import CommunityGroup, FilingStatus, Organization, OrgStatus


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.filing_number}）" if obj.filing_number else obj.name


def organization_choices(current_id=None):
    """Active registered organizations, by name only; the one linked now stays choosable."""
    keep = Q(status=OrgStatus.ACTIVE)
    if current_id:
        keep |= Q(pk=current_id)
    return Organization.objects.filter(keep).only("id", "name").order_by("name_pinyin")


def group_choices(current_id=None):
    """Filed community groups, by name and filing number only (no leaders, no phones)."""
    keep = Q(status=FilingStatus.FILED)
    if current_id:
        keep |= Q(pk=current_id)
    return (
        CommunityGroup.objects.filter(keep)
        .only("id", "name", "filing_number")
        .order_by("name_pinyin", "id")
    )


def date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ResidencyForm(forms.ModelForm):
    organization = OrganizationChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label=gettext_lazy("registered organization"),
        help_text=gettext_lazy("If the incubated party is registered."),
    )
    community_group = GroupChoiceField(
        queryset=CommunityGroup.objects.none(),
        required=False,
        label=gettext_lazy("filed community group"),
        help_text=gettext_lazy("If the incubated party is a filed community group."),
    )

    class Meta:
        model = Residency
        fields = [
            "organization",
            "community_group",
            "name",
            "contact_name",
            "contact_phone",
            "mode",
            "intake_year",
            "batch",
            "origin",
            "started_on",
            "planned_end_on",
            "ended_on",
            "space",
            "outcome",
            "outcome_on",
            "outcome_note",
            "notes",
        ]
        widgets = {
            "started_on": date_widget(),
            "planned_end_on": date_widget(),
            "ended_on": date_widget(),
            "outcome_on": date_widget(),
            "outcome_note": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["organization"].queryset = organization_choices(instance.organization_id)
        self.fields["community_group"].queryset = group_choices(instance.community_group_id)
        if "space" in self.fields:
            keep = Q(is_active=True)
            if instance.space_id:
                keep |= Q(pk=instance.space_id)
            self.fields["space"].queryset = Space.objects.filter(keep)

    def clean(self):
        cleaned = super().clean()
        get = cleaned.get
        if get("organization") and get("community_group"):
            self.add_error(
                "community_group",
                _("Link the registered organization or the filed community group, not both."),
            )
        if not get("organization") and not get("community_group") and not get("name"):
            if "name" not in self.errors:
                self.add_error(
                    "name",
                    _("Enter the name of a group that is neither registered nor filed yet."),
                )
        start = get("started_on")
        if start and get("ended_on") and get("ended_on") < start:
            self.add_error("ended_on", _("The actual end date cannot be before the start date."))
        if start and get("planned_end_on") and get("planned_end_on") < start:
            self.add_error(
                "planned_end_on", _("The planned end date cannot be before the start date.")
            )
        if get("outcome") and get("outcome") != Outcome.ONGOING and not get("outcome_on"):
            self.add_error("outcome_on", _("An outcome other than in incubation needs its date."))
        space = get("space")
        if space is not None and get("mode") == Mode.OUT_OF_SHELL:
            self.add_error("space", _("An out-of-shell residency holds no space."))
        elif space is not None:
            # Two saves for one space wait for each other here (the admin saves in a
            # transaction), so the overlap check below sees the other's committed row
            # and answers with a message rather than the database's refusal.
            Space.objects.select_for_update().filter(pk=space.pk).exists()
        return cleaned


class MentorForm(forms.ModelForm):
    organization = OrganizationChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label=gettext_lazy("professional organization"),
    )
    specialties = forms.MultipleChoiceField(
        label=gettext_lazy("specialties"),
        choices=Specialty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Mentor
        fields = ["kind", "name", "organization", "specialties", "phone", "email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organization_choices(self.instance.organization_id)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == MentorKind.PERSON:
            if not cleaned.get("name") and "name" not in self.errors:
                self.add_error("name", _("A person mentor needs a name."))
            if cleaned.get("organization"):
                self.add_error(
                    "organization",
                    _("A person mentor is not linked to an organization; choose the kind."),
                )
        elif kind == MentorKind.ORGANIZATION and not cleaned.get("organization"):
            if "organization" not in self.errors:
                self.add_error(
                    "organization", _("An organization mentor needs the registered organization.")
                )
        return cleaned


class MentoringSessionForm(forms.ModelForm):
    class Meta:
        model = MentoringSession
        fields = ["date", "mentor", "topic", "hours", "notes"]
        widgets = {"date": date_widget(), "notes": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        day, mentor, hours = cleaned.get("date"), cleaned.get("mentor"), cleaned.get("hours")
        if day and mentor and hours:
            others = MentoringSession.objects.filter(date=day, mentor=mentor)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            booked = others.aggregate(total=Sum("hours"))["total"] or Decimal(0)
            if booked + hours > MAX_SESSION_HOURS:
                self.add_error(
                    "hours",
                    _(
                        "Hours: this mentor already has %(booked)s hours of sessions on "
                        "%(day)s; a day holds at most %(max)d."
                    )
                    % {"booked": booked, "day": day.isoformat(), "max": MAX_SESSION_HOURS},
                )
        return cleaned
