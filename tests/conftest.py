"""Named actors used across the suite: a clerk of 劝业场, a clerk of 小白楼, district
staff, incubator staff and an anonymous visitor; and small factories."""

import asyncio
import datetime
import io
import itertools
import random
import shutil
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from hepingorgs import access, demo
from registry import creditcode
from registry.models import (
    ClerkProfile,
    Community,
    CommunityGroup,
    FilingCategory,
    Organization,
    OrgType,
    Street,
)

PASSWORD = "a-long-test-password-1"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher takes ~0.3 s per password by design; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_public_answer_cache(settings):
    # Tests read a page, change the data and read it again; the public answer cache
    # (30 s in production) is tested on its own in tests/test_public_cache.py.
    settings.PUBLIC_CACHE_SECONDS = 0
    settings.PUBLIC_FIGURES_SECONDS = 0
    settings.PUBLIC_FILTERS_SECONDS = 0


@pytest.fixture(autouse=True)
def fresh_ngram_statistics():
    # What registry.search read of the n-grams' statistics and of the tables' sizes, and
    # the filters' reference choices (hepingorgs.opendata), are kept for a while, and so
    # are the searches whose walk gave way (registry.search.walked); each
    # test reads its own tables' afresh (so the statements it counts, the plans it
    # chooses and the choices it shows do not depend on what ran before it).
    from hepingorgs import opendata
    from registry import search

    search._ngram_stats.clear()
    search._table_rows_cache.clear()
    search._collected_first.clear()
    opendata._reference_choices.clear()
    yield
    search._ngram_stats.clear()
    search._table_rows_cache.clear()
    search._collected_first.clear()
    opendata._reference_choices.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    # Rate-limit counters of the public pages and API live in the cache: each test
    # starts with none, whatever ran before it.
    cache.clear()
    yield
    cache.clear()


def make_user(username, role=None, street=None, **extra):
    user = User.objects.create_user(username, password=PASSWORD, **extra)
    if role:
        user.groups.add(Group.objects.get(name=access.ROLE_NAMES[role]))
    if street:
        ClerkProfile.objects.create(user=user, street=street)
    return user


@pytest.fixture
def quanyechang(db):
    return Street.objects.get(name="劝业场街道")


@pytest.fixture
def xiaobailou(db):
    return Street.objects.get(name="小白楼街道")


@pytest.fixture
def qyc_community(quanyechang):
    return Community.objects.create(street=quanyechang, name="福明社区")


@pytest.fixture
def xbl_community(xiaobailou):
    return Community.objects.create(street=xiaobailou, name="开封道社区")


@pytest.fixture
def clerk_qyc(quanyechang):
    return make_user("clerk_qyc", access.STREET_CLERK, street=quanyechang)


@pytest.fixture
def clerk_xbl(xiaobailou):
    return make_user("clerk_xbl", access.STREET_CLERK, street=xiaobailou)


@pytest.fixture
def district_staff(db):
    return make_user("district", access.DISTRICT_STAFF, is_staff=True)


@pytest.fixture
def incubator_staff(db):
    return make_user("incubator", access.INCUBATOR_STAFF, is_staff=True)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("itadmin", password=PASSWORD)


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def valid_code(org_type=OrgType.SOCIAL_GROUP, area="120101"):
    serial = next(_serial)
    return creditcode.make(org_type, area, f"MJ{serial:06d}")


def make_organization(**fields):
    org_type = fields.pop("org_type", OrgType.SOCIAL_GROUP)
    values = {
        "name": f"和平区测试协会{next(_serial)}",
        "credit_code": valid_code(org_type),
        "org_type": org_type,
        "field": "04",
        "legal_representative": "王某",
        "registered_funds": Decimal("30000.00"),
        "domicile": "天津市和平区南京路1号",
        "registered_on": datetime.date(2015, 3, 1),
    }
    values.update(fields)
    return Organization.objects.create(**values)


def make_group(street, community, **fields):
    values = {
        "name": f"测试合唱队{next(_serial)}",
        "street": street,
        "community": community,
        "category": FilingCategory.objects.get(code="culture_sports"),
        "service_targets": ["residents"],
        "leader_name": "张秀兰",
        "leader_phone": "13800000000",
        "member_count": 20,
    }
    values.update(fields)
    return CommunityGroup.objects.create(**values)


@pytest.fixture(autouse=True, scope="session")
def plain_http_and_static():
    # Tests speak plain HTTP to Django and read static files from the source folders;
    # production redirects to HTTPS and serves hashed files that collectstatic writes
    # (tests/test_serving.py covers both). Session-wide, so that the live server's
    # middleware, made once, sees it too.
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


def pytest_configure(config):
    # whitenoise looks for STATIC_ROOT, which only ``make serve`` fills.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistScheduling(), "hepingorgs-xdist-scheduling")


# ---------------------------------------------------------------------------------------
# Parallel runs: ``pytest -n 2 --dist loadscope`` (pytest-xdist), as ``make test`` does.
# Each worker has a test database of its own (pytest-django: ``test_<name>_gw0``...), its
# own cache (local memory), tmp_path and media folder; the live server takes a free port.
# ---------------------------------------------------------------------------------------


class XdistScheduling:
    def pytest_xdist_make_scheduler(self, config, log):
        if config.getvalue("dist") == "loadscope":
            from tests.scheduling import CollectionOrderScheduling

            return CollectionOrderScheduling(config, log)
        return None


@pytest.fixture(autouse=True, scope="session")
def own_folders(tmp_path_factory):
    # Uploaded files of one worker (or one run) never meet another's. STATIC_ROOT is
    # empty, as on a fresh clone: what an earlier ``make serve`` collected into
    # .var/static is neither served to the tests nor scanned by whitenoise for each test
    # client (0.2 s each).
    with override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        STATIC_ROOT=tmp_path_factory.mktemp("static"),
    ):
        yield


# ---------------------------------------------------------------------------------------
# The demo district (``manage.py load_demo``), shared by every test that reads it
# ---------------------------------------------------------------------------------------

DEMO_FIXTURE = "demo_district"
# As ``fast_password_hashing`` does for each test (the load runs outside them).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# "output": load_demo's output while the demo is in the database; "blocker": pytest-django's
# database blocker, once a test of this process has loaded it.
_demo = {}


def _load_demo(blocker):
    if "output" not in _demo:
        with blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            assert not Organization.objects.exists(), "the test database is not empty"
            out = io.StringIO()
            call_command("load_demo", stdout=out)  # one transaction: all or nothing
            _demo["output"] = out.getvalue()
    return _demo["output"]


def _remove_demo(blocker):
    if "output" in _demo:
        del _demo["output"]
        with blocker.unblock():
            demo.remove_demo_data(demo.DemoContext(rng=random.Random(), stdout=io.StringIO()))


@pytest.fixture(scope="module")
def demo_district(django_db_setup, django_db_blocker):
    """The demo district, committed (a backup or another connection sees it); the value is
    load_demo's output. The load is heavy (seconds), so the tests that use this fixture run
    first, one after another, and the demo is loaded once for all of them and removed
    before the first test that does not use it. They run in the usual transaction that is
    rolled back (``db``), so what one writes never reaches the next; a test that commits
    (``transactional_db``, ``live_server``) may not use it."""
    _demo["blocker"] = django_db_blocker
    return _load_demo(django_db_blocker)


def pytest_collection_modifyitems(config, items):
    # After pytest-django's ordering (db tests, then transactional ones, then the rest):
    # the demo's tests, all db tests, go first.
    demo_tests = [item for item in items if DEMO_FIXTURE in item.fixturenames]
    for item in demo_tests:
        marker = item.get_closest_marker("django_db")
        if (marker and marker.kwargs.get("transaction")) or {
            "transactional_db",
            "live_server",
        } & set(item.fixturenames):
            raise pytest.UsageError(f"{item.nodeid}: a test that commits cannot use the demo")
    if demo_tests:
        items[:] = demo_tests + [item for item in items if DEMO_FIXTURE not in item.fixturenames]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # A module's fixture is made once: should the demo have been removed since (a test
    # without it ran between two of the module's, which the order above avoids), load it
    # again before the test's own fixtures open their transaction.
    if DEMO_FIXTURE in item.fixturenames and "blocker" in _demo:
        _load_demo(_demo["blocker"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if "blocker" in _demo and (nextitem is None or DEMO_FIXTURE not in nextitem.fixturenames):
            _remove_demo(_demo["blocker"])


# ---------------------------------------------------------------------------------------
# Debian's Chromium, driven by Playwright (never ``playwright install``)
# ---------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run (per xdist worker) and Playwright's event loop; tests
    use ``browser``."""
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    loop = asyncio.get_running_loop()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        asyncio._set_running_loop(None)  # see ``browser``
        yield browser, loop
        asyncio._set_running_loop(loop)
        browser.close()
    finally:
        playwright.stop()
        asyncio._set_running_loop(None)


@pytest.fixture
def browser(chromium):
    """The run's Chromium; what a test opens in it (contexts, pages) is closed after it.

    Request it last. Playwright's sync API marks its event loop as running in this thread
    while it is in use (its calls switch into the loop), and Django refuses database calls
    then (SynchronousOnlyOperation): the test's data is made by the fixtures before this
    one. Between tests the mark is taken away, so that the database fixtures of the next
    test and the teardown of this one work, as they did when each test started its own
    Playwright."""
    browser, loop = chromium
    asyncio._set_running_loop(loop)
    try:
        yield browser
        for context in browser.contexts:
            context.close()
    finally:
        asyncio._set_running_loop(None)


def follow(page, target):
    """Clicks ``target`` (a selector or a locator) and waits until the page it leads to
    has loaded. A bare ``click`` returns once the navigation has begun, before the new
    page is parsed, so a check that does not wait (``count()``, ``content()``) could still
    read the old page or a part of the new one."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)  # the first match, as a click on the page picks
        else:
            target.click()
