"""Concurrent approvals never share a credit code; two staff deciding one application at
once: one wins, the other is told. Real transactions on separate connections (threads)."""

import threading

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from registry import applications, creditcode
from registry.models import (
    ApplicationStatus,
    CreditCodeSequence,
    Notice,
    Organization,
    OrgType,
)
from tests.registry.test_applications_workflow import make_application, to_review
from tests.registry.test_filings_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_approvals_issue_unique_valid_codes(settings):
    settings.CREDIT_CODE_BLOCK = "MJ0"
    pending = []
    types = [OrgType.SOCIAL_GROUP, OrgType.PRIVATE_NON_ENTERPRISE] * 4
    for suffix, org_type in zip("甲乙丙丁戊己庚辛", types, strict=True):
        name = f"和平区并发审批协会{suffix}"
        pending.append(to_review(make_application(name=name, org_type=org_type)))
    start = threading.Barrier(len(pending))

    def approve(application):
        def run():
            start.wait(10)
            applications.approve(application)

        return run

    assert run_in_threads(*[approve(a) for a in pending]) == []
    codes = list(Organization.objects.values_list("credit_code", "org_type"))
    assert len(codes) == len({code for code, _t in codes}) == 8
    for code, org_type in codes:
        assert creditcode.validate(code, org_type) == code
        assert code[2:8] == "120101" and code[8:11] == "MJ0"
    serials = sorted(int(code[11:16]) for code, _t in codes)
    assert serials == list(range(1, 9))
    assert CreditCodeSequence.objects.get(block="MJ0").last == 8


def test_a_rolled_back_approval_does_not_burn_a_code_others_then_reuse(settings):
    settings.CREDIT_CODE_BLOCK = "MJ0"
    first = to_review(make_application(name="和平区回滚测试协会"))
    second = to_review(make_application(name="和平区并行测试协会"))
    inside, release = threading.Event(), threading.Event()

    def approve_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            applications.approve(first)
            inside.set()
            release.wait(10)
            raise RuntimeError("the clerk's machine crashed")

    def approve_meanwhile():
        inside.wait(10)
        threading.Timer(0.5, release.set).start()
        applications.approve(second)  # waits for the counter row, then takes serial 1

    assert run_in_threads(approve_then_fail, approve_meanwhile) == []
    org = Organization.objects.get()
    assert org.name == "和平区并行测试协会"
    assert org.credit_code == creditcode.make("1", "120101", "MJ000001")
    first.refresh_from_db()
    assert first.status == ApplicationStatus.REVIEW


def test_two_staff_deciding_at_once_one_wins_the_other_is_told(district_staff):
    application = to_review(make_application())
    start = threading.Barrier(2)
    results = {}

    def decide(step, extra):
        def run():
            client = Client()
            client.force_login(district_staff)
            start.wait(10)
            response = client.post(
                reverse("applications:step", args=[application.pk, step]),
                {"on": "2026-03-10", **extra},
                follow=True,
            )
            # Not response.context: the test client's template signal is process-wide.
            results[step] = response.content.decode()

        return run

    errors = run_in_threads(
        decide("approve", {"confirm": "on"}), decide("refuse", {"text": "章程与条例不符"})
    )
    assert errors == []
    application.refresh_from_db()
    assert application.status in (ApplicationStatus.APPROVED, ApplicationStatus.REFUSED)
    winner = "approve" if application.status == ApplicationStatus.APPROVED else "refuse"
    loser = "refuse" if winner == "approve" else "approve"
    assert "已完成" in results[winner]
    assert "该申请已办结" in results[loser] and "未作任何修改" in results[loser]
    assert "已完成" not in results[loser]
    assert Organization.objects.count() == (1 if winner == "approve" else 0)
    assert Notice.objects.count() == (1 if winner == "approve" else 0)
