"""What the projects app registers in hepingorgs.extensions, called directly (the public
profile and directory pages that render them are another engineer's)."""

import datetime

import pytest

from hepingorgs.extensions import hooks, sections
from projects import sections as project_sections
from projects import workflow
from registry.models import Organization
from tests.conftest import make_organization
from tests.projects.conftest import advance, make_contract, make_project


@pytest.fixture
def history(round_, organization, filed_group, hub):
    """The organization ran one completed project and had one rejected; the hub hosts a
    filed group's approved project; another organization never applied."""
    done = advance(
        workflow.start_review(make_project(round_, organization, title="爱洒回家路")), "completed"
    )
    for _ in range(3):
        workflow.pay_next_tranche(done, on=datetime.date(2017, 4, 1))
    rejected = workflow.start_review(make_project(round_, organization, title="被拒绝的申报"))
    workflow.reject(rejected, "预算不合理")
    hosted = workflow.start_review(
        make_project(round_, group=filed_group, host=hub, title="老军医义诊")
    )
    workflow.approve(hosted, "80000")
    make_contract(organization, subject="居家养老上门服务")
    return {"outsider": make_organization(name="和平区从未申报协会")}


def test_hooks_are_registered_once():
    assert hooks.profile_sections.count(project_sections.profile_section) == 1
    assert hooks.admin_sections.count(project_sections.admin_section) == 1
    assert hooks.organization_filters["venture_funded"] is project_sections.venture_funded


def test_public_profile_section(history, organization, hub):
    (section,) = sections("profile_sections", organization)
    assert section.title == "公益创投项目"
    assert section.rows == [
        [2016, "爱洒回家路", "申报主体", "养老", "100,000.00", "100,000.00", "良好"]
    ]
    assert "100,000.00" in section.note
    (hosted,) = sections("profile_sections", hub)
    assert hosted.rows[0][1:3] == ["老军医义诊", "福明社区老军医志愿服务队的依托单位"]
    assert hosted.rows[0][4:] == ["80,000.00", "0.00", "—"]


def test_no_section_without_projects(history):
    assert sections("profile_sections", history["outsider"]) == []
    assert sections("admin_sections", history["outsider"]) == []


def test_the_public_section_has_no_private_data(history, organization, filed_group):
    (section,) = sections("profile_sections", organization)
    text = str(section)
    for private in [
        filed_group.leader_name,
        filed_group.leader_phone,
        "预算不合理",
        "被拒绝的申报",
    ]:
        assert private not in text


def test_admin_section_lists_everything_with_the_money(history, organization):
    (section,) = sections("admin_sections", organization)
    titles = [row[1] for row in section.rows]
    assert titles == ["爱洒回家路", "被拒绝的申报", "居家养老上门服务"]
    assert section.rows[1][3] == "未立项"
    assert "100,000.00" in section.note and "300,000.00" in section.note


def test_venture_funded_filter(history, organization, hub):
    apply = hooks.organization_filters["venture_funded"].apply
    everyone = Organization.objects.all()
    assert set(apply(everyone, True)) == {organization, hub}
    assert set(apply(everyone, False)) == set(everyone) - {organization, hub}
    assert str(hooks.organization_filters["venture_funded"].label) == "获得公益创投资助"


def test_rejected_only_is_not_funded(round_):
    applicant = make_organization()
    rejected = workflow.start_review(make_project(round_, applicant))
    workflow.reject(rejected, "不符合条件")
    apply = project_sections.venture_funded.apply
    assert not apply(Organization.objects.filter(pk=applicant.pk), True).exists()
