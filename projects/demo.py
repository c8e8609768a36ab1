"""The projects app's part of the demo district (see ``hepingorgs.demo``).

The 2016 venture round of the bureau's 2017 report: 116 approved projects (the report's
"去年开展了116个公益创投项目") plus the applications that were not approved, across the
fields and the six streets, awards mostly 50,000-150,000 yuan under a 250,000 cap, each
application scored by five experts, tranches paid by the stage each project reached, and
mid-term and final evaluations. Applicants are the registry's demo organizations and
filed groups (a filed group applies through its street's hub organization, the 社区社会
组织服务促进会 of the report's "四社联动"). The report's two examples are there:
小白楼街's "爱洒回家路" (keeping elderly people from getting lost, 全国最具影响力社工项目)
and 劝业场街's retired army doctors' volunteer team (members honored 天津好人). A handful
of purchase-of-service contracts complete it.

Everything is written with ``bulk_create`` in states the workflow would have produced
(the pghistory triggers record it all); ``tests/projects/test_load_demo.py`` checks the
money rules on the result.
"""

import datetime
from decimal import Decimal

from projects.models import (
    ContractStatus,
    Evaluation,
    EvaluationGrade,
    EvaluationKind,
    Expert,
    FundingSource,
    Honor,
    Project,
    ProjectField,
    ProjectStatus,
    Review,
    Round,
    RoundStatus,
    ServiceContract,
    Tranche,
)
from projects.workflow import tranche_plan
from registry.demo import person, random_date
from registry.models import CommunityGroup, FilingStatus, Organization, PriorityCategory, Street

YEAR = 2016
APPROVED = 116
REJECTED = 38
BUDGET = Decimal("12000000.00")
CAP = Decimal("250000.00")
REVIEWERS_PER_PROJECT = 5
THOUSAND = Decimal("1000")

DECIDED_ON = datetime.date(2016, 5, 20)
NOTICE = (datetime.date(2016, 5, 23), datetime.date(2016, 5, 29))
STARTED_ON = datetime.date(2016, 6, 6)

# field -> (weight, title stems): a title is "<community or street><stem>".
FIELDS = {
    ProjectField.ELDERLY: (
        30,
        "空巢老人关爱行动 高龄老人助餐服务 失能老人居家照护支持 老年人智能手机课堂 "
        "独居老人安全守护 老年人心理慰藉 认知症老人家庭支持 银龄互助养老",
    ),
    ProjectField.DISABILITY: (
        10,
        "残疾人康复陪伴 助残就业能力提升 心智障碍青年融合 残疾人家庭喘息服务",
    ),
    ProjectField.CHILDREN: (
        16,
        "四点半课堂 困境儿童成长陪伴 青少年社区参与 亲子阅读推广 留守儿童暑期营",
    ),
    ProjectField.HEALTH: (12, "慢病自我管理 社区健康讲堂 居民急救技能普及 心理健康服务站"),
    ProjectField.EDUCATION: (8, "社区学习共同体 家庭教育指导 老年大学社区课堂"),
    ProjectField.ENVIRONMENT: (7, "垃圾分类宣传督导 楼道绿化美化 低碳生活推广"),
    ProjectField.GOVERNANCE: (10, "居民议事协商 楼门自治建设 邻里守望 社区矛盾调解"),
    ProjectField.VOLUNTEERING: (10, "志愿服务时间银行 社区志愿者能力建设 邻里互助志愿服务"),
    ProjectField.LEGAL: (5, "法律援助进社区 老年人防诈骗宣传 社区普法讲堂"),
    ProjectField.OTHER: (2, "社区文化记忆 社区文化品牌培育"),
}
FIELDS = {field: (weight, stems.split()) for field, (weight, stems) in FIELDS.items()}

REJECTION_REASONS = (
    "项目设计与社区需求论证不足，评审得分未达立项线。",
    "预算编制不够细致，部分支出与项目目标关联不强。",
    "申报单位项目执行能力有待提升，建议孵化后再行申报。",
    "与已立项项目服务内容重复，未予立项。",
    "项目可持续性不足，缺少后续资源链接计划。",
)
REVIEW_COMMENTS = (
    "需求调研扎实，服务对象明确。",
    "项目设计合理，活动安排可行。",
    "预算编制基本合理，建议细化志愿者补贴。",
    "建议加强与社区居委会的协同。",
    "执行团队经验较丰富。",
    "可持续性方面需进一步考虑。",
    "建议增加成效评估指标。",
)
EVALUATORS = ("和平区社会组织孵化中心评估组", "第三方评估机构专家组", "区民政局项目评估组")
SUMMARIES = {
    EvaluationGrade.EXCELLENT: "项目执行规范，服务成效显著，居民满意度高。",
    EvaluationGrade.GOOD: "项目按计划推进，服务成效较好，档案资料较完整。",
    EvaluationGrade.PASS: "项目基本完成计划，部分活动进度滞后，需加强过程管理。",
    EvaluationGrade.FAIL: "项目执行严重滞后，资金使用不规范，服务目标未能实现。",
}
GRADE_SCORES = {
    EvaluationGrade.EXCELLENT: (90, 98),
    EvaluationGrade.GOOD: (80, 89.9),
    EvaluationGrade.PASS: (62, 79.9),
    EvaluationGrade.FAIL: (45, 59),
}
GRADE_WEIGHTS = (
    (EvaluationGrade.EXCELLENT, 22),
    (EvaluationGrade.GOOD, 46),
    (EvaluationGrade.PASS, 32),
)
FAILED_MIDTERM = 3  # failed the mid-term evaluation: later tranches blocked, then terminated

EXPERTS = (
    ("副教授", "高校社会工作系", "社会工作"),
    ("教授", "高校公共管理学院", "公共管理"),
    ("讲师", "高校社会学系", "社区研究"),
    ("高级会计师", "会计师事务所", "财务审计"),
    ("注册会计师", "会计师事务所", "项目预算"),
    ("律师", "律师事务所", "法律服务"),
    ("主任医师", "区属医院", "医疗卫生"),
    ("高级社工师", "市社会工作协会", "社会工作督导"),
    ("副研究员", "市社会科学院", "社会政策"),
    ("退休干部", "区民政局", "民政工作"),
    ("中级社工师", None, "养老服务"),
    ("中级社工师", None, "青少年服务"),
    ("总干事", None, "公益项目管理"),
    ("高级教师", "区教育局教研室", "教育"),
    ("工程师", "区生态环境局", "环境保护"),
)

CONTRACTS = (
    ("区民政局", "居家养老上门服务", "elder", Decimal("1200000.00"), 1),
    ("区民政局", "社区社会组织孵化培育与运营", "hub", Decimal("800000.00"), None),
    ("区残疾人联合会", "残疾人居家托养服务", "disability", Decimal("460000.00"), None),
    ("区司法局", "社区矫正社会工作服务", "social", Decimal("360000.00"), None),
    ("区卫生健康委", "老年人健康管理社工服务", "elder", Decimal("280000.00"), 2),
    ("区教育局", "青少年课后服务与家庭教育指导", "social", Decimal("320000.00"), 5),
)


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _hubs():
    """street id -> the street's hub organization (社区社会组织服务促进会)."""
    return {
        org.street_id: org
        for org in Organization.objects.filter(name__contains="街社区社会组织服务促进会")
    }


def _award(rng):
    """Mostly 50,000-150,000 yuan, a few larger up to the cap, a few small ones."""
    draw = rng.random()
    if draw < 0.07:
        value = rng.uniform(150_000, 250_000)
    elif draw < 0.11:
        value = rng.uniform(30_000, 50_000)
    else:
        value = rng.triangular(50_000, 150_000, 85_000)
    return min(CAP, (Decimal(value) / THOUSAND).quantize(Decimal("1")) * THOUSAND)


def _scores(rng, approved):
    low, high = (14, 19) if approved else (9, 15)
    return [rng.randint(low, high) for _criterion in range(5)]


class _Builder:
    def __init__(self, rng, round_):
        self.rng = rng
        self.round = round_
        self.streets = {s.pk: s for s in Street.objects.order_by("code")}
        self.communities = {}
        for street in self.streets.values():
            self.communities[street.pk] = list(street.communities.order_by("code"))
        self.hubs = _hubs()
        self.projects, self.street_links, self.community_links = [], [], []

    def project(self, *, applicant, field, title=None, approved=True, street=None, award=None):
        rng = self.rng
        is_group = isinstance(applicant, CommunityGroup)
        street = (
            street
            or self.streets.get(applicant.street_id)
            or rng.choice(list(self.streets.values()))
        )
        communities = rng.sample(self.communities[street.pk], rng.randint(1, 3))
        if title is None:
            stem = rng.choice(FIELDS[field][1])
            place = communities[0].name if rng.random() < 0.6 else street.name.removesuffix("道")
            title = f"{place}{stem}项目"
        award = award or _award(rng)
        requested = (
            award
            if rng.random() < 0.6
            else min(award + Decimal(rng.randint(1, 40)) * THOUSAND, Decimal("300000.00"))
        )
        project = Project(
            round=self.round,
            applicant_organization=None if is_group else applicant,
            applicant_group=applicant if is_group else None,
            host=self.hubs[applicant.street_id] if is_group else None,
            title=title,
            field=field,
            summary=f"面向{street.name}居民开展{title.removesuffix('项目')}服务。",
            planned_start=datetime.date(2016, 6, 1),
            planned_end=datetime.date(2017, 3, 31),
            requested=requested,
            co_funding=Decimal(rng.choice((0, 0, 5, 10, 20))) * THOUSAND,
            target_beneficiaries=rng.randint(60, 1500),
            status=ProjectStatus.APPROVED if approved else ProjectStatus.REJECTED,
            decided_on=DECIDED_ON,
        )
        project.award = award  # not a field: the amount the experts recommended
        if not approved:
            project.rejection_reason = rng.choice(REJECTION_REASONS)
        extra = []
        if rng.random() < 0.15:
            others = [s for s in self.streets.values() if s.pk != street.pk]
            extra = rng.sample(others, rng.randint(1, 2))
        project.served_streets = [street, *extra]
        project.served_communities = communities
        self.projects.append(project)
        return project


def _applicants(rng):
    orgs = list(
        Organization.objects.filter(
            priority_category__in=[PriorityCategory.CHARITY, PriorityCategory.COMMUNITY_SERVICE]
        ).order_by("credit_code")
    )
    groups = list(
        CommunityGroup.objects.filter(
            status=FilingStatus.FILED,
            category__code__in=["charity", "mutual_aid", "life_services", "community_affairs"],
        ).order_by("filing_number")
    )
    return orgs, rng.sample(groups, 70)


def _deliver(rng, project, failed):
    """Move an approved project through notice, delivery and evaluations; returns its
    tranches and evaluations (the workflow's results, written in bulk)."""
    project.awarded = project.award
    project.notice_from, project.notice_until = NOTICE
    project.started_on = STARTED_ON
    evaluations = []
    midterm_on = random_date(rng, datetime.date(2016, 10, 10), datetime.date(2016, 11, 10))
    midterm_grade = EvaluationGrade.FAIL if failed else _weighted(rng, GRADE_WEIGHTS)
    evaluations.append(_evaluation(rng, project, EvaluationKind.MIDTERM, midterm_on, midterm_grade))
    tranches = [
        Tranche(project=project, number=number, planned=amount)
        for number, amount in tranche_plan(project.round, project.awarded)
    ]
    first = tranches[0]
    first.paid, first.paid_on = first.planned, datetime.date(2016, 6, 15)
    if failed:
        project.status = ProjectStatus.TERMINATED
        project.terminated_on = midterm_on + datetime.timedelta(days=21)
        project.termination_reason = (
            "中期评估不合格，整改后仍未达到要求，终止项目并停止拨付后续资金。"
        )
    else:
        final_on = random_date(rng, datetime.date(2017, 3, 20), datetime.date(2017, 4, 28))
        final_grade = midterm_grade if rng.random() < 0.7 else _weighted(rng, GRADE_WEIGHTS)
        evaluations.append(_evaluation(rng, project, EvaluationKind.FINAL, final_on, final_grade))
        project.status = ProjectStatus.COMPLETED
        project.completed_on = final_on
        for tranche in tranches[1:]:
            paid_on = midterm_on if tranche.number == 2 else final_on
            tranche.paid, tranche.paid_on = tranche.planned, paid_on + datetime.timedelta(days=14)
    project.paid = sum(t.paid for t in tranches if t.paid)
    return tranches, evaluations


def _evaluation(rng, project, kind, on, grade):
    low, high = GRADE_SCORES[grade]
    share = rng.uniform(0.35, 0.6) if kind == EvaluationKind.MIDTERM else rng.uniform(0.9, 1.3)
    if grade == EvaluationGrade.FAIL:
        share = rng.uniform(0.1, 0.25)
    return Evaluation(
        project=project,
        kind=kind,
        evaluated_on=on,
        score=Decimal(str(round(rng.uniform(low, high), 1))),
        grade=grade,
        evaluator=rng.choice(EVALUATORS),
        summary=SUMMARIES[grade],
        beneficiaries_served=round(project.target_beneficiaries * share),
    )


def _experts(rng, orgs):
    affiliated = iter(rng.sample(orgs, 3))
    experts = []
    for title, employer, specialty in EXPERTS:
        affiliation = next(affiliated) if employer is None else None
        experts.append(
            Expert(
                name=person(rng),
                title=title,
                employer=affiliation.name if affiliation else employer,
                affiliation=affiliation,
                specialty=specialty,
            )
        )
    return Expert.objects.bulk_create(experts)


def _reviews(rng, projects, experts):
    reviews = []
    for project in projects:
        eligible = [
            e
            for e in experts
            if e.affiliation_id is None
            or e.affiliation_id not in (project.applicant_organization_id, project.host_id)
        ]
        approved = project.status != ProjectStatus.REJECTED
        for expert in rng.sample(eligible, REVIEWERS_PER_PROJECT):
            need, design, capacity, budget, sustainability = _scores(rng, approved)
            reviews.append(
                Review(
                    project=project,
                    expert=expert,
                    need=need,
                    design=design,
                    capacity=capacity,
                    budget=budget,
                    sustainability=sustainability,
                    comments=rng.choice(REVIEW_COMMENTS),
                )
            )
    return Review.objects.bulk_create(reviews)


def _contracts(rng, orgs, streets):
    by_kind = {
        "elder": [o for o in orgs if "养老" in o.name or "助老" in o.name],
        "hub": [o for o in orgs if "社区社会组织服务促进会" in o.name],
        "disability": [o for o in orgs if "助残" in o.name],
        "social": [o for o in orgs if "社会工作" in o.name or "社工" in o.name],
    }
    contracts = []
    for department, subject, kind, amount, street_index in CONTRACTS:
        provider = rng.choice(by_kind[kind] or orgs)
        signed = random_date(rng, datetime.date(2016, 1, 10), datetime.date(2016, 3, 31))
        contracts.append(
            ServiceContract(
                department=department,
                provider=provider,
                subject=f"2016年度{subject}",
                amount=amount,
                signed_on=signed,
                starts_on=signed + datetime.timedelta(days=15),
                ends_on=datetime.date(2016, 12, 31),
                status=ContractStatus.COMPLETED,
                street=streets[street_index] if street_index is not None else None,
            )
        )
    return ServiceContract.objects.bulk_create(contracts)


def _fit_budget(projects):
    """Trim the largest awards by 1,000 yuan at a time until the round's budget holds."""
    approved = [p for p in projects if p.status != ProjectStatus.REJECTED]
    while sum(p.award for p in approved) > BUDGET:
        largest = max(approved, key=lambda p: (p.award, -approved.index(p)))
        largest.award -= THOUSAND


def load(ctx):
    if Round.objects.exists():
        ctx.say(
            f"projects: the demo data is already there ({Round.objects.count()} rounds, "
            f"{Project.objects.count()} projects); nothing written. Use --reset to rebuild it."
        )
        return
    if not Organization.objects.exists():
        ctx.say("projects: no registry demo data to build on; nothing written.")
        return
    rng = ctx.rng
    round_ = Round.objects.create(
        year=YEAR,
        name="2016年和平区公益创投项目",
        funding_source=FundingSource.WELFARE_LOTTERY,
        budget=BUDGET,
        cap=CAP,
        first_tranche=50,
        second_tranche=30,
        final_tranche=20,
        opens_on=datetime.date(2016, 3, 1),
        closes_on=datetime.date(2016, 4, 15),
        status=RoundStatus.CLOSED,
        note="资金来源：福彩公益金。立项项目按50%、30%、20%分三期拨付。",
    )
    builder = _Builder(rng, round_)
    orgs, groups = _applicants(rng)
    streets = list(builder.streets.values())
    by_name = {s.name: s for s in streets}

    # The report's two examples first.
    xiaobailou = by_name["小白楼街道"]
    home = builder.project(
        applicant=builder.hubs[xiaobailou.pk],
        field=ProjectField.ELDERLY,
        title="爱洒回家路——预防老年人走失关爱项目",
        street=xiaobailou,
        award=Decimal("180000.00"),
    )
    quanyechang = by_name["劝业场街道"]
    qyc_groups = CommunityGroup.objects.filter(
        street=quanyechang, status=FilingStatus.FILED, category__code="charity"
    ).order_by("filing_number")
    team = qyc_groups.filter(name__contains="义诊").first() or qyc_groups.first()
    doctors = builder.project(
        applicant=team,
        field=ProjectField.HEALTH,
        title="老军医志愿服务队社区健康守护项目",
        street=quanyechang,
        award=Decimal("80000.00"),
    )

    fields = [(field, weight) for field, (weight, _stems) in FIELDS.items()]
    group_pool = iter(groups)
    for index in range(APPROVED + REJECTED - 2):
        applicant = (next(group_pool, None) if rng.random() < 0.4 else None) or rng.choice(orgs)
        builder.project(
            applicant=applicant,
            field=_weighted(rng, fields),
            approved=index < APPROVED - 2,
        )
    _fit_budget(builder.projects)

    approved = [p for p in builder.projects if p.status != ProjectStatus.REJECTED]
    failed = set(rng.sample(range(2, len(approved)), FAILED_MIDTERM))
    tranches, evaluations = [], []
    for index, project in enumerate(approved):
        made = _deliver(rng, project, failed=index in failed)
        tranches += made[0]
        evaluations += made[1]
    for project in (home, doctors):  # the report's examples did well
        for evaluation in evaluations:
            if evaluation.project is project:
                evaluation.grade = EvaluationGrade.EXCELLENT
                evaluation.score = Decimal("95.5")
                evaluation.summary = SUMMARIES[EvaluationGrade.EXCELLENT]

    projects = Project.objects.bulk_create(builder.projects)
    Project.streets.through.objects.bulk_create(
        Project.streets.through(project=p, street=s) for p in projects for s in p.served_streets
    )
    Project.communities.through.objects.bulk_create(
        Project.communities.through(project=p, community=c)
        for p in projects
        for c in p.served_communities
    )
    experts = _experts(rng, orgs)
    reviews = _reviews(rng, projects, experts)
    Tranche.objects.bulk_create(tranches)
    Evaluation.objects.bulk_create(evaluations)
    Honor.objects.bulk_create(
        [
            Honor(
                project=home,
                name="全国最具影响力社工项目",
                year=2016,
                awarded_by="全国社会工作项目评选活动组委会",
                recipients="",
            ),
            Honor(
                project=doctors,
                name="天津好人",
                year=2016,
                awarded_by="天津市精神文明建设委员会办公室",
                recipients="老军医志愿服务队多名队员",
            ),
        ]
    )
    contracts = _contracts(rng, orgs, streets)
    awarded = sum(p.awarded for p in approved)
    ctx.success(
        f"projects: round {round_.name}: {len(approved)} approved and "
        f"{len(projects) - len(approved)} rejected applications, awarded {awarded} yuan; "
        f"{len(reviews)} expert reviews, {len(tranches)} tranches, "
        f"{len(evaluations)} evaluations; {len(contracts)} purchase-of-service contracts."
    )
