"""Places where one app adds to another's pages without the other importing it.

The registry never imports the incubator or projects, yet an organization's public
profile shows its venture projects and incubation history, its admin page lists the
money it received, and the public directory filters on "received venture funding".
The contributing app registers a callable here from its ``AppConfig.ready()``; the
registry's views, admin and filter sets iterate over what is registered.

- ``profile_sections``: ``f(organization) -> ProfileSection | None`` for the public
  profile (public data only: no phones, ID numbers, addresses or private persons).
- ``admin_sections``: ``f(organization) -> ProfileSection | None`` for the staff
  admin's organization page (internal).
- ``organization_filters``: name -> ``OrganizationFilter``; the public directory (HTML
  and API) offers each as a yes/no filter.
"""

from dataclasses import dataclass, field


@dataclass
class ProfileSection:
    """A titled table: ``header`` labels and ``rows`` of display values; ``note`` is a
    line under the table (e.g. totals). ``order`` sorts the sections."""

    title: str
    header: list
    rows: list
    note: str = ""
    order: int = 100


@dataclass
class OrganizationFilter:
    """``apply(queryset, value: bool) -> queryset`` on registered organizations."""

    label: str
    apply: object


@dataclass
class Registry:
    profile_sections: list = field(default_factory=list)
    admin_sections: list = field(default_factory=list)
    organization_filters: dict = field(default_factory=dict)


hooks = Registry()


def sections(kind, organization):
    """The sections registered under ``kind`` for ``organization``, in order."""
    found = [f(organization) for f in getattr(hooks, kind)]
    return sorted((s for s in found if s is not None), key=lambda s: s.order)
