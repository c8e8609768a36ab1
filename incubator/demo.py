"""The incubation centre's part of the demo district (see ``hepingorgs.demo``).

The centre for 2016, matching the bureau's 2017 report: at the end of 2016, 24 groups
in-shell (入驻) and 100 guided out-of-shell (壳外指导), 32 of them taken in during 2016
(introduced or grown locally); earlier residents that graduated (registered or filed)
or withdrew in 2015 and 2016; the centre's spaces, mentors, a year of mentoring sessions
and trainings, and the will-registry service's outputs (2,000 visits, 800 wills).

Residencies link to the registry's demo data: the in-shell residents to organizations
registered in recent years, the out-of-shell ones to filed community groups; a few are
groups neither registered nor filed yet, kept by name. The 1+1 pairings of the upgrade
plan are the registry demo's (``CommunityGroup.upgrade_partner``): the single source.
The registry's part loads first (``INSTALLED_APPS`` order).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from incubator.models import (
    MAX_SESSION_HOURS,
    Mentor,
    MentoringSession,
    MentorKind,
    Mode,
    Origin,
    Outcome,
    Residency,
    ServiceOutput,
    SessionResidency,
    Space,
    SpaceKind,
    Specialty,
    Training,
    TrainingAttendance,
)
from registry.demo import SHORT_STREETS, mobile, person, random_date
from registry.models import CommunityGroup, FilingStatus, Organization, OrgStatus, PriorityCategory

# The plan's targets and period come from a migration: --reset keeps them.
REFERENCE_MODELS = ("Plan",)

YEAR = 2016
YEAR_END = datetime.date(YEAR, 12, 31)
OPENED = datetime.date(2014, 6, 1)
IN_SHELL_NOW = {2016: 12, 2015: 12}  # intake year -> in-shell residents at the end of 2016
OUT_OF_SHELL_NOW = {2016: 20, 2015: 45, 2014: 35}
IN_SHELL_UNLINKED = 6  # of the 2016 in-shell intake: groups neither registered nor filed yet
OUT_OF_SHELL_UNLINKED = 10
GRADUATED_REGISTERED = 12
GRADUATED_FILED = 16
WITHDRAWN = 6
TERM = datetime.timedelta(days=730)
SESSIONS = 210
TRAININGS = 18
WILL_SERVICE = "公益遗嘱登记服务"
WILL_RUNNERS = ("法律", "调解", "社会工作", "社工")
WILL_VISITS = (430, 520, 560, 490)  # per quarter: 2,000 visits
WILLS = (170, 210, 220, 200)  # per quarter: 800 wills

SPACES = (
    [(f"办公室20{i}", SpaceKind.OFFICE, 4, "二层") for i in range(1, 7)]
    + [(f"开放工位{i:02d}", SpaceKind.DESK, 1, "三层") for i in range(1, 21)]
    + [("多功能培训室", SpaceKind.ROOM, 60, "一层"), ("洽谈室", SpaceKind.ROOM, 8, "一层")]
)

PERSON_MENTORS = [
    ([Specialty.FINANCE], "注册会计师"),
    ([Specialty.FINANCE, Specialty.FUNDRAISING], "基金会项目官员"),
    ([Specialty.PROJECT_DESIGN], "高校社会工作系教师"),
    ([Specialty.PROJECT_DESIGN, Specialty.SOCIAL_WORK], "督导社工"),
    ([Specialty.LAW], "执业律师"),
    ([Specialty.SOCIAL_WORK], "中级社工师"),
    ([Specialty.SOCIAL_WORK, Specialty.VOLUNTEERS], "志愿服务培训师"),
    ([Specialty.PARTY_BUILDING], "党建指导员"),
    ([Specialty.PARTY_BUILDING, Specialty.PROJECT_DESIGN], "街道党工委干部"),
    ([Specialty.FUNDRAISING, Specialty.COMMUNICATION], "公益传播顾问"),
    ([Specialty.COMMUNICATION], "媒体记者"),
    ([Specialty.VOLUNTEERS], "社区志愿服务骨干"),
]
# (words in the registered name, specialties): professional organizations as mentors.
ORGANIZATION_MENTORS = [
    ("社会工作者协会", [Specialty.SOCIAL_WORK, Specialty.PROJECT_DESIGN]),
    ("法律服务中心", [Specialty.LAW]),
    ("社会工作服务中心", [Specialty.SOCIAL_WORK, Specialty.VOLUNTEERS]),
    ("慈善协会", [Specialty.FUNDRAISING, Specialty.FINANCE]),
]
TOPICS = {
    Specialty.FINANCE: ["财务制度建立", "年度预算编制", "票据与账务规范", "审计准备"],
    Specialty.PROJECT_DESIGN: [
        "公益创投项目书撰写",
        "需求调研方法",
        "项目评估指标",
        "项目路演辅导",
    ],
    Specialty.LAW: ["章程修订", "登记申请材料", "劳动合同与志愿者协议", "公益遗嘱法律要点"],
    Specialty.SOCIAL_WORK: ["个案管理", "小组工作设计", "社区活动策划", "服务对象需求评估"],
    Specialty.PARTY_BUILDING: ["党组织组建", "党建工作融入业务", "党员教育管理"],
    Specialty.FUNDRAISING: ["筹款策略", "企业资源对接", "月捐计划设计"],
    Specialty.COMMUNICATION: ["公众号运营", "年度报告与信息公开", "活动宣传"],
    Specialty.VOLUNTEERS: ["志愿者招募", "志愿者激励与保留", "志愿服务记录"],
}
TRAINING_TITLES = [
    "社会组织登记与备案政策解读",
    "公益项目设计与管理",
    "社会组织财务管理实务",
    "社会组织党建工作培训",
    "志愿者管理与激励",
    "公益创投申报辅导",
    "社区社会组织能力建设",
    "社会组织信息公开与年报填报",
    "社会工作方法在社区服务中的应用",
]
OUTPUT_SERVICES = ["助老服务", "助餐服务", "四点半课堂", "心理疏导", "助残康复", "邻里互助活动"]
NEW_GROUP_NAMES = (
    "暖心助老服务社 青年志愿者联盟 邻里守望互助会 乐龄学堂 绿色家园环保小组 "
    "阳光助残服务队 亲子阅读会 银龄互助社 社区营造工作坊 公益摄影社 "
    "花样年华文化社 爱心编织坊 垃圾分类宣传队 小小志愿者俱乐部 健康生活促进小组 "
    "书香邻里读书会"
).split()
WITHDRAWN_NOTES = (
    "发起人工作调动，团队暂停活动。",
    "骨干成员流失，无法按计划开展服务，申请退出。",
    "与其他团队合并，退出孵化。",
)


class Spaces:
    """Assigns desks and offices so that no two residencies hold one over the same days."""

    def __init__(self, spaces):
        self.spaces = [s for s in spaces if s.kind != SpaceKind.ROOM]
        self.held = defaultdict(list)

    def take(self, start, end):
        for space in self.spaces:
            if all(end <= s or (e is not None and e <= start) for s, e in self.held[space.pk]):
                self.held[space.pk].append((start, end))
                return space
        return None


def batch_start(rng, year, batch):
    if year == 2014:
        return random_date(rng, OPENED, datetime.date(2014, 7, 31))
    months = (3, 4) if batch == 1 else (9, 10)
    return random_date(rng, datetime.date(year, months[0], 1), datetime.date(year, months[1], 28))


def _candidates():
    """Registered organizations of the recent years, and filed groups, in a fixed order."""
    organizations = list(
        Organization.objects.filter(
            status=OrgStatus.ACTIVE,
            priority_category__in=[PriorityCategory.CHARITY, PriorityCategory.COMMUNITY_SERVICE],
            registered_on__gte=OPENED,
            registered_on__lte=YEAR_END,
        ).order_by("-registered_on", "id")
    )
    groups = list(
        CommunityGroup.objects.filter(status=FilingStatus.FILED, filed_on__isnull=False)
        .only("id", "name", "filed_on", "upgrade_partner_id")
        .order_by("id")
    )
    return organizations, groups


def _new_group(rng, used):
    while True:
        name = rng.choice(list(SHORT_STREETS.values())) + rng.choice(NEW_GROUP_NAMES)
        if name not in used:
            used.add(name)
            return name


def _residencies(rng, spaces):
    organizations, groups = _candidates()
    rng.shuffle(groups)
    used_names = set()
    residencies = []

    def add(**fields):
        residency = Residency(**fields)
        residencies.append(residency)
        return residency

    def unlinked():
        return {
            "name": _new_group(rng, used_names),
            "contact_name": person(rng),
            "contact_phone": mobile(rng),
        }

    # In-shell residents at the end of 2016 and those graduated as registered share the
    # organizations registered since the centre opened, alternately.
    current_orgs = iter(organizations[0::2] + organizations[1::2][GRADUATED_REGISTERED:])
    graduate_orgs = organizations[1::2][:GRADUATED_REGISTERED]
    for year, count in IN_SHELL_NOW.items():
        for index in range(count):
            batch = 1 + index % 2
            start = batch_start(rng, year, batch)
            if year == YEAR and index < IN_SHELL_UNLINKED:
                link = unlinked()
            else:
                link = {"organization": next(current_orgs)}
            space = spaces.take(start, start + TERM)
            add(
                **link,
                mode=Mode.IN_SHELL,
                intake_year=year,
                batch=batch,
                origin=Origin.INTRODUCED if rng.random() < 0.35 else Origin.LOCAL,
                started_on=start,
                planned_end_on=start + TERM,
                space=space,
            )
    # Graduated as registered: in-shell while they prepared their registration.
    for organization in graduate_orgs:
        registered = organization.registered_on
        start = max(OPENED, registered - datetime.timedelta(days=rng.randint(90, 300)))
        start = min(start, datetime.date(2015, 12, 31), registered)
        ended = min(registered + datetime.timedelta(days=rng.randint(30, 150)), YEAR_END)
        year = start.year
        space = spaces.take(start, ended)
        add(
            organization=organization,
            mode=Mode.IN_SHELL if space else Mode.OUT_OF_SHELL,
            intake_year=year,
            batch=1 if start.month < 7 else 2,
            origin=Origin.LOCAL,
            started_on=start,
            planned_end_on=start + TERM,
            ended_on=ended,
            outcome=Outcome.REGISTERED,
            outcome_on=registered,
            outcome_note="已在区民政局登记成立，出壳。",
            space=space,
        )
    # Out-of-shell guidance of filed groups; a few are not filed yet.
    free_groups = iter(groups)

    def filed_before(day):
        for group in free_groups:
            if group.filed_on < day:
                return group
        raise RuntimeError("the registry demo has too few filed groups")

    for year, count in OUT_OF_SHELL_NOW.items():
        for index in range(count):
            batch = 1 if year == 2014 else 1 + index % 2
            start = batch_start(rng, year, batch)
            if year == YEAR and index < OUT_OF_SHELL_UNLINKED:
                link = unlinked()
            else:
                link = {"community_group": filed_before(start)}
            add(
                **link,
                mode=Mode.OUT_OF_SHELL,
                intake_year=year,
                batch=batch,
                origin=Origin.INTRODUCED if rng.random() < 0.15 else Origin.LOCAL,
                started_on=start,
                planned_end_on=start + TERM,
            )
    # Graduated as filed: guided out-of-shell until the street filed them.
    window = (datetime.date(2015, 3, 1), datetime.date(2016, 11, 30))
    graduated = [g for g in free_groups if window[0] <= g.filed_on <= window[1]]
    for group in graduated[:GRADUATED_FILED]:
        start = max(OPENED, group.filed_on - datetime.timedelta(days=rng.randint(60, 240)))
        start = min(start, datetime.date(2015, 12, 31))
        add(
            community_group=group,
            mode=Mode.OUT_OF_SHELL,
            intake_year=start.year,
            batch=1 if start.month < 7 else 2,
            origin=Origin.LOCAL,
            started_on=start,
            planned_end_on=start + TERM,
            ended_on=group.filed_on,
            outcome=Outcome.FILED,
            outcome_on=group.filed_on,
            outcome_note="已在街道备案，出壳。",
        )
    for index in range(WITHDRAWN):
        year = 2014 + index % 2
        start = batch_start(rng, year, 1)
        ended = random_date(rng, start + datetime.timedelta(days=120), datetime.date(2016, 10, 31))
        space = spaces.take(start, ended) if index % 3 == 0 else None
        add(
            **unlinked(),
            mode=Mode.IN_SHELL if space else Mode.OUT_OF_SHELL,
            intake_year=year,
            batch=1,
            origin=Origin.LOCAL,
            started_on=start,
            planned_end_on=start + TERM,
            ended_on=ended,
            outcome=Outcome.WITHDRAWN,
            outcome_on=ended,
            outcome_note=rng.choice(WITHDRAWN_NOTES),
            space=space,
        )
    for residency in residencies:
        if residency.mode == Mode.IN_SHELL and residency.space is None:
            raise RuntimeError("the demo centre has too few desks and offices")
    return residencies


def _mentors(rng):
    mentors = []
    for specialties, title in PERSON_MENTORS:
        mentors.append(
            Mentor(
                kind=MentorKind.PERSON,
                name=person(rng),
                specialties=[str(s) for s in specialties],
                phone=mobile(rng),
                is_active=title != "媒体记者",
            )
        )
    for words, specialties in ORGANIZATION_MENTORS:
        organization = (
            Organization.objects.filter(status=OrgStatus.ACTIVE, name__contains=words)
            .order_by("registered_on", "id")
            .first()
        )
        if organization is not None:
            mentors.append(
                Mentor(
                    kind=MentorKind.ORGANIZATION,
                    organization=organization,
                    specialties=[str(s) for s in specialties],
                )
            )
    return mentors


def _current(residencies, day):
    return [r for r in residencies if r.is_current_on(day)]


def _sessions(rng, mentors, residencies):
    active = [m for m in mentors if m.is_active]
    booked = defaultdict(Decimal)
    sessions, links = [], []
    while len(sessions) < SESSIONS:
        day = random_date(rng, datetime.date(YEAR, 1, 4), datetime.date(YEAR, 12, 30))
        if day.weekday() >= 5:
            continue
        mentor = rng.choice(active)
        hours = Decimal(rng.choice(("1.0", "1.5", "2.0", "2.0", "2.5", "3.0")))
        if booked[mentor.pk, day] + hours > MAX_SESSION_HOURS:
            continue
        present = _current(residencies, day)
        if not present:
            continue
        booked[mentor.pk, day] += hours
        specialty = rng.choice(mentor.specialties)
        session = MentoringSession(
            date=day, mentor=mentor, topic=rng.choice(TOPICS[specialty]), hours=hours
        )
        sessions.append(session)
        for residency in rng.sample(present, min(len(present), rng.choice((1, 1, 1, 2, 3)))):
            links.append((session, residency))
    sessions.sort(key=lambda s: s.date)
    return sessions, links


def _trainings(rng, residencies, trainers):
    trainings, attendance = [], []
    for index in range(TRAININGS):
        month = 1 + (index * 12) // TRAININGS
        day = random_date(rng, datetime.date(YEAR, month, 5), datetime.date(YEAR, month, 25))
        training = Training(
            date=day,
            title=TRAINING_TITLES[index % len(TRAINING_TITLES)],
            trainer=rng.choice(trainers),
            hours=Decimal(rng.choice(("2.0", "3.0", "3.0", "6.0"))),
        )
        trainings.append(training)
        present = _current(residencies, day)
        for residency in rng.sample(present, min(len(present), rng.randint(6, 15))):
            attendance.append((training, residency, rng.choice((1, 1, 1, 2))))
    return trainings, attendance


def _outputs(rng, residencies):
    in_shell = [
        r
        for r in residencies
        if r.mode == Mode.IN_SHELL and r.organization_id and r.is_current_on(YEAR_END)
    ]
    # The will-registry service is run by a legal or social-work organization if one is in.
    will = next((r for r in in_shell if any(w in r.display_name for w in WILL_RUNNERS)), None)
    will = will or in_shell[0]
    others = [r for r in in_shell if r is not will][:15]
    outputs = []
    quarters = [(1, 3, 31), (4, 6, 30), (7, 9, 30), (10, 12, 31)]
    for (first, last, day), visits, wills in zip(quarters, WILL_VISITS, WILLS, strict=True):
        outputs.append(
            ServiceOutput(
                residency=will,
                service=WILL_SERVICE,
                period_start=datetime.date(YEAR, first, 1),
                period_end=datetime.date(YEAR, last, day),
                people_served=visits,
                services_given=wills,
                households=wills,
                note="免费为老年人登记、见证、保管遗嘱。",
            )
        )
    for residency in others:
        start = max(residency.started_on, datetime.date(YEAR, 1, 1))
        served = rng.randint(200, 1500)
        outputs.append(
            ServiceOutput(
                residency=residency,
                service=rng.choice(OUTPUT_SERVICES),
                period_start=start,
                period_end=YEAR_END,
                people_served=served,
                services_given=rng.randint(served // 6, served // 2),
                households=rng.randint(served // 8, served // 3),
            )
        )
    return outputs


def load(ctx):
    present = {"spaces": Space.objects.count(), "residencies": Residency.objects.count()}
    if any(present.values()):
        ctx.say(
            "incubator: the demo data is already there ("
            + ", ".join(f"{n} {what}" for what, n in present.items())
            + "); nothing written. Use --reset to rebuild it."
        )
        return
    rng = ctx.rng
    spaces = Space.objects.bulk_create(
        Space(name=name, kind=kind, capacity=capacity, floor=floor)
        for name, kind, capacity, floor in SPACES
    )
    residencies = Residency.objects.bulk_create(_residencies(rng, Spaces(spaces)))
    mentors = Mentor.objects.bulk_create(_mentors(rng))
    sessions, links = _sessions(rng, mentors, residencies)
    MentoringSession.objects.bulk_create(sessions)
    SessionResidency.objects.bulk_create(
        SessionResidency(session=session, residency=residency) for session, residency in links
    )
    trainers = [m.name for m in mentors if m.kind == MentorKind.PERSON] + ["区民政局社会组织管理科"]
    trainings, attendance = _trainings(rng, residencies, trainers)
    Training.objects.bulk_create(trainings)
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(training=training, residency=residency, attendees=n)
        for training, residency, n in attendance
    )
    outputs = ServiceOutput.objects.bulk_create(_outputs(rng, residencies))
    now = _current(residencies, YEAR_END)
    ctx.success(
        f"incubator: {len(spaces)} spaces; {len(residencies)} residencies "
        f"({sum(r.mode == Mode.IN_SHELL for r in now)} in-shell and "
        f"{sum(r.mode == Mode.OUT_OF_SHELL for r in now)} out-of-shell at the end of {YEAR}, "
        f"{sum(r.intake_year == YEAR for r in residencies)} taken in during {YEAR}); "
        f"{len(mentors)} mentors, {len(sessions)} mentoring sessions, {len(trainings)} "
        f"trainings, {len(outputs)} service outputs."
    )
