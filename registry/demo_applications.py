"""The registration applications and notices of the demo district (called by
``registry.demo.load`` once the organizations exist).

- 2016's decisions, consistent with the organizations: every organization registered in
  2016 has its approved establishment application and notice; a dozen older ones have an
  approved change (the register holds the new values, the application the old ones) and
  its notice; refused and withdrawn applications of each kind.
- Open applications of each kind in each state, dated from today so that the staff queue
  shows some near and some past their deadline, and late change and deregistration
  applications.

- Two deregistrations approved in 2017, with their notices: the organizations were on the
  register at the end of 2016, so the report's 2016 figures still count them (issue 9).
  They are picked among the "other" priority category, without credit records or other
  applications, so the incubator's and projects' demos, which draw on charity and
  community-service organizations, find the same ones.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from registry import notices
from registry.models import (
    ApplicationChange,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    ChangeItem,
    OrgStatus,
    RegistrationApplication,
    RequiredDocument,
)

ESTABLISHMENT, CHANGE, DEREGISTRATION = ApplicationKind
RECEIVED, CORRECTION, ACCEPTED, REVIEW, APPROVED, REFUSED, WITHDRAWN = ApplicationStatus

# Proposed organizations that are not (yet) in the register: (name stem, type, field,
# priority category, supervisory unit, business scope).
PROPOSED = [
    (
        "社区邻里互助服务中心",
        "2",
        "04",
        "community",
        "区民政局",
        "邻里互助、社区志愿服务组织与培训。",
    ),
    (
        "青少年科技教育促进会",
        "1",
        "00",
        "science",
        "区科学技术协会",
        "青少年科普活动、科技竞赛辅导。",
    ),
    (
        "老年书法研习会",
        "1",
        "05",
        "other",
        "区文学艺术界联合会",
        "书法研习、展览与交流。",
    ),
    (
        "楼宇企业服务中心",
        "2",
        "08",
        "industry",
        "区商务委员会",
        "楼宇企业政策咨询与交流服务。",
    ),
    (
        "家庭教育指导中心",
        "2",
        "02",
        "community",
        "区教育局",
        "家庭教育咨询、家长课堂。",
    ),
    (
        "近代建筑保护研究会",
        "1",
        "05",
        "other",
        "区文化和旅游局",
        "近代建筑研究、保护宣传。",
    ),
    (
        "社区心理关爱服务中心",
        "2",
        "03",
        "charity",
        "区卫生健康委",
        "心理健康宣传、心理疏导服务。",
    ),
    (
        "残疾人康复互助会",
        "1",
        "04",
        "charity",
        "区残疾人联合会",
        "康复互助、辅具知识普及。",
    ),
    (
        "社区营造研究会",
        "1",
        "04",
        "community",
        "区民政局",
        "社区治理研究、社区营造实践交流。",
    ),
    (
        "养老护理职业培训学校",
        "2",
        "02",
        "community",
        "区人力资源和社会保障局",
        "养老护理员职业技能培训。",
    ),
    (
        "垃圾分类宣传服务中心",
        "2",
        "01",
        "charity",
        "区生态环境局",
        "垃圾分类宣传、志愿服务组织。",
    ),
    (
        "法律援助志愿者协会",
        "1",
        "07",
        "charity",
        "区司法局",
        "法律援助志愿服务、法治宣传。",
    ),
]

CORRECTION_NOTES = (
    "验资证明未加盖会计师事务所印章，请补正。",
    "住所使用权证明已过期，请提供有效期内的租赁合同。",
    "拟任负责人身份证明复印件不清晰，请重新提供。",
    "会员大会决议缺少到会人数和表决结果，请补正。",
    "清算报告未经业务主管单位审查，请补正。",
)
REFUSAL_REASONS = {
    ESTABLISHMENT: "业务范围与已登记的社会团体相同或相似，不符合《社会团体登记管理条例》第十三条。",
    CHANGE: "拟变更的住所不能提供合法使用证明。",
    DEREGISTRATION: "清算未完成，清算报告未经审计。",
}
WITHDRAWAL_REASONS = {
    ESTABLISHMENT: "发起人会议决定暂缓成立，申请人撤回申请。",
    CHANGE: "理事会决定暂不变更法定代表人，申请人撤回申请。",
    DEREGISTRATION: "会员大会决定继续开展活动，申请人撤回注销申请。",
}
DEREGISTRATION_REASONS = (
    "会员大会决议解散。",
    "宗旨已经实现，理事会决议终止。",
    "举办单位撤销，经业务主管单位同意注销。",
)
CHANGES_2016 = 12
DEREGISTRATIONS_2017 = 2
CENT = Decimal("0.01")


def _days(n):
    return datetime.timedelta(days=n)


def _checklists(applications, missing):
    """Document rows of each application from the configured checklist; the first
    required document is still missing for the applications in ``missing``."""
    checklist = {}
    for doc in RequiredDocument.objects.filter(is_active=True):
        checklist.setdefault(doc.kind, []).append(doc)
    rows = []
    for application in applications:
        first_required = True
        for doc in checklist.get(application.kind, []):
            received = not (application.pk in missing and doc.required and first_required)
            first_required = first_required and not doc.required
            rows.append(
                ApplicationDocument(
                    application=application,
                    name=doc.name,
                    required=doc.required,
                    received=received,
                    received_on=application.received_on if received else None,
                )
            )
    ApplicationDocument.objects.bulk_create(rows)


def _proposed(rng, base, stem, org_type, field, category, unit, scope, street):
    return {
        "name": base._name_prefix(rng) + stem,
        "org_type": org_type,
        "field": field,
        "priority_category": category,
        "supervisory_unit": unit,
        "business_scope": scope,
        "street": street,
        "legal_representative": base.person(rng),
        "domicile": base._domicile(rng, base.STREETS[street.code][3].split(), office=True),
        "registered_funds": Decimal(rng.choice(base.SG_FUNDS)).quantize(CENT),
    }


def _as_established(org):
    """The establishment application's particulars of an organization now registered."""
    return {
        "name": org.name,
        "org_type": org.org_type,
        "field": org.field,
        "priority_category": org.priority_category,
        "supervisory_unit": org.supervisory_unit,
        "business_scope": org.business_scope,
        "street": org.street,
        "legal_representative": org.legal_representative,
        "domicile": org.domicile,
        "registered_funds": org.registered_funds,
    }


def _steps(status, received_on, complete_on=None, decided_on=None, reason=""):
    """The workflow fields of an application that reached ``status``."""
    complete_on = complete_on or received_on
    fields = {"status": status, "received_on": received_on, "complete_on": complete_on}
    if status == CORRECTION:
        fields["correction_requested_on"] = received_on + _days(3)
    if status in (ACCEPTED, REVIEW, APPROVED, REFUSED):
        fields["accepted_on"] = complete_on + _days(2)
    if status in (REVIEW, APPROVED, REFUSED):
        fields["review_started_on"] = complete_on + _days(5)
    if status in (APPROVED, REFUSED, WITHDRAWN):
        fields["decided_on"] = decided_on
    if status in (REFUSED, WITHDRAWN):
        fields["decision_reason"] = reason
    return fields


def _decided_2016(rng, base, organizations):
    """Approved establishments of 2016's organizations and approved changes of older
    ones, with the changed items' old values."""
    rows, changes = [], []
    new_2016 = sorted(
        (o for o in organizations if o.registered_on.year == base.YEAR), key=lambda o: o.pk
    )
    for org in new_2016:
        received = org.registered_on - _days(rng.randint(25, 55))
        rows.append(
            RegistrationApplication(
                kind=ESTABLISHMENT,
                organization=org,
                **_as_established(org),
                **_steps(APPROVED, received, decided_on=org.registered_on),
            )
        )
    older = [o for o in organizations if o.registered_on.year < base.YEAR - 1]
    for org in rng.sample(sorted(older, key=lambda o: o.pk), CHANGES_2016):
        decided = base.random_date(rng, datetime.date(base.YEAR, 2, 1), datetime.date(2016, 12, 20))
        received = decided - _days(rng.randint(10, 25))
        application = RegistrationApplication(
            kind=CHANGE,
            organization=org,
            consent_on=received - _days(rng.randint(3, 25)),
            **_steps(APPROVED, received, decided_on=decided),
        )
        rows.append(application)
        items = rng.sample(
            [ChangeItem.LEGAL_REPRESENTATIVE, ChangeItem.DOMICILE, ChangeItem.REGISTERED_FUNDS],
            rng.randint(1, 2),
        )
        for item in items:
            if item == ChangeItem.LEGAL_REPRESENTATIVE:
                old = base.person(rng)
                while old == org.legal_representative:
                    old = base.person(rng)
                new = org.legal_representative
            elif item == ChangeItem.DOMICILE:
                old = base._domicile(rng, base.STREETS[org.street.code][3].split())
                new = org.domicile
            else:
                old = f"{(org.registered_funds / 2).quantize(CENT)}"
                new = f"{org.registered_funds}"
            changes.append((application, item, old, new))
    return rows, changes


def _open_and_refused(rng, base, organizations, streets, today):
    """Each kind in each state but approved: open ones dated from today (some near, some
    past the deadline, some applied late), refused and withdrawn ones in 2016."""
    rows, changes, missing = [], [], []
    proposed = iter(rng.sample(PROPOSED, len(PROPOSED)))
    active = sorted((o for o in organizations if o.status == OrgStatus.ACTIVE), key=lambda o: o.pk)
    subjects = iter(rng.sample(active, 24))
    # (kind, status, days since receipt, days the applicant's time had run at receipt)
    plan = [
        (ESTABLISHMENT, RECEIVED, 2, None),
        (ESTABLISHMENT, CORRECTION, 12, None),
        (ESTABLISHMENT, ACCEPTED, 20, None),
        (ESTABLISHMENT, REVIEW, 54, None),  # 6 days left
        (ESTABLISHMENT, REVIEW, 64, None),  # overdue
        (CHANGE, RECEIVED, 1, 41),  # applied 11 days late
        (CHANGE, CORRECTION, 8, 12),
        (CHANGE, ACCEPTED, 10, 20),
        (CHANGE, REVIEW, 27, 9),  # 3 days left
        (CHANGE, REVIEW, 35, 28),  # overdue
        (DEREGISTRATION, RECEIVED, 3, 22),  # applied 7 days late
        (DEREGISTRATION, CORRECTION, 9, 6),
        (DEREGISTRATION, ACCEPTED, 12, 10),
        (DEREGISTRATION, REVIEW, 28, 14),  # 2 days left
    ]
    for kind in ApplicationKind:
        for status in (REFUSED, WITHDRAWN):
            plan.append((kind, status, None, 10))
    for kind, status, age, applicant_days in plan:
        if age is None:
            decided = base.random_date(rng, datetime.date(2016, 3, 1), datetime.date(2016, 12, 20))
            received = decided - _days(rng.randint(15, 40))
            reason = (REFUSAL_REASONS if status == REFUSED else WITHDRAWAL_REASONS)[kind]
            fields = _steps(status, received, decided_on=decided, reason=reason)
        else:
            received = today - _days(age)
            fields = _steps(status, received)
            if status == CORRECTION:
                fields["correction_note"] = rng.choice(CORRECTION_NOTES)
        fields["received_on"] = received
        if kind == ESTABLISHMENT:
            stem, *rest = next(proposed)
            fields.update(_proposed(rng, base, stem, *rest, street=rng.choice(streets)))
        else:
            fields["organization"] = next(subjects)
            since = received - _days(applicant_days)
            if kind == CHANGE:
                fields["consent_on"] = since
            else:
                fields["liquidation_ended_on"] = since
                fields["deregistration_reason"] = rng.choice(DEREGISTRATION_REASONS)
        application = RegistrationApplication(kind=kind, **fields)
        rows.append(application)
        if status in (RECEIVED, CORRECTION):
            missing.append(application)
        if kind == CHANGE:
            org = fields["organization"]
            if rng.random() < 0.5:
                new = base.person(rng)
                old = org.legal_representative
                changes.append((application, ChangeItem.LEGAL_REPRESENTATIVE, old, new))
            else:
                new = base._domicile(rng, base.STREETS[org.street.code][3].split(), office=True)
                changes.append((application, ChangeItem.DOMICILE, org.domicile, new))
    return rows, changes, missing


def _deregistered_2017(rng, base, organizations, taken):
    """Approved deregistrations of 2017 (the organizations are deregistered accordingly)."""
    from registry.models import CreditRecord, PriorityCategory

    credited = set(CreditRecord.objects.values_list("organization_id", flat=True))
    candidates = sorted(
        (
            o
            for o in organizations
            if o.status == OrgStatus.ACTIVE
            and o.priority_category == PriorityCategory.OTHER
            and o.registered_on.year < base.YEAR - 1
            and o.pk not in taken
            and o.pk not in credited
        ),
        key=lambda o: o.pk,
    )
    rows = []
    for org in rng.sample(candidates, DEREGISTRATIONS_2017):
        decided = base.random_date(rng, datetime.date(2017, 2, 1), datetime.date(2017, 6, 30))
        received = decided - _days(rng.randint(10, 25))
        reason = rng.choice(DEREGISTRATION_REASONS)
        rows.append(
            RegistrationApplication(
                kind=DEREGISTRATION,
                organization=org,
                liquidation_ended_on=received - _days(rng.randint(3, 20)),
                deregistration_reason=reason,
                **_steps(APPROVED, received, decided_on=decided),
            )
        )
        org.status = OrgStatus.DEREGISTERED
        org.status_changed_on = decided
        org.status_reason = reason
        org.save(update_fields=["status", "status_changed_on", "status_reason"])
    return rows


def load_applications(ctx, organizations, streets):
    """Write the applications and notices of the demo district."""
    from registry import demo as base

    # A copy of the shared generator's state: deterministic, and the parts loaded after
    # this one draw exactly what they drew before it existed.
    rng = random.Random()
    rng.setstate(ctx.rng.getstate())
    today = timezone.localdate()
    decided, decided_changes = _decided_2016(rng, base, organizations)
    others, other_changes, missing = _open_and_refused(rng, base, organizations, streets, today)
    taken = {a.organization_id for a in decided + others}
    deregistered = _deregistered_2017(rng, base, organizations, taken)
    decided += deregistered
    applications = RegistrationApplication.objects.bulk_create(decided + others)
    ApplicationChange.objects.bulk_create(
        ApplicationChange(application=a, item=item, old_value=old, new_value=new)
        for a, item, old, new in decided_changes + other_changes
    )
    _checklists(applications, {a.pk for a in missing})
    published = [notices.publish_decision(a) for a in decided]
    kinds = {kind: sum(a.kind == kind for a in applications) for kind in ApplicationKind}
    ctx.success(
        f"registry: {len(applications)} registration applications "
        f"({kinds[ESTABLISHMENT]} establishments, {kinds[CHANGE]} changes, "
        f"{kinds[DEREGISTRATION]} deregistrations) and {len(published)} notices "
        f"({len(deregistered)} deregistrations approved in {base.YEAR + 1})."
    )
