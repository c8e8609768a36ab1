"""The permission matrix: every URL pattern of the project, admin included, requested with
GET and with POST by each role, against the status each role must get.

The patterns come from the URL resolver, so a URL added later without a row here fails
``test_every_url_has_a_row``. Rows:

- ``MATRIX``: one row per URL name (or, for a pattern without a name, its route): which
  fixture object fills the path parameters, then the expected status for GET and for
  POST, one code per role in ``ROLES`` order.
- ``ADMIN_MODELS``: one row per model registered in the admin, naming who administers it
  (an entry of ``ADMIN_PROFILES``); the expected statuses of its changelist, add, change,
  history and delete pages follow from that.

302 for anonymous (and for clerks, who are not staff, in the admin) is the login page.
Each request runs in a transaction that is rolled back, so a POST that changes a filing
does not change what the next role sees. POSTs carry no form data: a permitted form
answers with its errors (200), a permitted action does its work and redirects (302).
"""

import copy
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from registry import filings
from registry.models import AnnualReport, CreditKind, CreditRecord
from tests.conftest import make_group, make_organization

ROLES = ("anonymous", "clerk_qyc", "clerk_xbl", "incubator", "district", "superuser")


# Roles:  anonymous  clerk_qyc  clerk_xbl  incubator  district  superuser
# URL name (or route): (fixture object for the path parameters, GET, POST)
MATRIX = {
    # The home page sends everybody to the workspace (which asks for a login).
    "": (None, "302 302 302 302 302 302", "302 302 302 302 302 302"),
    "login": (None, "200 200 200 200 200 200", "200 200 200 200 200 200"),
    "logout": (None, "405 405 405 405 405 405", "302 302 302 302 302 302"),
    "set_language": (None, "302 302 302 302 302 302", "302 302 302 302 302 302"),
    "healthz": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    # The clerks' workspace: clerks of their street and district staff; the filings are
    # 劝业场's, so the clerk of 小白楼 gets 404.
    "filings:list": (None, "302 200 200 403 200 200", "405 405 405 405 405 405"),
    "filings:create": (None, "302 200 200 403 200 200", "302 200 200 403 200 200"),
    "filings:export": (None, "302 200 200 403 200 200", "405 405 405 405 405 405"),
    "filings:review": (None, "302 403 403 403 200 200", "405 405 405 405 405 405"),
    "filings:detail": ("draft", "302 200 404 403 200 200", "405 405 405 405 405 405"),
    "filings:edit": ("draft", "302 200 404 403 200 200", "302 200 404 403 200 200"),
    "filings:submit": ("draft", "405 405 405 405 405 405", "302 302 404 403 302 302"),
    "filings:accept": ("submitted", "405 405 405 405 405 405", "302 403 403 403 302 302"),
    "filings:return": ("submitted", "405 405 405 405 405 405", "302 403 403 403 302 302"),
    "filings:cancel": ("filed", "405 405 405 405 405 405", "302 403 403 403 302 302"),
    # The internal filings API (read-only, session login).
    "api-root": (None, "403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api-filing-list": (None, "403 200 200 403 200 200", "403 405 405 403 405 405"),
    "api-filing-detail": ("draft", "403 200 404 403 200 200", "403 405 405 403 405 405"),
    # The admin's own pages: staff only; clerks are not staff and get its login page.
    "admin:index": (None, "302 302 302 200 200 200", "302 302 302 200 200 200"),
    "admin:login": (None, "200 200 200 302 302 302", "200 200 200 200 200 200"),
    "admin:logout": (None, "302 302 302 405 405 405", "302 302 302 302 302 302"),
    "admin:password_change": (None, "302 302 302 200 200 200", "302 302 302 200 200 200"),
    "admin:password_change_done": (None, "302 302 302 200 200 200", "302 302 302 405 405 405"),
    "admin:autocomplete": (None, "302 302 302 403 403 403", "302 302 302 405 405 405"),
    "admin:jsi18n": (None, "302 302 302 200 200 200", "302 302 302 405 405 405"),
    "admin:view_on_site": (None, "302 302 302 404 404 404", "302 302 302 404 404 404"),
    "admin:app_list": (None, "302 302 302 404 200 200", "302 302 302 404 200 200"),
    "admin/(?P<url>.*)$": (None, "302 302 302 404 404 404", "302 302 302 404 404 404"),
    "admin:auth_user_password_change": (
        "user",
        "302 302 302 403 403 200",
        "302 302 302 403 403 200",
    ),
}

# Who administers a model: the expected GET and POST per admin page of its models.
_STAFF = "302 302 302 403 200 200"
_SUPERUSER = "302 302 302 403 403 200"
_INCUBATOR = "302 302 302 200 200 200"
_NOBODY = "302 302 302 403 403 403"
_REDIRECT = "302 302 302 302 302 302"  # <object_id>/ redirects to the change page
ADMIN_PROFILES = {
    # Registry data: district staff view, add and change; only superusers delete.
    "registry": {
        "changelist": (_STAFF, _STAFF),
        "add": (_STAFF, _STAFF),
        "change": (_STAFF, _STAFF),
        "history": (_STAFF, _STAFF),
        "delete": (_SUPERUSER, _SUPERUSER),
        "object": (_REDIRECT, _REDIRECT),
    },
    # The incubator app: its staff and district staff; only superusers delete.
    "incubator": {
        "changelist": (_INCUBATOR, _INCUBATOR),
        "add": (_INCUBATOR, _INCUBATOR),
        "change": (_INCUBATOR, _INCUBATOR),
        "history": (_INCUBATOR, _INCUBATOR),
        "delete": (_SUPERUSER, _SUPERUSER),
        "object": (_REDIRECT, _REDIRECT),
    },
    # IT administration: user accounts, groups, the streets clerks work for.
    "superuser": {
        "changelist": (_SUPERUSER, _SUPERUSER),
        "add": (_SUPERUSER, _SUPERUSER),
        "change": (_SUPERUSER, _SUPERUSER),
        "history": (_SUPERUSER, _SUPERUSER),
        "delete": (_SUPERUSER, _SUPERUSER),
        "object": (_REDIRECT, _REDIRECT),
    },
    # Login records (django-axes): superusers read and delete them; nobody adds one.
    "login records": {
        "changelist": (_SUPERUSER, _SUPERUSER),
        "add": (_NOBODY, _NOBODY),
        "change": (_SUPERUSER, "302 302 302 403 403 302"),
        "history": (_SUPERUSER, _SUPERUSER),
        "delete": (_SUPERUSER, _SUPERUSER),
        "object": (_REDIRECT, _REDIRECT),
    },
}

# One row per model registered in the admin.
ADMIN_MODELS = {
    "auth.group": "superuser",
    "auth.user": "superuser",
    "axes.accessattempt": "login records",
    "axes.accesslog": "login records",
    "axes.accessfailurelog": "login records",
    "registry.street": "registry",
    "registry.community": "registry",
    "registry.filingcategory": "registry",
    "registry.organization": "registry",
    "registry.annualreport": "registry",
    "registry.creditrecord": "registry",
    "registry.communitygroup": "registry",
    "registry.clerkprofile": "superuser",
}


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, prefix + str(pattern.pattern)


def all_patterns():
    return list(walk(get_resolver().url_patterns))


ADMIN_MODEL_URL = re.compile(
    r"^admin:(?P<app>[a-z_]+?)_(?P<model>[a-z0-9]+)_(?P<kind>changelist|add|change|history|delete)$"
)
ADMIN_BARE_OBJECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def admin_row(name, route):
    """(model label, page kind) of an admin model URL, else None."""
    match = ADMIN_MODEL_URL.match(name or "")
    if match:
        for model in admin.site._registry:
            if (model._meta.app_label, model._meta.model_name) == (
                match["app"],
                match["model"],
            ):
                return model._meta.label_lower, match["kind"]
    match = ADMIN_BARE_OBJECT.match(route)
    if name is None and match:
        return f"{match['app']}.{match['model']}", "object"
    return None


def key(name, route):
    return name or route


def fill(route, obj, objects):
    """A URL for ``route`` with its parameters taken from ``obj``."""
    url = route
    values = {
        "pk": obj.pk if obj is not None else None,
        "object_id": obj.pk if obj is not None else None,
        "id": obj.pk if obj is not None else None,
        "app_label": "registry",
        "format": "json",
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(objects["organization"]).pk,
    }
    if "content_type_id" in route:
        values["object_id"] = objects["organization"].pk

    def value(name):
        if values.get(name) is None:
            raise AssertionError(f"{route}: no value for <{name}>; name a fixture object")
        return str(values[name])

    url = url.replace("<drf_format_suffix:format>", ".json")
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m[1]), url)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m[1]), url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + url


@pytest.fixture
def users(clerk_qyc, clerk_xbl, incubator_staff, district_staff, superuser):
    return {
        "anonymous": None,
        "clerk_qyc": clerk_qyc,
        "clerk_xbl": clerk_xbl,
        "incubator": incubator_staff,
        "district": district_staff,
        "superuser": superuser,
    }


@pytest.fixture
def objects(users, quanyechang, qyc_community):
    """What fills the path parameters: the filings of 劝业场 in each state, and a row of
    every model registered in the admin."""
    draft = make_group(quanyechang, qyc_community, name="福明社区夕阳红合唱团")
    submitted = make_group(quanyechang, qyc_community, name="福明社区太极拳队")
    filings.submit(submitted)
    filed = make_group(quanyechang, qyc_community, name="福明社区邻里互助会")
    filings.submit(filed)
    filings.accept(filed)
    organization = make_organization()
    AnnualReport.objects.create(organization=organization, year=2016)
    CreditRecord.objects.create(
        organization=organization,
        kind=CreditKind.choices[0][0],
        reason="未按时年检",
        decided_on="2017-05-01",
    )
    attempt = {"ip_address": "192.0.2.1", "username": "district", "user_agent": "test"}
    AccessAttempt.objects.create(**attempt, failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    objects = {"draft": draft, "submitted": submitted, "filed": filed}
    objects["organization"] = organization
    objects["user"] = users["district"]
    for model in admin.site._registry:
        objects[model._meta.label_lower] = model._default_manager.order_by("pk").first()
    objects["auth.group"] = Group.objects.order_by("pk").first()
    return objects


class Rollback(Exception):
    pass


@pytest.fixture
def clients(users):
    """A logged-in test client per role (sessions made once, outside the rollbacks)."""
    made = {}
    for role, user in users.items():
        made[role] = Client()
        if user is not None:
            made[role].force_login(user)
    return made


def request_as(client, method, url):
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            raise Rollback(getattr(client, method)(url))
    except Rollback as rollback:
        return rollback.args[0]
    finally:
        # A logout (or a login page) changes the client's cookies; the next request is
        # made as the role again.
        client.cookies = cookies


def expectation(name, route):
    """(fixture object key, GET codes, POST codes) of a pattern, or None without a row."""
    found = admin_row(name, route)
    if found:
        label, kind = found
        if label not in ADMIN_MODELS:
            return None
        get, post = ADMIN_PROFILES[ADMIN_MODELS[label]][kind]
        return label, get, post
    return MATRIX.get(key(name, route))


def test_every_url_has_a_row():
    patterns = all_patterns()
    missing = [key(n, r) for n, r in patterns if expectation(n, r) is None]
    assert missing == [], "add rows to MATRIX or ADMIN_MODELS for these URLs"
    keys = {key(n, r) for n, r in patterns}
    stale = [k for k in MATRIX if k not in keys]
    registered = {model._meta.label_lower for model in admin.site._registry}
    stale += [label for label in ADMIN_MODELS if label not in registered]
    assert stale == [], "rows for URLs or admin models that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(clients, objects, role):
    index = ROLES.index(role)
    wrong = []
    for name, route in all_patterns():
        row = expectation(name, route)
        assert row is not None, f"no row for {key(name, route)}"
        obj_key, get, post = row
        url = fill(route, objects.get(obj_key) if obj_key else None, objects)
        for method, codes in (("get", get), ("post", post)):
            expected = int(codes.split()[index])
            response = request_as(clients[role], method, url)
            if response.status_code != expected:
                wrong.append(f"{method.upper()} {url}: {response.status_code}, not {expected}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("role", ["anonymous", "clerk_qyc"])
def test_login_redirects_lead_to_a_login_page(clients, objects, role):
    """The 302 of the admin, for anonymous visitors and for clerks, is its login page;
    the workspace's, for anonymous visitors, is the site's login page."""
    response = request_as(clients[role], "get", "/admin/registry/organization/")
    assert response["Location"].startswith("/admin/login/")
    response = request_as(clients["anonymous"], "get", "/filings/")
    assert response["Location"].startswith("/accounts/login/")
