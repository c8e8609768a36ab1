"""The incubation history on a registered organization's public profile: registered
through ``AppConfig.ready()``, public data only."""

import datetime

import pytest

from hepingorgs.extensions import hooks, sections
from incubator.models import Outcome
from incubator.profile import incubation_history
from registry.models import CommunityGroup
from tests.conftest import make_group, make_organization
from tests.incubator.conftest import make_mentor, make_residency, make_session, make_space

pytestmark = pytest.mark.django_db
D = datetime.date


def test_registered_once_from_ready():
    assert hooks.profile_sections.count(incubation_history) == 1


def test_no_history_no_section():
    assert incubation_history(make_organization()) is None


def test_the_history_of_an_organization_and_of_the_group_it_grew_from(quanyechang, qyc_community):
    organization = make_organization(name="和平区暖阳公益服务中心")
    group = make_group(quanyechang, qyc_community, leader_phone="13912345678")
    CommunityGroup.objects.filter(pk=group.pk).update(registered_as=organization)
    make_residency(
        name="",
        community_group=group,
        intake_year=2014,
        batch=2,
        started_on=D(2014, 9, 1),
        ended_on=D(2015, 6, 1),
        outcome=Outcome.REGISTERED,
        outcome_on=D(2015, 6, 1),
        outcome_note="内部说明",
        contact_name="王秀兰",
        contact_phone="13800001111",
    )
    in_shell = make_residency(
        name="",
        organization=organization,
        space=make_space(),
        started_on=D(2015, 6, 1),
        notes="内部备注",
    )
    make_session(make_mentor(name="律师甲"), [in_shell])
    make_residency(name="别家", organization=make_organization())

    section = incubation_history(organization)
    assert section.title == "孵化中心"
    assert section.rows == [
        ["壳外指导", "2014", "2", "2014-09-01", "2015-06-01", "出壳-已登记"],
        ["入驻", "2016", "1", "2015-06-01", "—", "在孵"],
    ]
    text = repr(section)
    for private in ("13912345678", "13800001111", "王秀兰", "律师甲", "内部", group.leader_name):
        assert private not in text
    assert section in sections("profile_sections", organization)
