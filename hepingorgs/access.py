"""Who may see and change what. Every view, admin page, API endpoint, export and import
asks this module; nothing else decides scope.

Roles are Django groups (created by a migration, permissions kept exact by
``sync_role_permissions`` after every migrate):

- district civil-affairs staff: everything in registry, incubator and projects, except
  deleting (registry data is never deleted; superusers, the IT administrators, may);
- street-office clerks: community-group filings of the street on their ClerkProfile only,
  through the clerk workspace, never the admin;
- incubation-centre staff: the incubator app.
"""

from django.apps import apps as global_apps
from django.db.models import Q
from django.http import Http404

DISTRICT_STAFF = "district_staff"
STREET_CLERK = "street_clerk"
INCUBATOR_STAFF = "incubator_staff"

# Group names are what staff see in the admin, so they are Chinese data, not code.
ROLE_NAMES = {
    DISTRICT_STAFF: "民政局工作人员",
    STREET_CLERK: "街道办事员",
    INCUBATOR_STAFF: "孵化中心工作人员",
}

# Models whose rows are never deleted, not even by district staff.
_NEVER_DELETED_APPS = {"registry", "incubator", "projects"}


def _role_permissions(apps, role):
    Permission = apps.get_model("auth", "Permission")
    if role == DISTRICT_STAFF:
        perms = Permission.objects.filter(content_type__app_label__in=_NEVER_DELETED_APPS).exclude(
            codename__startswith="delete_"
        )
        # History rows (pghistory event models) are written by triggers and only read;
        # filing numbers come from their sequence; user accounts and the streets they
        # work for are IT administration (superusers).
        return perms.exclude(
            Q(codename__endswith="event") & ~Q(codename__startswith="view_")
        ).exclude(content_type__model__in=["filingsequence", "clerkprofile", "creditcodesequence"])
    if role == STREET_CLERK:
        return Permission.objects.filter(
            content_type__app_label="registry",
            codename__in=["view_communitygroup", "add_communitygroup", "change_communitygroup"],
        )
    if role == INCUBATOR_STAFF:
        # As for district staff: history rows are written by triggers and only read.
        return (
            Permission.objects.filter(content_type__app_label="incubator")
            .exclude(codename__startswith="delete_")
            .exclude(Q(codename__endswith="event") & ~Q(codename__startswith="view_"))
        )
    raise ValueError(role)


def sync_role_permissions(sender=None, using="default", apps=global_apps, **kwargs):
    """Give each role group exactly the permissions it needs (post_migrate handler)."""
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    Group = global_apps.get_model("auth", "Group")
    for role, name in ROLE_NAMES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(_role_permissions(global_apps, role))


def _in_role(user, role):
    if not user.is_authenticated or not user.is_active:
        return False
    cache = getattr(user, "_role_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_names = cache
    return ROLE_NAMES[role] in cache


def is_district_staff(user):
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or _in_role(user, DISTRICT_STAFF))
    )


def is_incubator_staff(user):
    return _in_role(user, INCUBATOR_STAFF)


def clerk_street(user):
    """The street a clerk works for, or None. Taken from the user, never from a request."""
    if not user.is_authenticated or not user.is_active or not _in_role(user, STREET_CLERK):
        return None
    profile = getattr(user, "clerk_profile", None)
    return profile.street if profile else None


def can_use_filings(user):
    return is_district_staff(user) or clerk_street(user) is not None


def filings_for(user, queryset=None):
    """The community-group filings ``user`` may see: the one gate for scoped rows."""
    from registry.models import CommunityGroup

    queryset = CommunityGroup.objects.all() if queryset is None else queryset
    if is_district_staff(user):
        return queryset
    street = clerk_street(user)
    if street is None:
        return queryset.none()
    return queryset.filter(street=street)


def get_filing_or_404(user, pk, queryset=None, for_update=False):
    """A filing the user may see, or 404 (never 403, which would confirm it exists)."""
    queryset = filings_for(user, queryset)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def communities_for(user):
    """Communities a user may file groups in: the clerk's street, or all for staff."""
    from registry.models import Community

    if is_district_staff(user):
        return Community.objects.select_related("street")
    street = clerk_street(user)
    if street is None:
        return Community.objects.none()
    return Community.objects.filter(street=street).select_related("street")


def may_access_filing(user, group):
    """The same rule as ``filings_for``, for a row already loaded."""
    if is_district_staff(user):
        return True
    street = clerk_street(user)
    return street is not None and group.street_id == street.pk


def can_edit_filing(user, group):
    """Clerks and staff edit drafts and returned filings; filed ones change by transition."""
    return group.is_editable and may_access_filing(user, group)


def can_review_filings(user):
    return is_district_staff(user)


def can_use_incubator(user):
    """The incubation centre's staff and district staff (the centre is the bureau's)."""
    return is_district_staff(user) or is_incubator_staff(user)


def can_export_annual_stats(user):
    """The annual statistics workbook lists every record: district staff only."""
    return is_district_staff(user)
