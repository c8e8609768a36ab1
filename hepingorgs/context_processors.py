from functools import partial

from hepingorgs import access


def roles(request):
    """Role flags every page's navigation needs. Templates call the callable only where
    the flag is used, so pages that never ask cost no query."""
    return {
        "is_reviewer": partial(access.can_review_filings, request.user),
        "uses_incubator": partial(access.can_use_incubator, request.user),
        "can_export_annual_stats": partial(access.can_export_annual_stats, request.user),
    }
