"""Queries that the stats modules of apps other than the registry make, so that the
pinned query counts of the pages built on ``collect()`` hold once those apps land."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from hepingorgs import figures


def other_apps_queries(year):
    with CaptureQueriesContext(connection) as queries:
        for config, module in figures.stats_modules():
            if config.label == "registry":
                continue
            if callable(getattr(module, "latest_year", None)):
                module.latest_year()
            module.annual(year)
    return len(queries)


def other_apps_charts(year):
    """How many charts the stats modules of apps other than the registry draw for a year."""
    return sum(
        len(module.annual(year).charts)
        for config, module in figures.stats_modules()
        if config.label != "registry"
    )
