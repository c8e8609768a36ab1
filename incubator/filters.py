"""The admin's list filters of the incubation centre that are not plain field filters."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incubator.models import Mentor, Specialty


class SpecialtyFilter(admin.SimpleListFilter):
    """Mentor specialty; ``path`` leads from the listed model to the mentor."""

    title = _("mentor specialty")
    parameter_name = "specialty"
    path = "specialties"

    def lookups(self, request, model_admin):
        return Specialty.choices

    def queryset(self, request, queryset):
        if self.value() in Specialty.values:
            return queryset.filter(**{f"{self.path}__contains": [self.value()]}).distinct()
        return queryset


class SessionSpecialtyFilter(SpecialtyFilter):
    path = "mentor__specialties"


class ResidencySpecialtyFilter(SpecialtyFilter):
    path = "session_attendance__session__mentor__specialties"


class MentorFilter(admin.SimpleListFilter):
    title = _("mentor")
    parameter_name = "mentor"

    def lookups(self, request, model_admin):
        return [(str(m.pk), str(m)) for m in Mentor.objects.select_related("organization")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(mentor_id=self.value())
        return queryset
