"""hepingorgs.markup writes what Django's format_html and conditional_escape write."""

import datetime
from decimal import Decimal

import pytest
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from hepingorgs import opendata
from hepingorgs.markup import escaped, html_join

VALUES = [
    "福明社区<合唱团> & \"友\" '邻'",
    mark_safe("<b>already HTML</b>"),
    gettext_lazy("status"),
    42,
    Decimal("1234.50"),
    datetime.date(2026, 11, 30),
    None,
    "",
    "javascript:alert('x')",
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escaped_is_conditional_escape(value):
    with override("zh-hans"):
        assert escaped(value) == conditional_escape(value)


def test_html_join_is_format_html_join():
    template = '<tr><td data-label="{}">{}</td><td><a href="{}">{}</a></td></tr>'
    rows = [tuple(VALUES[i : i + 4]) for i in range(len(VALUES) - 3)]
    with override("zh-hans"):
        ours = html_join(template, rows)
        django = format_html_join("", template, rows)
    assert ours == django and isinstance(ours, SafeString)
    assert "&lt;合唱团&gt;" in ours and "<b>already HTML</b>" in ours
    assert html_join(template, []) == ""


def test_quick_select_draws_what_djangos_select_draws():
    from django import forms

    choices = [
        ("", "全部 <街道>"),
        ("1", "劝业场 & 小白楼"),
        (2, gettext_lazy("status")),
        ("group", [("3", '"引号"'), ("4", mark_safe("<i>安全</i>"))]),
    ]
    for value in ["1", "2", "4", "", None, "nothing"]:
        django = forms.Select(choices=choices, attrs={"id": "id_s"})
        quick = opendata.QuickSelect(choices=choices, attrs={"id": "id_s"})
        with override("zh-hans"):
            expected = django.render("s", value)
            drawn = quick.render("s", value)
        assert _normalized(drawn) == _normalized(expected), value


def _normalized(html):
    # Django's templates put each option on its own line and indent them.
    return "".join(line.strip() for line in html.splitlines())
