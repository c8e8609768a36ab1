"""The registration application workflow: every transition and every refusal, and what
approval writes to the register (exactly the listed changes, atomically)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from hepingorgs.history import acting_as
from registry import applications, creditcode
from registry.models import (
    ApplicationKind,
    ApplicationStatus,
    ChangeItem,
    Notice,
    NoticeKind,
    Organization,
    OrgStatus,
    OrgType,
    RegistrationApplication,
)
from tests.conftest import make_organization, make_user

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


def make_application(kind=ApplicationKind.ESTABLISHMENT, organization=None, **fields):
    values = {"kind": kind, "received_on": DAY, "organization": organization}
    if kind == ApplicationKind.ESTABLISHMENT:
        values.update(
            name="和平区社区养老服务协会",
            org_type=OrgType.SOCIAL_GROUP,
            field="04",
            domicile="天津市和平区南京路100号",
            legal_representative="李建华",
            registered_funds=Decimal("50000.00"),
            supervisory_unit="区民政局",
            business_scope="养老服务交流与培训。",
        )
    elif kind == ApplicationKind.CHANGE:
        values.update(consent_on=DAY - datetime.timedelta(days=10))
    else:
        values.update(
            liquidation_ended_on=DAY - datetime.timedelta(days=5),
            deregistration_reason="会员大会决议解散",
        )
    values.update(fields)
    application = RegistrationApplication.objects.create(**values)
    return applications.prepare(application)


def snapshot(org):
    """Every stored value of an organization, non-editable ones included."""
    org = Organization.objects.get(pk=org.pk)
    return {f.attname: getattr(org, f.attname) for f in Organization._meta.concrete_fields}


def receive_all_documents(application):
    application.documents.update(received=True, received_on=application.received_on)


def to_review(application, on=DAY):
    receive_all_documents(application)
    applications.accept(application, on=on)
    return applications.start_review(application, on=on)


def test_establishment_from_receipt_to_approval_creates_the_organization(settings):
    settings.CREDIT_CODE_BLOCK = "MJ0"
    application = make_application()
    assert application.status == ApplicationStatus.RECEIVED
    assert application.complete_on == DAY
    names = list(application.documents.values_list("name", flat=True))
    assert "验资证明" in names and "章程草案" in names

    application = to_review(application)
    assert application.status == ApplicationStatus.REVIEW
    before = Organization.objects.count()
    application = applications.approve(application, on=DAY + datetime.timedelta(days=20))

    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_on == datetime.date(2026, 3, 22)
    org = application.organization
    assert Organization.objects.count() == before + 1
    assert (org.name, org.org_type, org.legal_representative) == (
        "和平区社区养老服务协会",
        OrgType.SOCIAL_GROUP,
        "李建华",
    )
    assert org.registered_on == datetime.date(2026, 3, 22)
    assert org.registered_funds == Decimal("50000.00")
    assert org.status == OrgStatus.ACTIVE
    assert creditcode.validate(org.credit_code, OrgType.SOCIAL_GROUP) == org.credit_code
    assert org.credit_code == creditcode.make("1", "120101", "MJ000001")
    assert org.credit_code_warnings == []
    notice = Notice.objects.get(application=application)
    assert notice.kind == NoticeKind.ESTABLISHMENT
    assert notice.organization == org and notice.credit_code == org.credit_code
    assert org.name in notice.text and org.credit_code in notice.text
    assert "2026年3月22日" in notice.text and "李建华" in notice.text


def test_the_credit_code_skips_codes_already_in_the_register(settings):
    settings.CREDIT_CODE_BLOCK = "MJ0"
    # Someone entered an organization by hand with the block's first code (another type).
    make_organization(
        org_type=OrgType.PRIVATE_NON_ENTERPRISE,
        credit_code=creditcode.make("2", "120101", "MJ000001"),
    )
    org = applications.approve(to_review(make_application())).organization
    assert org.credit_code == creditcode.make("1", "120101", "MJ000002")


def test_accepting_needs_every_required_document():
    application = make_application()
    application.documents.filter(name="验资证明").update(received=False)
    application.documents.exclude(name="验资证明").update(received=True)
    with pytest.raises(applications.TransitionError, match="验资证明"):
        applications.accept(application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    # Optional documents may be missing.
    application.documents.filter(name="验资证明").update(received=True)
    application.documents.filter(required=False).update(received=False)
    assert applications.accept(application).status == ApplicationStatus.ACCEPTED


def test_correction_requested_and_received_restarts_the_clock():
    application = make_application()
    with pytest.raises(applications.TransitionError, match="缺少"):
        applications.request_correction(application, "  ")
    application = applications.request_correction(
        application, "缺少验资证明", on=datetime.date(2026, 3, 5)
    )
    assert application.status == ApplicationStatus.CORRECTION
    assert application.correction_note == "缺少验资证明"
    with pytest.raises(applications.TransitionError, match="补正"):
        applications.accept(application)
    with pytest.raises(applications.TransitionError):
        applications.receive_correction(application, on=datetime.date(2026, 3, 4))
    application = applications.receive_correction(application, on=datetime.date(2026, 3, 20))
    assert application.status == ApplicationStatus.RECEIVED
    assert application.complete_on == datetime.date(2026, 3, 20)


def test_steps_out_of_order_are_refused_with_the_status():
    application = make_application()
    for step in (applications.start_review, applications.approve, applications.receive_correction):
        with pytest.raises(applications.TransitionError) as caught:
            step(application)
        assert "已收件" in " ".join(caught.value.messages)
    with pytest.raises(applications.TransitionError):
        applications.refuse(application, "不符合条件")
    receive_all_documents(application)
    applications.accept(application)
    with pytest.raises(applications.TransitionError, match="已受理"):
        applications.approve(application)
    with pytest.raises(applications.TransitionError):
        applications.request_correction(application, "缺少章程")


def test_refusal_needs_a_reason_and_changes_nothing():
    org = make_organization()
    application = make_application(ApplicationKind.CHANGE, organization=org)
    applications.new_change(application, ChangeItem.DOMICILE, "天津市和平区新华路1号")
    applications.fill_old_values(application)
    application = to_review(application)
    before = snapshot(org)
    with pytest.raises(applications.TransitionError, match="理由"):
        applications.refuse(application, "")
    application = applications.refuse(application, "住所证明不实", on=DAY)
    assert application.status == ApplicationStatus.REFUSED
    assert application.decision_reason == "住所证明不实"
    assert snapshot(org) == before
    assert not Notice.objects.exists()
    with pytest.raises(applications.TransitionError, match="已办结"):
        applications.approve(application)


@pytest.mark.parametrize(
    "status_steps", [[], ["request_correction"], ["accept"], ["accept", "start_review"]]
)
def test_an_open_application_may_be_withdrawn_and_changes_nothing(status_steps):
    org = make_organization()
    application = make_application(ApplicationKind.DEREGISTRATION, organization=org)
    receive_all_documents(application)
    for step in status_steps:
        if step == "request_correction":
            applications.request_correction(application, "清算报告未签字")
        else:
            getattr(applications, step)(application)
    application = applications.withdraw(application, "申请人撤回", on=DAY)
    assert application.status == ApplicationStatus.WITHDRAWN
    org.refresh_from_db()
    assert org.status == OrgStatus.ACTIVE and org.status_changed_on is None
    with pytest.raises(applications.TransitionError, match="已办结"):
        applications.withdraw(application, "again")


def test_a_change_updates_exactly_the_listed_items():
    org = make_organization(
        name="和平区书法家协会",
        legal_representative="王德明",
        domicile="天津市和平区大沽北路10号",
        registered_funds=Decimal("30000.00"),
        supervisory_unit="区文联",
        contact_phone="022-23456789",
        business_scope="书法交流。",
    )
    application = make_application(ApplicationKind.CHANGE, organization=org)
    applications.new_change(application, ChangeItem.LEGAL_REPRESENTATIVE, "赵云鹏")
    applications.new_change(application, ChangeItem.REGISTERED_FUNDS, "100000")
    applications.new_change(application, ChangeItem.NAME, "和平区书法艺术家协会")
    applications.fill_old_values(application)
    olds = dict(application.changes.values_list("item", "old_value"))
    assert olds == {
        "legal_representative": "王德明",
        "registered_funds": "30000.00",
        "name": "和平区书法家协会",
    }
    application = to_review(application)
    before = snapshot(org)

    applications.approve(application, on=DAY)

    after = snapshot(org)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {
        "updated_at",  # moved by the database trigger on every real change
        "name",
        "name_pinyin",
        "name_initials",
        "legal_representative",
        "registered_funds",
    }
    assert after["legal_representative"] == "赵云鹏"
    assert after["registered_funds"] == Decimal("100000.00")
    assert after["name_initials"] == "hpqsfysjxh"
    notice = Notice.objects.get(application=application)
    assert notice.kind == NoticeKind.CHANGE and notice.name == "和平区书法艺术家协会"
    assert "「王德明」" in notice.text and "「赵云鹏」" in notice.text
    assert "「30000.00」" in notice.text and "022-23456789" not in notice.text


def test_a_change_whose_old_value_no_longer_matches_is_refused_atomically():
    org = make_organization(domicile="天津市和平区大沽北路10号")
    application = make_application(ApplicationKind.CHANGE, organization=org)
    applications.new_change(application, ChangeItem.LEGAL_REPRESENTATIVE, "赵云鹏")
    applications.new_change(application, ChangeItem.DOMICILE, "天津市和平区南京路8号")
    applications.fill_old_values(application)
    application = to_review(application)
    # Someone corrected the domicile in the admin after the application was received.
    Organization.objects.filter(pk=org.pk).update(domicile="天津市和平区大沽北路12号")
    before = snapshot(org)
    with pytest.raises(applications.TransitionError, match="住所"):
        applications.approve(application)
    # The legal representative, listed first, was not written either.
    assert snapshot(org) == before
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEW
    assert not Notice.objects.exists()


def test_a_bad_new_value_is_refused_naming_the_item():
    org = make_organization()
    application = make_application(ApplicationKind.CHANGE, organization=org)
    applications.new_change(application, ChangeItem.REGISTERED_FUNDS, "十万元")
    application = to_review(application)
    with pytest.raises(applications.TransitionError, match="注册资金"):
        applications.approve(application)


def test_a_failed_establishment_rolls_back_its_credit_code(settings):
    settings.CREDIT_CODE_BLOCK = "MJ0"
    make_organization(name="和平区社区养老服务协会")
    application = to_review(make_application())
    with pytest.raises(applications.TransitionError, match="和平区社区养老服务协会"):
        applications.approve(application)
    assert (
        not Organization.objects.filter(credit_code__contains="MJ0")
        .exclude(name="和平区社区养老服务协会")
        .exists()
    )
    application.name = "和平区社区养老互助协会"
    application.save()
    org = applications.approve(application).organization
    assert org.credit_code == creditcode.make("1", "120101", "MJ000001")


def test_deregistration_sets_status_date_and_reason():
    org = make_organization()
    application = to_review(make_application(ApplicationKind.DEREGISTRATION, organization=org))
    applications.approve(application, on=datetime.date(2026, 4, 1))
    org.refresh_from_db()
    assert org.status == OrgStatus.DEREGISTERED
    assert org.status_changed_on == datetime.date(2026, 4, 1)
    assert org.status_reason == "会员大会决议解散"
    notice = Notice.objects.get(application=application)
    assert notice.kind == NoticeKind.DEREGISTRATION and "注销" in notice.title
    # A second deregistration of the same organization cannot be approved.
    again = to_review(make_application(ApplicationKind.DEREGISTRATION, organization=org))
    with pytest.raises(applications.TransitionError, match="已是“注销”状态"):
        applications.approve(again)


def test_a_revocation_from_the_admin_publishes_a_notice_once():
    org = make_organization()
    org.status = OrgStatus.REVOKED
    org.status_changed_on = datetime.date(2026, 5, 6)
    org.status_reason = "连续两年未参加年检"
    org.save()
    notice = Notice.objects.get(organization=org)
    assert notice.kind == NoticeKind.REVOCATION and notice.published_on == org.status_changed_on
    assert "连续两年未参加年检" in notice.text and "撤销" in notice.title
    org.business_scope = "更正"
    org.save()
    assert Notice.objects.filter(organization=org).count() == 1


def test_every_step_is_in_the_history_with_who_and_when():
    user = make_user("registrar")
    application = make_application()
    receive_all_documents(application)
    with acting_as(user):
        applications.accept(application)
    with acting_as(user), transaction.atomic():
        applications.start_review(application)
    events = application.events.order_by("pgh_id").select_related("pgh_context")
    statuses = [e.status for e in events]
    assert statuses[-2:] == [ApplicationStatus.ACCEPTED, ApplicationStatus.REVIEW]
    last = events.last()
    assert last.pgh_context.metadata["username"] == "registrar"
    assert last.pgh_created_at is not None
