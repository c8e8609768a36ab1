"""Admin pieces every app uses: rows that are never deleted, and the change history that
django-pghistory records, shown on each record's History page."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db.models import UniqueConstraint
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hepingorgs.history import history_for
from hepingorgs.links import row_links


class SuperuserDeleteOnlyMixin:
    """Registry rows are deregistered, revoked, cancelled or retired, never deleted.

    Only superusers (the IT administrators) may delete, e.g. a row entered twice by
    mistake. Without the delete permission Django also withholds the "delete selected"
    action and the inline delete boxes, and answers 403 to the delete page.
    """

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class ConstraintMessageInlineFormSet(BaseInlineFormSet):
    """Two rows of one inline that collide (e.g. two annual reports for one year) are
    reported with the model's UniqueConstraint message, the one a single form shows."""

    def get_unique_error_message(self, unique_check):
        for constraint in self.model._meta.total_unique_constraints:
            if (
                set(constraint.fields) == set(unique_check)
                and constraint.violation_error_message
                != UniqueConstraint.default_violation_error_message
            ):
                return constraint.get_violation_error_message()
        return super().get_unique_error_message(unique_check)


class TrackedHistoryMixin:
    """Shows a record's pghistory events on the admin History page.

    Django's own history lists only LogEntry rows written by admin saves; the triggers
    also see bulk writes, imports and the clerk workspace, so the history comes from them.
    For models decorated with ``@pghistory.track()``.
    """

    object_history_template = "admin/tracked_object_history.html"

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not hasattr(self.model, "events"):
            errors.append(
                checks.Error(
                    f"{self.model.__name__} has no 'events': decorate it with "
                    "@pghistory.track() or drop TrackedHistoryMixin.",
                    obj=self.__class__,
                    id="hepingorgs.E001",
                )
            )
        return errors

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # Permission first, as Django's own history view: a user without it gets 403
        # whether or not the row exists (or is outside their scope).
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "entries": history_for(obj),
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


class QuickChangeList(ChangeList):
    """Django's ChangeList, with each row's link written directly: the change page's URL
    reversed once per list, and the list's filters added by the row itself.

    Django adds the filters to every row's link with ``add_preserved_filters``, which
    resolves the link's URL against the whole URL configuration to learn whether it is
    the list itself (it never is for a row): 50 resolutions a page, a fifth of a search
    page's rendering in the admin of three million groups (bench/directory.py). The
    links are the same, ``?_changelist_filters=...`` as Django writes it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # ``preserved_filters`` is read only by the rows (admin_list.items_for_result),
        # which find it empty and keep the link as ``url_for_result`` gives it.
        self.row_filters, self.preserved_filters = self.preserved_filters, ""
        self._change_url = row_links(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            current_app=self.model_admin.admin_site.name,
        )

    def url_for_result(self, result):
        url = self._change_url(quote(getattr(result, self.pk_attname)))
        return f"{url}?{self.row_filters}" if self.row_filters else url


class QuickListMixin:
    """For a ModelAdmin whose list may be long: ``QuickChangeList``, and the rows'
    selection boxes written directly, as Django's CheckboxInput draws them, rather than
    each rendered through the form renderer's template (a third of the rows' rendering
    in the registry's admin)."""

    def get_changelist(self, request, **kwargs):
        return QuickChangeList

    def action_checkbox(self, obj):
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


admin.site.site_header = gettext_lazy("Heping District social organizations")
admin.site.site_title = gettext_lazy("Social organization registry")
admin.site.index_title = gettext_lazy("Registry administration")
# The changelists have many columns and filters; the app sidebar would squeeze them.
admin.site.enable_nav_sidebar = False
