"""``Organization.ever_credit_listed``: kept by the database from every write of a credit
listing (bulk writes and raw SQL included), never cleared, and never more than a guide:
"on a credit list now" (``directory.on_credit_list``) gives the same organizations as the
listings alone, for today's date, negated too."""

import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import directory, search
from registry.models import CreditKind, CreditRecord, Organization
from tests.conftest import make_organization
from tests.registry.test_directory_updated_at import _age, just_now

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def listing(organization, kind=CreditKind.ABNORMAL, decided_on=None, **fields):
    return CreditRecord(
        organization=organization,
        kind=kind,
        reason="未按规定报送年度工作报告",
        decided_on=decided_on or TODAY - 30 * DAY,
        **fields,
    )


def flag(organization):
    return Organization.objects.values_list("ever_credit_listed", flat=True).get(pk=organization.pk)


def test_a_listing_marks_its_organization_moves_its_time_and_leaves_history(db):
    org = make_organization()
    assert flag(org) is False
    _age(Organization, org.pk)
    events = org.events.count()
    listing(org).save()
    org.refresh_from_db()
    assert org.ever_credit_listed and just_now(org.updated_at)
    latest = org.events.order_by("-pgh_id").first()
    assert org.events.count() == events + 1 and latest.ever_credit_listed


def test_every_write_of_a_listing_moves_its_organizations_time_for_mirrors(db):
    """A removal, a new listing of an organization already marked, and a listing moved
    to another kind or organization change what the open data show (credit status):
    each moves ``updated_at`` of the organizations it was and is about."""
    first, second = make_organization(), make_organization()
    record = listing(first)
    record.save()
    _age(Organization, first.pk)
    record.removed_on, record.removal_reason = TODAY, "已整改"
    record.save()
    assert just_now(Organization.objects.get(pk=first.pk).updated_at)
    _age(Organization, first.pk)
    listing(first, kind=CreditKind.SERIOUS).save()
    assert just_now(Organization.objects.get(pk=first.pk).updated_at)
    for org in (first, second):
        _age(Organization, org.pk)
    CreditRecord.objects.filter(pk=record.pk).update(organization=second)
    assert all(just_now(Organization.objects.get(pk=o.pk).updated_at) for o in (first, second))
    _age(Organization, second.pk)
    CreditRecord.objects.filter(pk=record.pk).update(kind=CreditKind.PENALTY)  # no more
    assert just_now(Organization.objects.get(pk=second.pk).updated_at)
    _age(Organization, second.pk)
    CreditRecord.objects.filter(pk=record.pk).update(reason="另一理由")  # a penalty's
    assert not just_now(Organization.objects.get(pk=second.pk).updated_at)


def test_a_penalty_is_no_listing(db):
    org = make_organization()
    listing(org, kind=CreditKind.PENALTY).save()
    assert flag(org) is False


def test_bulk_writes_raw_sql_and_a_changed_kind_mark_too(db):
    bulk, raw, changed, other = (make_organization() for _ in range(4))
    CreditRecord.objects.bulk_create([listing(bulk), listing(bulk, CreditKind.SERIOUS)])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_creditrecord (organization_id, kind, reason, decided_on,"
            " authority, removal_reason) VALUES (%s, 'serious', '失信', %s, '区民政局', '')",
            [raw.pk, TODAY],
        )
    penalty = listing(changed, kind=CreditKind.PENALTY)
    penalty.save()
    assert flag(changed) is False
    CreditRecord.objects.filter(pk=penalty.pk).update(kind=CreditKind.SERIOUS)
    assert (flag(bulk), flag(raw), flag(changed), flag(other)) == (True, True, True, False)


def test_a_removal_keeps_the_mark_and_the_filter_follows_the_dates(db):
    removed, later, now, future_removal, never = (make_organization() for _ in range(5))
    record = listing(removed)
    record.save()
    record.removed_on, record.removal_reason = TODAY - DAY, "已整改"
    record.save()
    listing(later, decided_on=TODAY + 10 * DAY).save()  # decided, in force later
    listing(now, decided_on=TODAY).save()
    listing(future_removal, removed_on=TODAY + DAY, removal_reason="期满移出").save()
    listing(never, kind=CreditKind.PENALTY).save()
    assert all(flag(org) for org in (removed, later, now, future_removal))

    by_listings_alone = Exists(
        directory.current_listings(CreditKind.ABNORMAL, CreditKind.SERIOUS).filter(
            organization=OuterRef("pk")
        )
    )
    everyone = Organization.objects.order_by("pk")
    listed = list(everyone.filter(directory.on_credit_list()))
    assert listed == list(everyone.filter(by_listings_alone)) == [now, future_removal]
    assert list(everyone.exclude(directory.on_credit_list())) == list(
        everyone.exclude(by_listings_alone)
    )
    assert {removed, later, never} <= set(everyone.exclude(directory.on_credit_list()))
    # "Not on a list now" as NOT EXISTS alone: the same organizations.
    assert list(everyone.filter(directory.off_credit_list())) == list(
        everyone.exclude(directory.on_credit_list())
    )


def test_not_on_a_credit_list_is_planned_as_an_anti_join(client, db):
    """``off_credit_list`` is a plain NOT EXISTS, which PostgreSQL turns into an anti
    join (a probe of the listings for each row the other filters leave), where the
    negated mark made it a subquery the planner charged to every row; the public
    filter uses it."""
    kept, listed = make_organization(), make_organization()
    listing(listed).save()
    unlisted = Organization.objects.filter(directory.off_credit_list())
    assert list(unlisted) == [kept]
    plan = unlisted.explain()
    assert "Anti Join" in plan and "SubPlan" not in plan
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/directory/", {"credit_listed": "false"})
    assert kept.name in page.content.decode() and listed.name not in page.content.decode()
    keys = next(query["sql"] for query in queries if "AS listed ORDER BY" in query["sql"])
    assert "NOT EXISTS" in keys and "ever_credit_listed" not in keys


def test_the_planner_estimates_the_listed_without_the_implied_mark(db):
    """The mark is implied by the listing's condition (``Implied``): the estimate is the
    planner's for the listing alone, which would otherwise multiply the two shares as
    if they were independent; the rows are the same either way."""
    for org in (make_organization() for _ in range(30)):
        listing(org).save()
    make_organization()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_organization")
        cursor.execute("ANALYZE registry_creditrecord")
    listed = Organization.objects.filter(directory.on_credit_list())
    alone = Organization.objects.filter(
        Exists(
            directory.current_listings(CreditKind.ABNORMAL, CreditKind.SERIOUS).filter(
                organization=OuterRef("pk")
            )
        )
    )

    def where(queryset):
        return str(queryset.query).split(" WHERE ", 1)[1]

    assert "ever_credit_listed" in where(listed)
    assert search._without_implied(listed) is not listed
    assert "ever_credit_listed" not in where(search._without_implied(listed))
    assert search.planner_estimate(listed) == search.planner_estimate(alone)
    assert set(listed) == set(search._without_implied(listed)) == set(alone)
    # Negated, it stays: the planner's error is next to nothing there.
    unlisted = Organization.objects.exclude(directory.on_credit_list())
    assert search._without_implied(unlisted) is unlisted
    # Not dropped where it is one of several alternatives (an OR): that would widen them.
    either = Organization.objects.filter(Q(ever_credit_listed__implied=True) | Q(name="和平区测试"))
    assert search._without_implied(either) is either
