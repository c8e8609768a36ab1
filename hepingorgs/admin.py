"""Admin pieces every app uses: rows that are never deleted, and the change history that
django-pghistory records, shown on each record's History page."""

from functools import partial

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import display_for_field, quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import UniqueConstraint
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hepingorgs.history import history_for
from hepingorgs.links import row_links
from hepingorgs.markup import escaped


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

    def result_rows(self):
        """Each row's cells as one HTML string, the cells Django's
        ``admin_list.items_for_result`` writes, or None where this list is not one this
        method writes (then Django's ``result_list`` does, as always).

        Django works out each cell of each row afresh: how the column's name is found
        (a field, the admin's method, the model's), its empty value, its classes, a
        choice field's labels (every choice flattened again per cell), and then formats
        the cell with ``format_html``; 50 rows of eight columns took a third of the
        admin's search page at a million organizations (bench/directory.py). Here each
        column's writer is made once per page. Only lists whose columns are all model
        fields (and the selection box) are written here; a column computed by a method,
        an editable list (``list_editable``) or a pop-up list is left to Django."""
        if self.formset is not None or self.is_popup:
            return None
        writers = []
        first = True
        for name in self.list_display:
            linked = self.list_display_links is not None and (
                name in self.list_display_links or (first and not self.list_display_links)
            )
            writer = self._cell_writer(name, ("th" if first else "td") if linked else None)
            if writer is None:
                return None
            first = first and not linked
            writers.append(writer)
        return [
            mark_safe("".join([write(result) for write in writers])) for result in self.result_list
        ]

    def _cell_writer(self, name, link_tag):
        """A function writing the cell of column ``name`` of a row (in ``link_tag`` with
        the row's link, when the column carries it); None for a column that is not a
        model's own field or the selection box."""
        if name == "action_checkbox" and not link_tag:
            checkbox = self.model_admin.action_checkbox
            return lambda result: f'<td class="action-checkbox">{checkbox(result)}</td>'
        try:
            field = self.lookup_opts.get_field(name) if isinstance(name, str) else None
        except FieldDoesNotExist:
            field = None
        if (
            field is None
            or not field.concrete
            or field.name != name
            or (field.is_relation and not field.many_to_one)
        ):
            return None
        empty = self.model_admin.get_empty_value_display()
        nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
        opening = f'<{link_tag or "td"} class="field-{name}{" nowrap" if nowrap else ""}">'
        closing = f"</{link_tag or 'td'}>"

        def value_of(result):
            value = getattr(result, name)
            # Blank text is empty text, as items_for_result takes it.
            return "" if isinstance(value, str) and not value.strip() else value

        if field.many_to_one:

            def shown(result):
                value = getattr(result, name)
                return empty if value is None else value

        elif field.flatchoices:
            try:
                labels = {value: str(label) for value, label in field.flatchoices}
            except TypeError:  # unhashable choices (lists): Django's own way
                labels = None

            def shown(result):
                value = value_of(result)
                if labels is None:
                    return display_for_field(value, field, empty, avoid_link=bool(link_tag))
                return labels.get(value, empty)

        elif type(field) in (models.CharField, models.TextField):
            # display_for_field's way for text: the empty value, or the text itself.
            blank = field.empty_values

            def shown(result):
                value = value_of(result)
                return empty if value in blank else value

        else:
            # Dates and numbers formatted for the language once per value on the page
            # (keyed by type too: True and 1 are equal keys, but not the same JSON).
            formatted = {}

            def shown(result):
                value = value_of(result)
                key = (type(value), value)
                try:
                    return formatted[key]
                except KeyError:
                    text = display_for_field(value, field, empty, avoid_link=bool(link_tag))
                    formatted[key] = text
                    return text
                except TypeError:  # unhashable
                    return display_for_field(value, field, empty, avoid_link=bool(link_tag))

        if link_tag:

            def write(result):
                link = escaped(self.url_for_result(result))
                return f'{opening}<a href="{link}">{escaped(shown(result))}</a>{closing}'

        else:

            def write(result):
                return f"{opening}{escaped(shown(result))}{closing}"

        return write


class QuickListMixin:
    """For a ModelAdmin whose list may be long: ``QuickChangeList``, and the rows'
    selection boxes written directly, as Django's CheckboxInput draws them, rather than
    each rendered through the form renderer's template (a third of the rows' rendering
    in the registry's admin)."""

    # Django's change list, with the rows written by ``QuickChangeList.result_rows``.
    change_list_template = "admin/quick_change_list.html"

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


class AdminSite(admin.AdminSite):
    """The staff admin's site (``admin.site``, made by ``hepingorgs.apps.AdminConfig``)."""

    site_header = gettext_lazy("Heping District social organizations")
    site_title = gettext_lazy("Social organization registry")
    index_title = gettext_lazy("Registry administration")
    # The changelists have many columns and filters; the app sidebar would squeeze them.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        """Django's list of apps and models, made when it is first read. Every admin
        page gets it for the navigation sidebar (``each_context``), which is off here:
        asking the user's permission on each of some forty models took a tenth of a
        change list's time at a million organizations (bench/directory.py). The index
        pages read it as before."""
        return SimpleLazyObject(partial(super().get_app_list, request, app_label))
