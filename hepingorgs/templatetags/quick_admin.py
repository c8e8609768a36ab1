"""``{% quick_result_list cl %}``: Django's ``{% result_list cl %}`` with the rows written
by ``hepingorgs.admin.QuickChangeList.result_rows`` where it writes them."""

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode

register = template.Library()


def quick_result_list(cl):
    rows = cl.result_rows() if hasattr(cl, "result_rows") else None
    if rows is None:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],  # only an editable list's forms have any
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        # One item a row: the template writes a row's items one after the other.
        "results": [admin_list.ResultList(None, [row]) for row in rows],
    }


@register.tag(name="quick_result_list")
def quick_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=quick_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
