"""Time the registration pages (staff queue, application page, certificate with its QR
code) and the public notices (list, search, feed) against a baseline page in the same
process, on the demo district plus a large history: by default 20,000 notices (decades of
a big district's decisions) and 500 open applications (far more than a bureau ever has).

    SECRET_KEY=x .venv/bin/python bench/registration.py [--rounds 20] [--notices 20000]
        [--open 500]

Uses its own database (``bench_registration_<name>``, kept between runs) so the
development data is untouched. Reports median milliseconds, the ratio to the baseline
(the login page: a template render that reads no registry rows) and the SQL queries.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hepingorgs.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def measure(client, url, rounds):
    client.get(url)  # warm caches and connections
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), len(queries)


def add_history(notices, open_applications):
    """Synthetic notices and open applications on top of the demo (idempotent)."""
    from registry.models import Notice, Organization, RegistrationApplication

    organizations = list(Organization.objects.order_by("pk"))
    have = Notice.objects.count()
    if have < notices:
        template = Notice.objects.filter(kind="change").first()
        rows = []
        for n in range(have, notices):
            org = organizations[n % len(organizations)]
            rows.append(
                Notice(
                    kind="change",
                    published_on=datetime.date(1996, 1, 1) + datetime.timedelta(days=n % 7300),
                    organization=org,
                    name=org.name,
                    credit_code=org.credit_code,
                    title=f"{org.name}变更登记公告",
                    text=template.text.replace(template.name, org.name),
                )
            )
        Notice.objects.bulk_create(rows, batch_size=2000)
    existing = RegistrationApplication.objects.filter(name__startswith="基准").count()
    today = datetime.date.today()
    RegistrationApplication.objects.bulk_create(
        RegistrationApplication(
            kind="establishment",
            status="review" if n % 3 else "received",
            name=f"基准测试社会团体{n:05d}",
            org_type="1",
            field="04",
            domicile="天津市和平区南京路1号",
            legal_representative="王某",
            registered_funds=30000,
            received_on=today - datetime.timedelta(days=n % 70),
            complete_on=today - datetime.timedelta(days=n % 70),
        )
        for n in range(existing, open_applications)
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--notices", type=int, default=20000)
    parser.add_argument("--open", type=int, default=500)
    args = parser.parse_args()
    setup_test_environment()
    database = settings.DATABASES["default"]
    database["TEST"]["NAME"] = "bench_registration_" + database["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=True)
    from registry.models import (
        CommunityGroup,
        Notice,
        Organization,
        RegistrationApplication,
    )

    if not Organization.objects.exists():
        call_command("load_demo", verbosity=0)
    add_history(args.notices, args.open)
    staff = get_user_model().objects.get(username="minzheng")
    org = Organization.objects.order_by("pk").first()
    group = CommunityGroup.objects.filter(status="filed").first()
    application = RegistrationApplication.objects.filter(kind="change").first()
    open_count = RegistrationApplication.objects.filter(
        status__in=["received", "correction", "accepted", "review"]
    ).count()
    print(
        f"data: {Notice.objects.count()} notices, {open_count} open applications, "
        f"{Organization.objects.count()} organizations; rounds: {args.rounds}"
    )
    anonymous, staff_client = Client(), Client()
    staff_client.force_login(staff)
    cases = [
        ("baseline: login page", anonymous, "/accounts/login/"),
        ("notices, first page", anonymous, "/notices/"),
        ("notices, last page", anonymous, "/notices/?page=last"),
        ("notices, search two characters", anonymous, "/notices/?q=书法"),
        ("notices, search three characters", anonymous, "/notices/?q=书法家"),
        ("notices, search a credit code", anonymous, f"/notices/?q={org.credit_code}"),
        ("notices, search a code's end", anonymous, f"/notices/?q={org.credit_code[-6:]}"),
        ("notices, kind and year", anonymous, "/notices/?kind=change&year=2016"),
        ("notices feed (50 entries)", anonymous, "/notices/feed/"),
        ("staff queue, all open", staff_client, "/applications/"),
        ("staff application page", staff_client, f"/applications/{application.pk}/"),
        (
            "certificate with QR code",
            staff_client,
            f"/applications/certificates/organization/{org.pk}/",
        ),
        (
            "filing proof with QR code",
            staff_client,
            f"/applications/certificates/group/{group.pk}/",
        ),
        ("admin applications changelist", staff_client, "/admin/registry/registrationapplication/"),
    ]
    base = None
    print(f"{'page':40} {'median ms':>10} {'ratio':>7} {'queries':>8}")
    for label, client, url in cases:
        ms, queries = measure(client, url, args.rounds)
        base = base or ms
        print(f"{label:40} {ms:10.1f} {ms / base:7.1f} {queries:8d}")


if __name__ == "__main__":
    main()
