"""The district's yearly figures, contributed by each app and placed by one writer.

Each app that has figures defines ``<app>/stats.py`` with

    def annual(year) -> AppFigures

giving its figures as of 31 December of ``year`` (an organization deregistered the next
year still counts; one registered the next year does not). With no data an app gives
zeros, never an error. ``collect(year)`` gathers every app's part in ``INSTALLED_APPS``
order, the way ``hepingorgs.demo`` gathers the demo parts; the annual workbook
(``hepingorgs.annual``), the public ``/stats/`` page and the home page all read it, so
the three can never disagree.

A stats module may also define ``latest_year() -> int | None``: the newest year whose
figures it holds complete (the registry: the newest annual reports). The public pages
open on the latest such year, never the running one (``hepingorgs.views``).

Labels of the summary indicators are the bureau's official indicator names (Chinese
data, like the role names in ``hepingorgs.access``), written exactly as they appear in
the workbook's ``总表`` sheet; other labels are translated source strings.
"""

import importlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils.module_loading import module_has_submodule

STATS_MODULE = "stats"

# Kinds of value, which decide the number format in a workbook and on a page.
COUNT = "count"  # whole number: #,##0
MONEY = "money"  # Decimal yuan: #,##0.00
RATE = "rate"  # fraction 0..1 shown as a percentage: 0.0%
DECIMAL1 = "decimal1"  # one decimal place: 0.0


@dataclass
class Indicator:
    """One row of the summary (``总表``): an official label and a plain value."""

    label: str
    value: int | Decimal | float
    kind: str = COUNT


@dataclass
class Table:
    """A breakdown: a header, rows, the kind of each column (None for text), and
    whether the writer appends a totals row (SUM formulas) under the numeric columns."""

    title: str
    header: list
    rows: list
    kinds: list
    totals: bool = True


@dataclass
class Detail:
    """A detail sheet: one row per record, streamed (``rows`` is an iterator that reads
    the database with a server-side cursor), for staff to check the totals."""

    title: str
    header: list
    kinds: list
    rows: object
    count: int = 0  # rows expected, for a progress bar; 0 if unknown


@dataclass
class Chart:
    """Data for a bar chart: labels and values in the same order."""

    title: str
    labels: list
    values: list
    kind: str = COUNT


@dataclass
class AppFigures:
    """One app's part of the year's figures.

    - ``summary``: indicators in the order they appear in ``总表``;
    - ``by_street``: street name -> {column label: value}, merged into ``按街道``;
    - ``sheets``: sheet title -> tables placed one under another on that sheet;
    - ``details``: detail sheets (the workbook is internal: district staff only);
    - ``charts``: for the public ``/stats/`` page (public data only).
    """

    summary: list = field(default_factory=list)
    by_street: dict = field(default_factory=dict)
    sheets: dict = field(default_factory=dict)
    details: list = field(default_factory=list)
    charts: list = field(default_factory=list)


def stats_modules():
    """(app_config, module) for every installed app with a ``stats`` module, in order."""
    parts = []
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, STATS_MODULE):
            continue
        module = importlib.import_module(f"{app_config.name}.{STATS_MODULE}")
        if callable(getattr(module, "annual", None)):
            parts.append((app_config, module))
    return parts


def collect(year):
    """Every app's figures for ``year``: a list of (app label, AppFigures)."""
    return [(app_config.label, module.annual(year)) for app_config, module in stats_modules()]
