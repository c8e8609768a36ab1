"""Named actors used across the suite: a clerk of 劝业场, a clerk of 小白楼, district
staff, incubator staff and an anonymous visitor; and small factories."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import override_settings

from hepingorgs import access
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
