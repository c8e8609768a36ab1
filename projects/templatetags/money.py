"""``{{ amount|yuan }}``: yuan with two places and thousands commas, as on Chinese
financial statements (the zh_Hans number format would group by ten thousands without a
separator). The admin and the organization sections use the same function."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value):
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
