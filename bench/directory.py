"""Search and lists at national scale: 1,000,000 registered organizations and 3,000,000
filed community groups, against a baseline run in the same process.

    SECRET_KEY=x .venv/bin/python bench/directory.py [--orgs N] [--groups N] [--keep]
                                                      [--rounds 20] [--database NAME]

Uses its own database (``hepingorgs_bench`` in the checkout's private cluster, created
and migrated here), so the development data is untouched. Rows are generated from word
lists and written with COPY (history triggers off during the load, the search indexes
built afterwards); ``--keep`` reuses rows already loaded at the requested sizes.

Measured: p50 and p95 milliseconds of each directory query (search, filters, pages, the
API's list) at the query level, through the registry's querysets and
``registry.search`` with the count the page shows (``estimated_count``); and of the
clerks' workspace and the staff admin through HTTP (Django's test client, real login).
Baseline: the bare SELECT of the same rows by primary key, timed in the same run; the
ratio is the case's p95 over the baseline's p95.
"""

import argparse
import datetime
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hepingorgs.settings")
# Every request measured is built afresh: no public answer cache, no rate limit.
os.environ["PUBLIC_CACHE_SECONDS"] = "0"
for rate in ("PUBLIC_PAGE_RATE", "PUBLIC_API_RATE"):
    os.environ[rate] = "1000000/minute"

PASSWORD = "bench-password-2026"
PAGE = 20  # rows per page of the public directory
DEEP_OFFSET = 10000

PROVINCES = [
    ("天津市", "12"), ("北京市", "11"), ("河北省", "13"), ("山西省", "14"), ("辽宁省", "21"),
    ("吉林省", "22"), ("江苏省", "32"), ("浙江省", "33"), ("安徽省", "34"), ("福建省", "35"),
    ("江西省", "36"), ("山东省", "37"), ("河南省", "41"), ("湖北省", "42"), ("湖南省", "43"),
    ("广东省", "44"), ("四川省", "51"), ("贵州省", "52"), ("云南省", "53"), ("陕西省", "61"),
]  # fmt: skip
DISTRICTS = (
    "和平区 河西区 南开区 河东区 河北区 红桥区 滨海新区 朝阳区 海淀区 西城区 鼓楼区 "
    "玄武区 秦淮区 西湖区 上城区 江北区 天河区 越秀区 武侯区 锦江区 雁塔区 碑林区 "
    "历下区 市中区 新华区 桥西区 长安区 中原区 金水区 岳麓区 芙蓉区 五华区 南明区"
).split()
BRANDS = (
    "阳光 爱心 和谐 春晖 启明 同心 益民 惠民 金桥 彩虹 春雨 晨曦 明德 善德 仁爱 博爱 "
    "康乐 福寿 安康 长青 夕阳红 新星 童心 绿洲 蓝天 晴空 远航 正心 致远 鸿志 聚力 "
    "众诚 信达 恒信 立德 厚德 崇德 尚善 乐善 向善 至善 心连心 手拉手 邻里 社区 "
    "海河 津门 五大道 劝业场 小白楼 南京路 滨江道 和平 红星 曙光 朝阳 东方 华夏 中华"
).split()
DOMAINS = (
    "养老服务 社区发展 青少年科技 书法 摄影 志愿者 慈善 教育 文化艺术 体育健身 "
    "心理咨询 家政服务 环境保护 法律援助 残疾人康复 律师 会计 软件行业 餐饮业 物业管理 "
    "老年大学 儿童福利 助残 扶贫 医疗救助 健康促进 书画 戏曲 京剧 评剧 相声 太极拳 "
    "舞蹈 合唱 棋类 围棋 象棋 足球 篮球 乒乓球 羽毛球 游泳 登山 户外运动 读书 "
    "科普 创业 就业 妇女儿童 婚姻家庭 调解 社会工作 公益 民俗 非遗 旅游 收藏 "
    "钢琴 美术 外语 中医药 营养 养生 护理 康复 安全 消防 交通 消费者权益 "
    "企业家 商会 个体劳动者 私营企业 建筑业 电子商务 文化创意 动漫 广告 会展"
).split()
SUFFIXES = ["协会", "促进会", "研究会", "联合会", "中心", "服务中心", "基金会", "商会", "学会"]
SUFFIX_WEIGHTS = [40, 10, 8, 6, 12, 14, 3, 4, 3]
GROUP_ACTIVITIES = (
    "合唱 舞蹈 太极拳 书法 绘画 摄影 京剧 评剧 快板 相声 模特 腰鼓 秧歌 健步走 "
    "门球 乒乓球 象棋 围棋 读书 编织 剪纸 插花 园艺 志愿服务 助老 助残 关爱儿童 "
    "邻里互助 调解 巡逻 环保 垃圾分类 健康讲座 养生 手工 烹饪 诗词 朗诵 民乐"
).split()
GROUP_SUFFIXES = ["队", "团", "会", "协会", "小组", "服务队", "社", "俱乐部"]
GROUP_MEMBERS = ["", "老年", "青年", "妇女", "少儿", "职工"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈"
GIVEN = (
    "秀兰 桂芝 建国 志强 丽华 淑珍 玉兰 凤英 明 伟 芳 娜 敏 静 强 磊 军 洋 勇 艳 杰 涛 超 霞 平 刚"
).split()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=3_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse rows already loaded")
    parser.add_argument("--database", default="hepingorgs_bench")
    parser.add_argument(
        "--only", default="", help="run only cases whose label contains one of these (a,b)"
    )
    return parser.parse_args()


def use_bench_database(name, fresh):
    """Point Django at ``name`` in the same server, creating the database if needed
    (afresh with ``fresh``, so an interrupted load never leaves a half-built schema)."""
    import psycopg

    if not os.environ.get("DATABASE_URL"):
        from hepingorgs.devdb import database_url, start

        start(BASE_DIR)
        os.environ["DATABASE_URL"] = database_url(BASE_DIR)
    import dj_database_url

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    params = {
        "dbname": "postgres",
        "user": config["USER"],
        "host": config["HOST"] or config.get("OPTIONS", {}).get("host"),
        "port": config["PORT"] or None,
        "password": config["PASSWORD"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = os.environ["DATABASE_URL"]
    path_start = url.index("@") + 1
    slash = url.index("/", path_start)
    end = min(i for i in (url.find("?", slash), len(url)) if i >= 0)
    os.environ["DATABASE_URL"] = url[: slash + 1] + name + url[end:]


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


class PinyinCache:
    """pypinyin per distinct word, not per name: 4 million names share a few hundred."""

    def __init__(self):
        from registry.pinyin import pinyin_keys

        self._keys = pinyin_keys
        self._cache = {}

    def __call__(self, *parts):
        full, initials = [], []
        for part in parts:
            if part not in self._cache:
                self._cache[part] = self._keys(part)
            f, i = self._cache[part]
            full.append(f)
            initials.append(i)
        return "".join(full), "".join(initials)


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def organization_rows(count, streets, rng, pinyin):
    from registry import creditcode

    authority = "民政局"
    start = datetime.date(1990, 1, 1)
    categories = ["industry", "science", "charity", "community", "other"]
    category_weights = [10, 5, 15, 25, 45]
    grades = ["5A", "4A", "3A", "2A", "1A"]
    party_forms = ["single", "joint", "instructor"]
    for i in range(count):
        province, prefix = PROVINCES[i % len(PROVINCES)] if i % 3 else PROVINCES[0]
        district = rng.choice(DISTRICTS)
        brand, domain = rng.choice(BRANDS), rng.choice(DOMAINS)
        suffix = rng.choices(SUFFIXES, SUFFIX_WEIGHTS)[0]
        place = (province, district) if i % 4 else (district,)
        name = "".join((*place, brand, domain, suffix))
        full, initials = pinyin(*place, brand, domain, suffix)
        org_type = "3" if suffix == "基金会" else ("2" if "中心" in suffix else "1")
        area = prefix + f"{(i * 7) % 10000:04d}"
        body = f"{i:08d}"
        code = creditcode.make(org_type, area, body)
        registered = start + datetime.timedelta(days=rng.randrange(12000))
        roll = rng.random()
        status, changed, reason = "active", None, ""
        if roll < 0.03:
            status, changed, reason = "revoked", registered + datetime.timedelta(2000), "撤销"
        elif roll < 0.10:
            status, changed, reason = "deregistered", registered + datetime.timedelta(1500), "注销"
        grade, awarded, expires = "", None, None
        if rng.random() < 0.12:
            grade = rng.choice(grades)
            awarded = registered + datetime.timedelta(days=400)
            expires = awarded + datetime.timedelta(days=1826)
        party = rng.choice(party_forms) if rng.random() < 0.3 else "none"
        street = streets[i % len(streets)] if i % 10 else None
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        yield (
            name,
            full,
            initials,
            code,
            org_type,
            rng.choices(categories, category_weights)[0],
            f"{rng.randrange(14):02d}",
            authority,
            "",
            surname + given,
            f"{rng.randrange(3, 500) * 10000}.00",
            f"{province}{district}某路{rng.randrange(1, 300)}号",
            street,
            f"1{rng.randrange(3000000000, 9999999999)}",
            "",
            registered,
            status,
            changed,
            reason,
            grade,
            awarded,
            expires,
            party,
            3 if party != "none" else 0,
        )


ORG_COLUMNS = (
    "name name_pinyin name_initials credit_code org_type priority_category field "
    "registration_authority supervisory_unit legal_representative registered_funds domicile "
    "street_id contact_phone business_scope registered_on status status_changed_on "
    "status_reason grade grade_awarded_on grade_expires_on party_form party_members"
).split()

GROUP_COLUMNS = (
    "name name_pinyin name_initials street_id community_id category_id service_targets "
    "leader_name leader_phone member_count venue guiding_unit status filing_number filed_on "
    "return_reason cancelled_on cancel_reason version created_at updated_at"
).split()


def group_rows(count, streets, communities, categories, rng, pinyin):
    """Names unique within a street (the database requires it of active groups): the
    k-th group of a street takes the k-th combination of community, brand, activity and
    form, scattered by a multiplier prime to the number of combinations."""
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    serials = {}
    abbreviations = dict(streets)
    street_ids = list(abbreviations)
    per_street = {s: [c for c in communities if c[1] == s] for s in street_ids}
    for i in range(count):
        street = street_ids[i % len(street_ids)]
        k = i // len(street_ids)
        street_communities = per_street[street]
        combos = len(street_communities) * len(BRANDS) * len(GROUP_ACTIVITIES)
        combos *= len(GROUP_SUFFIXES) * len(GROUP_MEMBERS)
        assert k < combos and math.gcd(7919, combos) == 1, "more groups than names"
        k = (k * 7919) % combos
        k, c = divmod(k, len(street_communities))
        k, b = divmod(k, len(BRANDS))
        k, a = divmod(k, len(GROUP_ACTIVITIES))
        m, s = divmod(k, len(GROUP_SUFFIXES))
        community_id, _street, community_name = street_communities[c]
        parts = (community_name, BRANDS[b], GROUP_MEMBERS[m], GROUP_ACTIVITIES[a])
        parts += (GROUP_SUFFIXES[s],)
        name = "".join(parts)
        full, initials = pinyin(*parts)
        roll = rng.random()
        status = (
            "filed"
            if roll < 0.85
            else "cancelled"
            if roll < 0.90
            else "draft"
            if roll < 0.95
            else "submitted"
            if roll < 0.98
            else "returned"
        )
        number = filed_on = cancelled_on = None
        cancel_reason = return_reason = ""
        if status in ("filed", "cancelled"):
            year = 2000 + rng.randrange(27)
            serial = serials[street, year] = serials.get((street, year), 0) + 1
            number = f"{abbreviations[street]}-{year}-{serial:04d}"
            filed_on = datetime.date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
            if status == "cancelled":
                cancelled_on, cancel_reason = filed_on + datetime.timedelta(400), "解散"
        if status == "returned":
            return_reason = "材料不全"
        yield (
            name,
            full,
            initials,
            street,
            community_id,
            rng.choice(categories),
            '["residents"]',
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            f"1{rng.randrange(3000000000, 9999999999)}",
            rng.randrange(5, 80),
            "",
            "",
            status,
            number,
            filed_on,
            return_reason,
            cancelled_on,
            cancel_reason,
            1,
            now,
            now,
        )


CREDIT_COLUMNS = (
    "organization_id",
    "kind",
    "reason",
    "decided_on",
    "authority",
    "removed_on",
    "removal_reason",
)


def credit_rows(orgs):
    """Credit listings of 2% of the organizations, drawn at random (half of the listings
    since removed). Random, not every 50th organization as before 2026-11-29: every
    50th is also every 4th, and the generator gives every 4th organization a name
    without its province, so the listed ones were bunched in the pinyin order and the
    list of them walked 34,000 names for a page of 20 (docs/benchmarks.md)."""
    listed = sorted(random.Random(50).sample(range(1, orgs + 1), orgs // 50))
    for n, pk in enumerate(listed):
        removed = n % 2 == 1
        yield (
            pk,
            "abnormal",
            "未按规定参加年检",
            datetime.date(2020, 1, 1),
            "民政局",
            datetime.date(2021, 1, 1) if removed else None,
            "已整改" if removed else "",
        )


def refresh_credit_rows(args):
    """A database loaded before ``credit_rows`` drew its listings at random gets them
    anew (with ``--keep``): the table is emptied and loaded again, nothing else."""
    from django.db import connection

    from registry.models import CreditRecord

    expected = sorted(row[0] for row in credit_rows(args.orgs))
    found = list(
        CreditRecord.objects.order_by("organization_id").values_list("organization_id", flat=True)
    )
    if found == expected:
        return
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("TRUNCATE registry_creditrecord")
        copy_rows(cursor, "registry_creditrecord", CREDIT_COLUMNS, credit_rows(args.orgs))
        cursor.execute("ANALYZE registry_creditrecord")
    print(f"  credit listings drawn afresh: {len(expected):,}")


LOADED_TABLES = ("registry_organization", "registry_communitygroup", "registry_creditrecord")


def load(args):
    import psycopg
    from django.db import connection

    from registry.models import Community, FilingCategory, Street, mark_ever_listed_sql

    rng = random.Random(2026)
    pinyin = PinyinCache()
    started = time.perf_counter()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SET maintenance_work_mem = '512MB'")
        # Indexes are built once after the load; constraints' own indexes stay.
        cursor.execute(
            """SELECT indexname, indexdef FROM pg_indexes i
               WHERE tablename = ANY(%s) AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [list(LOADED_TABLES)],
        )
        indexes = cursor.fetchall()
        for index_name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{index_name}"')
        # History triggers off for the load, and the foreign-key checks, which would
        # otherwise run row by row after each COPY (the generator only uses ids it
        # read from the tables).
        try:
            cursor.execute("SET session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:  # not a superuser: history only
            for table in LOADED_TABLES:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')

        streets = list(Street.objects.order_by("pk").values_list("pk", "abbreviation"))
        street_ids = [pk for pk, _abbr in streets]
        if Community.objects.count() < 10 * len(streets):
            roads = "南京路 滨江道 成都道 重庆道 大理道 睦南道 马场道 昆明路 西康路 长沙路".split()
            for pk, _abbr in streets:
                for road in roads:
                    Community.objects.get_or_create(street_id=pk, name=f"{road}{pk}号社区")
        communities = list(Community.objects.values_list("pk", "street_id", "name"))
        categories = list(FilingCategory.objects.values_list("pk", flat=True))

        copy_rows(
            cursor,
            "registry_organization",
            ORG_COLUMNS,
            organization_rows(args.orgs, street_ids, rng, pinyin),
        )
        print(f"  {args.orgs:,} organizations copied at {time.perf_counter() - started:.0f} s")
        copy_rows(cursor, "registry_creditrecord", CREDIT_COLUMNS, credit_rows(args.orgs))
        # What the listings' triggers (off for the load) would have marked.
        cursor.execute(mark_ever_listed_sql("registry_creditrecord"))
        copy_rows(
            cursor,
            "registry_communitygroup",
            GROUP_COLUMNS,
            group_rows(args.groups, streets, communities, categories, rng, pinyin),
        )
        print(f"  {args.groups:,} groups copied at {time.perf_counter() - started:.0f} s")
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in LOADED_TABLES:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        for index_name, definition in indexes:
            cursor.execute(definition)
            print(f"  index {index_name} at {time.perf_counter() - started:.0f} s")
    connection.cursor().execute("VACUUM ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.0f} s")


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------


def timed(function, rounds):
    function()  # warm caches
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, result


def directory_cases():
    """(label, model, queryset with the page's count): what the public pages and the
    API run, through the registry's querysets and search functions."""
    from django.db.models import Exists, OuterRef

    from registry.models import CommunityGroup, CreditRecord, Organization, Street
    from registry.search import search_groups, search_organizations

    orgs = Organization.objects.select_related("street").only(
        "name",
        "credit_code",
        "org_type",
        "priority_category",
        "field",
        "status",
        "grade",
        "registered_on",
        "street__name",
    )
    ranked = ("search_rank", "name_pinyin", "id")
    by_name = ("name_pinyin", "id")
    middle = Organization.objects.order_by("-pk").values_list("pk", flat=True)[0] // 2
    code = Organization.objects.filter(pk__gte=middle).order_by("pk")[0].credit_code
    street = Street.objects.get(abbreviation="QYC")
    in_force = Exists(CreditRecord.objects.filter(organization=OuterRef("pk"), removed_on=None))
    has_party = ["single", "joint", "instructor"]

    def search(q):
        return search_organizations(orgs, q).order_by(*ranked)

    cases = [
        ("org: search 1 char 养 (ranked)", search("养")),
        ("org: search 1 char 会 (in most names)", search("会")),
        ("org: search 2 chars 养老", search("养老")),
        ("org: search 2 chars 和平", search("和平")),
        ("org: search 4 chars 养老服务", search("养老服务")),
        ("org: search pinyin hepingqu", search("hepingqu")),
        ("org: search pinyin he ping qu", search("he ping qu")),
        ("org: search pinyin yanglaofuwu", search("yanglaofuwu")),
        ("org: search initials hpq", search("hpq")),
        ("org: search initials tjshpq", search("tjshpq")),
        ("org: search full-width ｈｐｑ", search("ｈｐｑ")),
        ("org: search credit code, full", search(code)),
        ("org: search credit code, last 6", search(code[-6:])),
        ("org: filter type", orgs.filter(org_type="3").order_by(*by_name)),
        (
            "org: filter priority category",
            orgs.filter(priority_category="science").order_by(*by_name),
        ),
        ("org: filter field", orgs.filter(field="12").order_by(*by_name)),
        ("org: filter street", orgs.filter(street=street).order_by(*by_name)),
        ("org: filter status", orgs.filter(status="revoked").order_by(*by_name)),
        ("org: filter grade", orgs.filter(grade="5A").order_by(*by_name)),
        ("org: filter credit list now", orgs.filter(in_force).order_by(*by_name)),
        ("org: filter not on a credit list", orgs.filter(~in_force).order_by(*by_name)),
        (
            "org: filter Party organization",
            orgs.filter(party_form__in=has_party).order_by(*by_name),
        ),
        (
            "org: filters combined (5)",
            orgs.filter(
                org_type="1", field="04", street=street, status="active", grade="4A"
            ).order_by(*by_name),
        ),
        (
            "org: filters combined (8)",
            orgs.filter(
                in_force,
                org_type="1",
                priority_category="community",
                field="04",
                street=street,
                status="active",
                party_form__in=has_party,
            )
            .exclude(grade="")
            .order_by(*by_name),
        ),
        (
            "org: search 养老 + street + status",
            search("养老").filter(street=street, status="active"),
        ),
        ("org: page 1 by pinyin", orgs.order_by(*by_name)),
        ("org: page 1 by registration date", orgs.order_by("-registered_on", "-id")),
        ("org: deep page by pinyin", ("deep", orgs.order_by(*by_name))),
        (
            "org: deep page, filtered by type",
            ("deep", orgs.filter(org_type="1").order_by(*by_name)),
        ),
    ]
    groups = CommunityGroup.objects.filter(status="filed").select_related(
        "street", "community", "category"
    ).only(
        "name", "filing_number", "filed_on", "status", "street__name", "community__name",
        "category__name",
    )  # fmt: skip
    number = CommunityGroup.objects.filter(status="filed").values_list("filing_number", flat=True)[
        :1
    ][0]
    group_order = ("search_rank", *CommunityGroup._meta.ordering)

    def search_filed(q):
        return search_groups(groups, q).order_by(*group_order)

    cases += [
        ("group: page 1", groups),
        ("group: search 1 char 舞", search_filed("舞")),
        ("group: search 2 chars 合唱", search_filed("合唱")),
        ("group: search pinyin taijiquan", search_filed("taijiquan")),
        ("group: search filing number", search_filed(number)),
        ("group: filter street + category", groups.filter(street=street, category__code="charity")),
    ]
    return cases


def run_directory_case(queryset):
    """A page as the public list shows it: the count and the rows, through
    registry.search.EstimatedCountPaginator."""
    from registry.search import EstimatedCountPaginator

    number = 1
    if isinstance(queryset, tuple):
        queryset, number = queryset[1], DEEP_OFFSET // PAGE + 1
    paginator = EstimatedCountPaginator(queryset, PAGE)
    rows = list(paginator.page(number)) if paginator.count else []
    return [row.pk for row in rows], paginator.count


def api_list():
    """What the public API's list does: a count and a page of explicitly listed fields."""
    from registry.models import Organization
    from registry.search import estimated_count

    queryset = Organization.objects.order_by("name_pinyin", "id").values(
        "credit_code", "name", "org_type", "priority_category", "field", "street__name",
        "status", "registered_on", "grade",
    )  # fmt: skip
    count, _exact = estimated_count(queryset)
    return list(queryset[:PAGE]), count


def baseline(model, pks):
    return lambda: list(model.objects.filter(pk__in=pks))


def http_cases(clerk, staff):
    from django.test import Client

    from registry.models import Organization, Street

    clerk_client, staff_client = Client(), Client()
    street = Street.objects.get(abbreviation="QYC").code
    assert clerk_client.login(username=clerk.username, password=PASSWORD)
    assert staff_client.login(username=staff.username, password=PASSWORD)
    organizations = "/admin/registry/organization/"
    groups = "/admin/registry/communitygroup/"
    public = Client()
    code = Organization.objects.order_by("pk").values_list("credit_code", flat=True)[
        Organization.objects.count() // 2
    ]
    return [
        ("public: home page", public, "/"),
        ("public: directory page 1", public, "/directory/"),
        ("public: directory search 1 char 养", public, "/directory/?q=养"),
        ("public: directory search 2 chars 养老", public, "/directory/?q=养老"),
        ("public: directory search 2 chars 和平", public, "/directory/?q=和平"),
        ("public: directory search 4 chars 养老服务", public, "/directory/?q=养老服务"),
        ("public: directory search pinyin hepingqu", public, "/directory/?q=hepingqu"),
        ("public: directory search initials hpq", public, "/directory/?q=hpq"),
        ("public: directory search initials tjshpq", public, "/directory/?q=tjshpq"),
        ("public: directory search credit code", public, f"/directory/?q={code}"),
        ("public: directory search code, last 6", public, f"/directory/?q={code[-6:]}"),
        ("public: directory filter type", public, "/directory/?org_type=3"),
        ("public: directory filter street", public, f"/directory/?street={street}"),
        ("public: directory filter grade", public, "/directory/?evaluation_grade=5A"),
        ("public: directory filter credit list now", public, "/directory/?credit_listed=true"),
        ("public: directory filter Party organization", public,
         "/directory/?has_party_organization=true"),
        ("public: directory filters combined", public,
         f"/directory/?org_type=1&field=04&street={street}&status=active&evaluation_grade=4A"),
        # Filters with a search or with each other (added in the eleventh round).
        ("public: directory search 养老 + street + status", public,
         f"/directory/?q=养老&street={street}&status=active"),
        ("public: directory filter credit list now + street", public,
         f"/directory/?credit_listed=true&street={street}"),
        ("public: directory filter street + Party organization", public,
         f"/directory/?street={street}&has_party_organization=true"),
        ("public: directory every filter at once", public,
         f"/directory/?org_type=1&category=community&field=04&street={street}&status=active"
         "&evaluation_grade=4A&has_party_organization=true&credit_listed=false"
         "&venture_funded=false"),
        # Common values together (added in the thirteenth round): 288 and about 3,100
        # organizations, no filter among them rare.
        ("public: directory street + field + category + Party organization", public,
         f"/directory/?street={street}&field=04&category=charity&has_party_organization=true"),
        ("public: directory street + category + Party organization", public,
         f"/directory/?street={street}&category=charity&has_party_organization=true"),
        ("public: directory by registration date", public, "/directory/?sort=-registered"),
        ("public: directory filter venture funded", public, "/directory/?venture_funded=true"),
        ("public: directory deep page 500", public, "/directory/?page=500"),
        ("public: directory type 1, deep page 500", public, "/directory/?org_type=1&page=500"),
        ("public: directory profile", public, f"/directory/{code}/"),
        ("public: groups page 1", public, "/community-groups/"),
        ("public: groups search 2 chars 合唱", public, "/community-groups/?q=合唱"),
        ("public: groups search 1 char 舞", public, "/community-groups/?q=舞"),
        ("public: groups search pinyin taijiquan", public, "/community-groups/?q=taijiquan"),
        ("public: groups deep page 500", public, "/community-groups/?page=500"),
        ("public: api organizations", public, "/api/v1/organizations/"),
        ("public: api organizations search 养老", public, "/api/v1/organizations/?q=养老"),
        ("public: api organizations updated_since", public,
         "/api/v1/organizations/?updated_since=2026-01-01T00:00:00Z"),
        ("public: api community-groups search 合唱", public, "/api/v1/community-groups/?q=合唱"),
        ("public: stats", public, "/stats/"),
        ("http: clerk workspace list", clerk_client, "/filings/"),
        ("http: clerk workspace search 合唱", clerk_client, "/filings/?q=合唱"),
        ("http: clerk workspace search 王芳 (leader)", clerk_client, "/filings/?q=王芳"),
        ("http: clerk workspace page 50", clerk_client, "/filings/?page=50"),
        ("http: staff workspace list", staff_client, "/filings/"),
        ("http: staff workspace search 合唱", staff_client, "/filings/?q=合唱"),
        ("http: staff workspace search hct", staff_client, "/filings/?q=hct"),
        # Every request as the first of its search: nothing remembered of its walk.
        ("http: staff workspace search hct (first time)", staff_client, "/filings/?q=hct"),
        ("http: staff workspace search 王芳 (leader)", staff_client, "/filings/?q=王芳"),
        ("http: admin organization list", staff_client, "/admin/registry/organization/"),
        ("http: admin organization search 养老", staff_client, f"{organizations}?q=养老"),
        ("http: admin organization search hpq", staff_client, f"{organizations}?q=hpq"),
        ("http: admin group list", staff_client, groups),
        ("http: admin group search 合唱", staff_client, f"{groups}?q=合唱"),
    ]  # fmt: skip


def report(row):
    label, p50, p95, base, rows, count, queries = row
    print(
        f"| {label} | {p50:.1f} | {p95:.1f} | {base:.1f} | {p95 / base:.1f} | {rows} | "
        f"{'' if count is None else f'{count:,}'} | {'' if queries is None else queries} |",
        flush=True,
    )


def bench_users():
    from django.contrib.auth.models import Group, User

    from hepingorgs import access
    from registry.models import ClerkProfile, Street

    clerk, _ = User.objects.get_or_create(username="bench_clerk")
    clerk.set_password(PASSWORD)
    clerk.save()
    clerk.groups.set([Group.objects.get(name=access.ROLE_NAMES[access.STREET_CLERK])])
    ClerkProfile.objects.update_or_create(
        user=clerk, defaults={"street": Street.objects.get(abbreviation="QYC")}
    )
    staff, _ = User.objects.get_or_create(username="bench_staff", defaults={"is_staff": True})
    staff.is_staff = True
    staff.set_password(PASSWORD)
    staff.save()
    staff.groups.set([Group.objects.get(name=access.ROLE_NAMES[access.DISTRICT_STAFF])])
    return clerk, staff


def main():
    args = parse_args()
    patterns = args.only.split(",")

    def wanted(label):
        return any(pattern in label for pattern in patterns)

    use_bench_database(args.database, fresh=not args.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    from registry import search
    from registry.models import CommunityGroup, Organization

    call_command("migrate", verbosity=0)
    # Pages are served as in production (DEBUG off, whitenoise's manifest), which needs
    # the static files collected: ``make serve`` does it, a fresh clone has not.
    call_command("collectstatic", interactive=False, verbosity=0)
    loaded = (
        Organization.objects.count() == args.orgs and CommunityGroup.objects.count() == args.groups
    )
    if not loaded:
        if args.keep:
            sys.exit("--keep: the bench database does not hold these sizes; run without it.")
        print(f"loading {args.orgs:,} organizations and {args.groups:,} groups ...")
        load(args)
    else:
        refresh_credit_rows(args)
    clerk, staff = bench_users()
    print(
        f"data: {Organization.objects.count():,} organizations, "
        f"{CommunityGroup.objects.count():,} community groups; rounds: {args.rounds}"
    )
    print("| case | p50 ms | p95 ms | baseline p95 ms | ratio | rows | count shown | queries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    models = {"org": Organization, "group": CommunityGroup}
    for label, queryset in directory_cases():
        if not wanted(label):
            continue
        p50, p95, (pks, count) = timed(lambda q=queryset: run_directory_case(q), args.rounds)
        model = models[label.split(":")[0]]
        b50, b95, _ = timed(baseline(model, pks), args.rounds)
        report((label, p50, p95, b95, len(pks), count, None))
    if wanted("api: organizations list"):
        p50, p95, (rows, count) = timed(api_list, args.rounds)
        pks = list(
            Organization.objects.order_by("name_pinyin", "id").values_list("pk", flat=True)[:PAGE]
        )
        b50, b95, _ = timed(baseline(Organization, pks), args.rounds)
        report(("api: organizations list", p50, p95, b95, len(rows), count, None))
    login_ms = None
    for label, client, url in http_cases(clerk, staff):
        if not wanted(label):
            continue
        if login_ms is None:
            login = "/accounts/login/"
            login_ms = timed(
                lambda c=client, u=login: c.get(u, secure=True, HTTP_HOST="localhost"), args.rounds
            )[1]

        first_time = label.endswith("(first time)")

        def get(client=client, url=url, first=first_time):
            if first:
                # Searches whose walk gave way are collected first next time.
                search._collected_first.clear()
            response = client.get(url, secure=True, HTTP_HOST="localhost")
            assert response.status_code == 200, (url, response.status_code)
            return response

        p50, p95, response = timed(get, args.rounds)
        # Timed as served: Django's test instrumentation (which records each template's
        # context for response.context) doubles the rendering time, so it is switched
        # on only for one more request that counts the queries and the rows shown.
        setup_test_environment()
        try:
            with CaptureQueriesContext(connection) as queries:
                response = get()
        finally:
            teardown_test_environment()
        context = response.context
        if context is None:  # JSON
            shown = len(response.json().get("results", []))
        elif "page" in context:
            shown = len(context["page"] or [])
        elif "cl" in context:
            shown = len(context["cl"].result_list)
        else:
            shown = ""
        report((label, p50, p95, login_ms, shown, None, len(queries)))


if __name__ == "__main__":
    main()
