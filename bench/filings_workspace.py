"""Time the clerks' workspace at the district's real size (3,232 filed groups and the
drafts around them, from load_demo) against a baseline page in the same process.

    SECRET_KEY=x .venv/bin/python bench/filings_workspace.py [--rounds 30]

Uses its own database (``bench_<name>``, kept between runs) so the development data is
untouched. Reports median milliseconds, the ratio to the baseline (the login page: a
template render that reads no registry rows) and the number of SQL queries.
"""

import argparse
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    database = settings.DATABASES["default"]
    database["TEST"]["NAME"] = "bench_" + database["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=True)
    from registry.models import Community, CommunityGroup

    if not CommunityGroup.objects.exists():
        call_command("load_demo", verbosity=0)
    User = get_user_model()
    clerk = User.objects.get(username="quanyechang")
    staff = User.objects.get(username="minzheng")
    group = CommunityGroup.objects.filter(street=clerk.clerk_profile.street).first()
    community = Community.objects.filter(street=clerk.clerk_profile.street).first()
    print(
        f"data: {CommunityGroup.objects.count()} groups, "
        f"{CommunityGroup.objects.filter(status='filed').count()} filed; rounds: {args.rounds}"
    )
    anonymous, clerk_client, staff_client = Client(), Client(), Client()
    clerk_client.force_login(clerk)
    staff_client.force_login(staff)
    cases = [
        ("baseline: login page", anonymous, "/accounts/login/"),
        ("clerk list, first page", clerk_client, "/filings/"),
        ("clerk list, last page", clerk_client, "/filings/?page=last"),
        ("clerk search by pinyin initials", clerk_client, "/filings/?q=hct"),
        ("clerk search by Chinese name", clerk_client, "/filings/?q=合唱"),
        (
            "clerk filter community+status",
            clerk_client,
            f"/filings/?community={community.pk}&status=filed",
        ),
        ("clerk detail with history", clerk_client, f"/filings/{group.pk}/"),
        ("staff list, all streets", staff_client, "/filings/"),
        ("staff review queue", staff_client, "/filings/review/"),
        ("staff admin filing changelist", staff_client, "/admin/registry/communitygroup/"),
        ("staff admin organization changelist", staff_client, "/admin/registry/organization/"),
    ]
    base = None
    print(f"{'page':40} {'median ms':>10} {'ratio':>7} {'queries':>8}")
    for label, client, url in cases:
        ms, queries = measure(client, url, args.rounds)
        base = base or ms
        print(f"{label:40} {ms:10.1f} {ms / base:7.1f} {queries:8d}")


if __name__ == "__main__":
    main()
