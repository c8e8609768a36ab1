"""Posting admin forms as a browser would: the fields plus each inline's management form."""

from django.urls import reverse


def admin_url(model, view, *args):
    return reverse(f"admin:incubator_{model._meta.model_name}_{view}", args=args)


def management_data(response):
    """The hidden management fields of every inline on an admin add or change page."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        form = inline.formset.management_form
        for name, field in form.fields.items():
            data[f"{form.prefix}-{name}"] = form.initial.get(name, field.initial)
        # The rows already there are sent back as they are; no new rows unless added.
        data[f"{form.prefix}-TOTAL_FORMS"] = inline.formset.initial_form_count()
        for row in inline.formset.initial_forms:
            for name in row.fields:
                value = row[name].value()
                if value is None or value is False:
                    continue
                data[row.add_prefix(name)] = getattr(value, "isoformat", lambda v=value: v)()
    return data


def post_admin(client, url, fields, inline_rows=None):
    """GET ``url`` for the inlines' management forms, then POST ``fields`` (and rows)."""
    data = management_data(client.get(url))
    data.update({k: ("" if v is None else v) for k, v in fields.items()})
    for prefix, rows in (inline_rows or {}).items():
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        for index, row in enumerate(rows):
            for name, value in row.items():
                data[f"{prefix}-{index}-{name}"] = value
    return client.post(url, data)


def errors_of(response):
    """Every error message on an admin form page: fields, whole form, inlines."""
    form = response.context["adminform"].form
    found = [str(e) for errors in form.errors.values() for e in errors]
    for inline in response.context["inline_admin_formsets"]:
        for errors in inline.formset.errors:
            found += [str(e) for messages in errors.values() for e in messages]
        found += [str(e) for e in inline.formset.non_form_errors()]
    return found
