"""A small public directory for the tests of the directory pages and the API:
organizations chosen for the search cases, and community groups in every state."""

import datetime

import pytest

from registry import filings
from registry.models import (
    AnnualReport,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    FilingCategory,
    Grade,
    InspectionResult,
    OrgStatus,
    OrgType,
    PartyForm,
    PriorityCategory,
)
from tests.conftest import make_group, make_organization

TODAY = datetime.date.today()


@pytest.fixture
def orgs(quanyechang, xiaobailou):
    elder = make_organization(
        name="和平区养老服务中心",
        org_type=OrgType.PRIVATE_NON_ENTERPRISE,
        priority_category=PriorityCategory.COMMUNITY_SERVICE,
        field="04",
        street=quanyechang,
        contact_phone="022-23456789",
        registered_on=datetime.date(2010, 5, 1),
        grade=Grade.A4,
        grade_awarded_on=TODAY - datetime.timedelta(days=400),
        party_form=PartyForm.SINGLE,
        party_members=4,
    )
    history = make_organization(
        name="天津市和平区五大道历史文化研究会",
        priority_category=PriorityCategory.OTHER,
        field="05",
        street=xiaobailou,
        registered_on=datetime.date(2016, 9, 1),
        grade=Grade.A5,
        grade_awarded_on=datetime.date(2005, 1, 1),  # expired in 2010
    )
    charity = make_organization(
        name="和平区慈善协会",
        priority_category=PriorityCategory.CHARITY,
        street=quanyechang,
        registered_on=datetime.date(2001, 3, 1),
        party_form=PartyForm.INSTRUCTOR,
    )
    go = make_organization(
        name="和平区围棋协会",
        field="06",
        street=xiaobailou,
        status=OrgStatus.DEREGISTERED,
        status_changed_on=datetime.date(2020, 1, 2),
        status_reason="自行解散",
        registered_on=datetime.date(1999, 3, 1),
    )
    CreditRecord.objects.create(
        organization=charity,
        kind=CreditKind.ABNORMAL,
        reason="未按规定报送年度工作报告",
        decided_on=TODAY - datetime.timedelta(days=30),
    )
    CreditRecord.objects.create(
        organization=elder,
        kind=CreditKind.ABNORMAL,
        reason="通过登记的住所无法联系",
        decided_on=datetime.date(2018, 5, 1),
        removed_on=datetime.date(2019, 5, 1),
        removal_reason="已恢复联系",
    )
    AnnualReport.objects.create(organization=elder, year=2015, result=InspectionResult.BASIC)
    AnnualReport.objects.create(organization=elder, year=2016, result=InspectionResult.QUALIFIED)
    return {"elder": elder, "history": history, "charity": charity, "go": go}


@pytest.fixture
def groups(quanyechang, qyc_community, xiaobailou, xbl_community):
    choir = make_group(
        quanyechang,
        qyc_community,
        name="福明社区夕阳红合唱团",
        leader_name="赵桂芝",
        leader_phone="13912345678",
    )
    filings.submit(choir)
    filings.accept(choir, on=datetime.date(2016, 4, 1))
    helpers = make_group(
        xiaobailou,
        xbl_community,
        name="开封道社区邻里互助会",
        category=FilingCategory.objects.get(code="mutual_aid"),
        leader_name="钱德明",
    )
    filings.submit(helpers)
    filings.accept(helpers, on=datetime.date(2017, 6, 1))
    filings.cancel(
        CommunityGroup.objects.get(pk=helpers.pk), "活动停止", on=datetime.date(2019, 1, 1)
    )
    draft = make_group(quanyechang, qyc_community, name="福明社区太极拳队", leader_name="孙立平")
    submitted = make_group(quanyechang, qyc_community, name="福明社区书法队")
    filings.submit(submitted)
    return {
        name: CommunityGroup.objects.get(pk=group.pk)
        for name, group in (
            ("choir", choir),
            ("helpers", helpers),
            ("draft", draft),
            ("submitted", submitted),
        )
    }
