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
import datetime
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from incubator.models import Plan
from projects import workflow
from projects.models import Expert
from registry import filings
from registry.imports import importer_for
from registry.models import (
    AnnualReport,
    CreditKind,
    CreditRecord,
    ImportBatch,
    Notice,
    NoticeKind,
    Population,
)
from tests.conftest import make_group, make_organization
from tests.incubator.conftest import (
    make_mentor,
    make_output,
    make_residency,
    make_session,
    make_space,
    make_training,
)
from tests.projects.conftest import advance, make_contract, make_project, make_round
from tests.registry.test_applications_workflow import make_application
from tests.registry.workbooks import group_row, xlsx

ROLES = ("anonymous", "clerk_qyc", "clerk_xbl", "incubator", "district", "superuser")


# Roles:  anonymous  clerk_qyc  clerk_xbl  incubator  district  superuser
# URL name (or route): (fixture object for the path parameters, GET, POST)
MATRIX = {
    # Public pages (views marked public, or with no login rule): 200 to everyone; they
    # only read, so POST is 405.
    "home": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "stats": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "projects:list": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "notices:list": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "notices:feed": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "notices:detail": ("notice", "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "directory:organizations": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "directory:organization": (
        "organization",
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "directory:groups": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "downloads:index": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "downloads:dictionary": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "downloads:file": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    # The public API v1 and its schema: anonymous, read-only.
    "api-v1:api-root": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api-v1:organization-list": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api-v1:organization-detail": (
        "organization",
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "api-v1:community-group-list": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api-v1:community-group-detail": (
        "filed",
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "api-v1:project-list": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api-v1:project-detail": (
        "project",
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "api-schema": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api-docs": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    # District staff only: the annual workbook, registration applications, certificates
    # and the ledger imports.
    "annual_workbook": (None, "302 403 403 403 200 200", "405 405 405 405 405 405"),
    "applications:queue": (None, "302 403 403 403 200 200", "405 405 405 405 405 405"),
    "applications:detail": (
        "application",
        "302 403 403 403 200 200",
        "405 405 405 405 405 405",
    ),
    "applications:step": (
        "application",
        "405 405 405 405 405 405",
        "302 403 403 403 302 302",
    ),
    "applications:certificates": (None, "302 403 403 403 200 200", "405 405 405 405 405 405"),
    "applications:organization_certificate": (
        "organization",
        "302 403 403 403 200 200",
        "405 405 405 405 405 405",
    ),
    "applications:group_certificate": (
        "filed",
        "302 403 403 403 200 200",
        "405 405 405 405 405 405",
    ),
    # An upload is its uploader's (the clerk of 劝业场's batch): everybody else gets 404.
    "imports:import": (None, "302 403 403 403 200 200", "302 403 403 403 200 200"),
    "imports:import_batch": ("batch", "302 403 403 403 404 404", "405 405 405 405 405 405"),
    "imports:import_commit": ("batch", "405 405 405 405 405 405", "302 403 403 403 404 404"),
    "imports:import_errors": ("batch", "302 403 403 403 404 404", "405 405 405 405 405 405"),
    "imports:import_template": (None, "302 403 403 403 200 200", "405 405 405 405 405 405"),
    "filings:import": (None, "302 200 200 403 200 200", "302 200 200 403 200 200"),
    "filings:import_batch": ("batch", "302 200 404 403 404 404", "405 405 405 405 405 405"),
    "filings:import_commit": ("batch", "405 405 405 405 405 405", "302 302 404 403 404 404"),
    "filings:import_errors": ("batch", "302 200 404 403 404 404", "405 405 405 405 405 405"),
    "filings:import_template": (None, "302 200 200 403 200 200", "405 405 405 405 405 405"),
    # The incubator's dashboard: its staff and district staff.
    "incubator:dashboard": (None, "302 403 403 200 200 200", "405 405 405 405 405 405"),
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

# Read-only records in the admin (ledger uploads, published notices): nobody adds or
# changes one.
ADMIN_PROFILES["read only"] = {
    **ADMIN_PROFILES["registry"],
    "add": (_NOBODY, _NOBODY),
    "change": (_STAFF, _NOBODY),
}
# Rows made by a migration, one per kind (deadline rules): staff change them, nobody adds.
ADMIN_PROFILES["fixed rows"] = {**ADMIN_PROFILES["registry"], "add": (_NOBODY, _NOBODY)}

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
    "registry.population": "registry",
    "registry.registrationapplication": "registry",
    "registry.deadlinerule": "fixed rows",
    "registry.requireddocument": "registry",
    "registry.notice": "read only",
    "registry.importbatch": "read only",
    "incubator.space": "incubator",
    "incubator.residency": "incubator",
    "incubator.mentor": "incubator",
    "incubator.mentoringsession": "incubator",
    "incubator.training": "incubator",
    "incubator.serviceoutput": "incubator",
    "incubator.plan": "incubator",
    # Venture projects and service contracts: district staff (the incubator has no part).
    "projects.round": "registry",
    "projects.project": "registry",
    "projects.expert": "registry",
    "projects.servicecontract": "registry",
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
        "credit_code": getattr(obj, "credit_code", None),
        "uscc": getattr(obj, "credit_code", None),
        "filing_number": getattr(obj, "filing_number", None),
        # An application's step, a download's resource, an import template's kind.
        "name": "organizations" if route.startswith("downloads/") else "accept",
        "fmt": "csv",
        "kind": "community-groups",
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
    # A format suffix without the optional slash: with it, ``<filing number>.json/`` is
    # read as a filing number (ledger numbers may hold dots) by the pattern before.
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")
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
    filed = filings.accept(filed)
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
    objects.update(other_apps_rows(users, organization, filed))
    objects["user"] = users["district"]
    for model in admin.site._registry:
        objects[model._meta.label_lower] = model._default_manager.order_by("pk").first()
    objects["auth.group"] = Group.objects.order_by("pk").first()
    return objects


def other_apps_rows(users, organization, filed):
    """A row of each model of the registration, notices, imports, incubator and projects
    apps, and the objects their URLs take."""
    Population.objects.create(year=2016, street=filed.street, residents=50000)
    application = make_application()
    notice = Notice.objects.create(
        kind=NoticeKind.choices[0][0],
        published_on=datetime.date(2017, 5, 2),
        organization=organization,
        name=organization.name,
        credit_code=organization.credit_code,
        title="准予成立登记公告",
        text="准予成立登记。",
    )
    # The clerk of 劝业场's checked upload, with an error (so its error report exists).
    content = xlsx([group_row(), group_row(name="")])
    report = importer_for("community-groups", users["clerk_qyc"]).run(content)
    assert report.errors
    batch = ImportBatch.objects.create(
        kind="community-groups",
        file_name="台账.xlsx",
        content=content,
        uploaded_by=users["clerk_qyc"],
        street=filed.street,
        report=report.as_dict(),
    )
    residency = make_residency(space=make_space())
    make_session(make_mentor(), [residency])
    make_training([(residency, 5)])
    make_output(residency)
    Plan.objects.create(
        name="2016—2018年孵化计划",
        starts_on=datetime.date(2016, 1, 1),
        ends_on=datetime.date(2018, 12, 31),
        target_organizations=30,
        target_trained=300,
        target_households=1000,
    )
    project = make_project(make_round(), organization, streets=[filed.street])
    project = advance(workflow.start_review(project), "approved")
    make_contract(organization)
    Expert.objects.create(name="周教授", employer="高校社会工作系")
    return {"application": application, "notice": notice, "batch": batch, "project": project}


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
