"""The registry's part of the demo district (see ``hepingorgs.demo``).

A plausible, clearly fictitious Heping District at the end of 2016, matching the figures
of the bureau's 2017 report: 64 communities; 77 social groups and 197 private
non-enterprise units, all active, each with a 2016 annual report (6,783 staff with a
bachelor's degree or above, revenue of exactly 600 million yuan, taxes of 6-7 million);
Party organizations wherever 3 or more members (coverage 100%); 3,232 filed community
groups, about 1,000 of them culture and sports teams, a share of those paired with a
registered organization in the capacity-upgrade plan; and the demo logins.

Every name is composed from parts (place, topic, organization form), so they read like
real ones; none is real on purpose, and none carries a number. People, phone numbers and
addresses are invented by a seeded random generator. Bulk rows are written with
``bulk_create`` (the pghistory triggers still record them), so everything ``save()``
would do is done here: pinyin keys, the grade's expiry, normalized credit codes.
"""

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from hepingorgs import access
from registry import creditcode
from registry.demo_applications import load_applications
from registry.filings import format_filing_number
from registry.models import (
    GRADE_VALID_YEARS,
    PARTY_BRANCH_MEMBERS,
    AnnualReport,
    ClerkProfile,
    Community,
    CommunityGroup,
    CreditKind,
    CreditRecord,
    Field,
    FilingCategory,
    FilingSequence,
    FilingStatus,
    Grade,
    InspectionResult,
    Organization,
    OrgStatus,
    OrgType,
    PartyForm,
    Population,
    PriorityCategory,
    ServiceTarget,
    Street,
    add_years,
)

# Rows of these models come from migrations: --reset keeps them.
REFERENCE_MODELS = ("Street", "FilingCategory", "DeadlineRule", "RequiredDocument")

AREA = "120101"  # Heping District; the whole demo is Heping's, whatever the deployment.
YEAR = 2016
SOCIAL_GROUPS = 77
PRIVATE_NON_ENTERPRISE = 197
FILED_GROUPS = 3232
BACHELOR_PLUS = 6783
REVENUE = Decimal("600000000.00")
TAX_RANGE = (Decimal("6200000.00"), Decimal("6800000.00"))  # "600多万元"
# Residents at the end of 2016 by street (statistical code). Their sum, 355,800, gives
# (274 + 3,232) / 35.58 = 98.5 organizations per 10,000 residents: the report's "近百".
POPULATION = {
    "120101001": 52_600,
    "120101002": 46_300,
    "120101003": 58_900,
    "120101004": 66_200,
    "120101005": 71_400,
    "120101006": 60_400,
}
UPGRADE_PLAN = (300, 360)  # culture and sports teams in the capacity-upgrade plan

DEMO_PASSWORD = "heping-demo-2017"
# Demo accounts are recognised by this address domain (.invalid is reserved: RFC 2606),
# so --reset never deletes an account somebody created by hand under the same name.
DEMO_EMAIL_DOMAIN = "demo.invalid"

CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------
# Places: street -> (username, short name, communities, roads). Community names follow
# the local habit of naming a residents' committee after a road or a lane (里).
# ---------------------------------------------------------------------------------------

STREETS = {
    "120101001": (
        "quanyechang",
        "劝业场",
        "福明 滨西 新疆路 花园路 兆丰路 锦州道 哈密道 赤峰道 多伦道 辽宁路",
        "滨江道 和平路 锦州道 哈密道 赤峰道 多伦道 辽宁路 山东路 长春道 兆丰路",
    ),
    "120101002": (
        "xiaobailou",
        "小白楼",
        "开封道 大沽路 泰安道 解放路 曲阜道 徐州道 浙江路 营口道 建设路 合肥道",
        "开封道 大沽北路 泰安道 解放北路 曲阜道 徐州道 浙江路 营口道 建设路 南京路",
    ),
    "120101003": (
        "wudadao",
        "五大道",
        "睦南 昆明路 云南路 马场道 重庆道 常德道 大理道 成都道 桂林路 贵州路 河北路 湖南路",
        "睦南道 马场道 重庆道 常德道 大理道 成都道 桂林路 云南路 河北路 昆明路 湖南路",
    ),
    "120101004": (
        "xinxing",
        "新兴",
        "朝阳里 贵阳路 湖北路 新华路 宜昌道 南海路 兴安路 汉阳道 山西路 宁夏路",
        "贵阳路 湖北路 新华南路 宜昌道 南海路 兴安路 汉阳道 山西路 宁夏路 西宁道",
    ),
    "120101005": (
        "nanyingmen",
        "南营门",
        "西康路 烟台道 岳阳道 长沙路 西安道 万全道 南昌路 陕西路 衡阳路 荣华里 南京路",
        "西康路 烟台道 岳阳道 长沙路 西安道 万全道 南昌路 陕西路 衡阳路 南京路",
    ),
    "120101006": (
        "nanshi",
        "南市",
        "荣业大街 福安大街 南门外大街 清和大街 东兴大街 建物大街 平安大街 永安大街 "
        "慎益大街 庆有西里 锦福里",
        "荣业大街 福安大街 南门外大街 清和大街 东兴大街 建物大街 平安大街 永安大街 慎益大街",
    ),
}


# ---------------------------------------------------------------------------------------
# Fictitious people
# ---------------------------------------------------------------------------------------

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆"
    "郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
WOMENS_NAMES = (
    "秀兰 桂英 淑珍 玉兰 凤英 秀英 淑兰 丽华 玉梅 桂兰 淑芳 秀珍 金凤 红梅 春燕 丽萍 "
    "素琴 惠敏 玉珍 淑华 凤兰 玉华 秀云 桂芝 慧君 美玲 海燕 晓梅 立平 静 敏 丽 艳 霞 "
    "婷 洁 琳 雪 娜"
).split()
MENS_NAMES = (
    "建华 建国 国强 振华 志刚 德明 宝华 立新 卫东 国庆 建军 文华 宝山 志强 永生 "
    "长福 振江 树林 洪涛 建平 学军 庆丰 连生 子明 铁军 云鹏 伟 军 强 勇 杰 涛 明 斌 "
    "鹏 磊 浩 宇 晨"
).split()


def person(rng, woman=None):
    if woman is None:
        woman = rng.random() < 0.5
    return rng.choice(SURNAMES) + rng.choice(WOMENS_NAMES if woman else MENS_NAMES)


MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 158 159 185 186 187 188 189"
).split()


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng):
    return f"022-2{rng.choice('3578')}{rng.randrange(10**6):06d}"


def random_date(rng, start, end):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def weighted(rng, pairs):
    """Choose from (value, weight) pairs."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


# ---------------------------------------------------------------------------------------
# Registered organizations
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Plausible ranges of one kind of organization's 2016 report."""

    staff: tuple
    bachelor_share: tuple
    revenue: tuple  # yuan, drawn log-uniformly
    tax_rate: tuple
    volunteers: tuple
    funds: tuple  # registered funds to choose from, yuan


SG_FUNDS = (30_000, 30_000, 50_000, 50_000, 100_000, 100_000, 200_000, 300_000, 500_000)
UNIT_FUNDS = (30_000, 50_000, 100_000, 100_000, 200_000, 300_000, 500_000, 800_000, 1_000_000)
BIG_FUNDS = (200_000, 300_000, 500_000, 500_000, 800_000, 1_000_000)
CHAMBER_FUNDS = (100_000, 200_000, 300_000, 300_000, 500_000)

PROFILES = {
    "chamber": Profile((4, 18), (0.6, 0.9), (400e3, 5e6), (0.005, 0.02), (0, 30), CHAMBER_FUNDS),
    "society": Profile((2, 12), (0.6, 0.95), (50e3, 8e5), (0, 0.005), (0, 80), SG_FUNDS),
    "benefit": Profile((3, 15), (0.4, 0.8), (1e5, 2e6), (0, 0), (50, 500), SG_FUNDS),
    "hub": Profile((4, 12), (0.6, 0.9), (3e5, 1.5e6), (0, 0.003), (30, 200), SG_FUNDS),
    "kindergarten": Profile((25, 90), (0.35, 0.7), (2e6, 9e6), (0.003, 0.012), (0, 10), BIG_FUNDS),
    "school": Profile((20, 140), (0.65, 0.95), (1.5e6, 14e6), (0.01, 0.03), (0, 10), UNIT_FUNDS),
    "elder": Profile((20, 150), (0.12, 0.35), (1.2e6, 10e6), (0, 0.003), (10, 120), BIG_FUNDS),
    "social_work": Profile((10, 60), (0.7, 0.95), (4e5, 3.5e6), (0, 0.004), (30, 300), UNIT_FUNDS),
    "welfare": Profile((6, 40), (0.5, 0.85), (1.5e5, 2e6), (0, 0.002), (40, 400), UNIT_FUNDS),
    "clinic": Profile((30, 180), (0.5, 0.85), (3e6, 22e6), (0.004, 0.015), (0, 10), BIG_FUNDS),
    "research": Profile((12, 90), (0.8, 0.98), (8e5, 9e6), (0.01, 0.03), (0, 15), UNIT_FUNDS),
    "arts": Profile((8, 50), (0.3, 0.7), (3e5, 3e6), (0.003, 0.015), (0, 40), UNIT_FUNDS),
    "sports": Profile((8, 50), (0.3, 0.65), (4e5, 4e6), (0.005, 0.02), (0, 30), UNIT_FUNDS),
    "legal": Profile((6, 30), (0.85, 1.0), (2e5, 1.6e6), (0.005, 0.02), (5, 60), UNIT_FUNDS),
}

IND = PriorityCategory.INDUSTRY_ASSOCIATION
SCI = PriorityCategory.SCIENCE_TECHNOLOGY
CHA = PriorityCategory.CHARITY
COM = PriorityCategory.COMMUNITY_SERVICE
OTH = PriorityCategory.OTHER

# Supervisory units (业务主管单位). Industry associations registered after the 2015
# decoupling reform have none (registered directly).
CIVIL = "区民政局"
EDU = "区教育局"
HEALTH = "区卫生健康委"
CULTURE = "区文化和旅游局"
ARTS = "区文学艺术界联合会"
SCIENCE = "区科学技术协会"
SPORT = "区体育局"
JUSTICE = "区司法局"
DISABLED = "区残疾人联合会"
LABOUR = "区人力资源和社会保障局"
COMMERCE = "区商务委员会"
ENVIRONMENT = "区生态环境局"

SHORT_STREETS = {code: short for code, (_u, short, _c, _r) in STREETS.items()}
# Places an organization's name may begin with, and the street they are in.
STREET_OF_PLACE = {
    **{short: code for code, short in SHORT_STREETS.items()},
    "滨江道": "120101001",
    "南京路": "120101002",
}

# Social groups: (topic, forms to choose one from, priority category, field, supervisory
# unit, kind, required). A topic gives one organization; required ones always appear.
# "{street}" topics give one organization per street.
SG_TOPICS = [
    # 行业协会商会, finance and office buildings first, as the report stresses
    ("金融楼宇", ["商会"], IND, Field.BUSINESS, "", "chamber", True),
    ("楼宇经济", ["促进会"], IND, Field.BUSINESS, "", "chamber", True),
    ("金融服务业", ["协会"], IND, Field.BUSINESS, "", "chamber", True),
    ("小白楼楼宇", ["商会"], IND, Field.BUSINESS, "", "chamber", True),
    ("南京路楼宇", ["商会", "联合会"], IND, Field.BUSINESS, "", "chamber", True),
    ("劝业场商圈", ["商会"], IND, Field.BUSINESS, "", "chamber", False),
    ("滨江道商业街", ["商会"], IND, Field.BUSINESS, "", "chamber", False),
    ("五大道文化旅游", ["促进会", "商会"], IND, Field.BUSINESS, "", "chamber", False),
    ("餐饮行业", ["协会"], IND, Field.BUSINESS, COMMERCE, "chamber", False),
    ("旅游", ["协会"], IND, Field.BUSINESS, CULTURE, "chamber", False),
    ("商业", ["联合会"], IND, Field.BUSINESS, COMMERCE, "chamber", False),
    ("物业管理", ["协会"], IND, Field.BUSINESS, "", "chamber", False),
    ("家庭服务业", ["协会"], IND, Field.BUSINESS, COMMERCE, "chamber", False),
    ("个体劳动者", ["协会"], IND, Field.PROFESSIONAL, "", "chamber", False),
    ("私营企业", ["协会"], IND, Field.BUSINESS, "", "chamber", False),
    ("文化创意产业", ["协会", "促进会"], IND, Field.BUSINESS, CULTURE, "chamber", False),
    ("电子商务", ["协会"], IND, Field.BUSINESS, COMMERCE, "chamber", False),
    ("美容美发行业", ["协会"], IND, Field.BUSINESS, "", "chamber", False),
    ("老字号企业", ["协会", "联合会"], IND, Field.BUSINESS, COMMERCE, "chamber", False),
    ("珠宝首饰行业", ["协会"], IND, Field.BUSINESS, "", "chamber", False),
    ("钟表眼镜行业", ["协会"], IND, Field.BUSINESS, "", "chamber", False),
    ("人力资源服务业", ["协会"], IND, Field.BUSINESS, LABOUR, "chamber", False),
    # 科技类
    ("计算机", ["学会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("青少年科技教育", ["研究会", "协会"], SCI, Field.SCIENCE, SCIENCE, "society", True),
    ("中医药", ["学会"], SCI, Field.HEALTH, HEALTH, "society", False),
    ("心理", ["学会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("老科技工作者", ["协会"], SCI, Field.SCIENCE, SCIENCE, "society", True),
    ("建筑", ["学会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("环境科学", ["学会"], SCI, Field.ENVIRONMENT, SCIENCE, "society", False),
    ("营养", ["学会"], SCI, Field.HEALTH, HEALTH, "society", False),
    ("天文爱好者", ["协会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("科普志愿者", ["协会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("城市规划", ["学会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("信息化", ["促进会"], SCI, Field.SCIENCE, SCIENCE, "society", False),
    ("知识产权", ["研究会"], SCI, Field.LAW, SCIENCE, "society", False),
    # 公益慈善类
    ("慈善", ["协会"], CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", True),
    ("志愿者", ["协会"], CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", True),
    ("助残志愿者", ["协会"], CHA, Field.SOCIAL_SERVICE, DISABLED, "benefit", False),
    ("扶老助老", ["协会", "促进会"], CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", False),
    ("义工", ["联合会"], CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", False),
    ("爱心助学", ["促进会"], CHA, Field.EDUCATION, EDU, "benefit", False),
    ("关心下一代", ["促进会"], CHA, Field.SOCIAL_SERVICE, EDU, "benefit", False),
    ("扶贫济困", ["促进会"], CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", False),
    ("见义勇为", ["协会"], CHA, Field.SOCIAL_SERVICE, JUSTICE, "benefit", False),
    ("红十字志愿服务", ["协会"], CHA, Field.HEALTH, HEALTH, "benefit", False),
    ("助老志愿服务", ["协会"], CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", False),
    # 城乡社区服务类: the street hubs of the report's "四社联动", one per street
    ("{street}街社区社会组织服务", ["促进会"], COM, Field.SOCIAL_SERVICE, CIVIL, "hub", True),
    ("社区服务业", ["协会"], COM, Field.SOCIAL_SERVICE, CIVIL, "hub", False),
    ("社会工作者", ["协会"], COM, Field.PROFESSIONAL, CIVIL, "hub", False),
    ("老年人", ["协会"], COM, Field.SOCIAL_SERVICE, CIVIL, "hub", False),
    ("邻里互助", ["促进会"], COM, Field.SOCIAL_SERVICE, CIVIL, "hub", False),
    ("社区教育", ["促进会"], COM, Field.EDUCATION, EDU, "hub", False),
    ("居家养老服务", ["协会"], COM, Field.SOCIAL_SERVICE, CIVIL, "hub", False),
    ("老龄事业发展", ["促进会"], COM, Field.SOCIAL_SERVICE, CIVIL, "hub", False),
    # 其他: arts, sports, education, law
    ("书法家", ["协会"], OTH, Field.CULTURE, ARTS, "society", True),
    ("美术家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("摄影家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("作家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("音乐家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("舞蹈家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("戏剧家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("曲艺家", ["协会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("京剧票友", ["协会", "联谊会"], OTH, Field.CULTURE, CULTURE, "society", False),
    ("集邮", ["协会"], OTH, Field.CULTURE, CULTURE, "society", False),
    ("收藏家", ["协会"], OTH, Field.CULTURE, CULTURE, "society", False),
    ("诗词", ["学会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("楹联", ["学会"], OTH, Field.CULTURE, ARTS, "society", False),
    ("近代历史文化", ["研究会"], OTH, Field.CULTURE, CULTURE, "society", False),
    ("五大道历史文化", ["研究会"], OTH, Field.CULTURE, CULTURE, "society", False),
    ("老年体育", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("围棋", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("象棋", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("桥牌", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("太极拳", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("武术", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("乒乓球", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("羽毛球", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("篮球", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("足球", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("游泳", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("钓鱼", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("门球", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("健身气功", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("体育舞蹈", ["协会"], OTH, Field.SPORTS, SPORT, "society", False),
    ("教育", ["学会"], OTH, Field.EDUCATION, EDU, "society", False),
    ("家庭教育", ["研究会"], OTH, Field.EDUCATION, EDU, "society", False),
    ("老教育工作者", ["协会"], OTH, Field.EDUCATION, EDU, "society", False),
    ("民办教育", ["协会"], OTH, Field.EDUCATION, EDU, "society", False),
    ("人民调解", ["协会"], OTH, Field.LAW, JUSTICE, "society", False),
]
SG_COUNTS = {IND: 18, SCI: 10, CHA: 9, COM: 10, OTH: 30}

SG_SCOPES = {
    "chamber": "行业自律、信息交流、业务培训、咨询服务，反映会员诉求，维护会员合法权益。",
    "society": "学术交流、展演竞赛、培训辅导、普及推广，为会员和群众提供服务。",
    "benefit": "扶老助残、济困助学、志愿服务，组织开展公益慈善活动。",
    "hub": "社区社会组织培育孵化、能力建设、资源链接、项目督导与交流合作。",
}

BRANDS = {
    "elder": "颐和 福寿 康乐 乐龄 松鹤 安康 长青 椿萱 福缘 颐养 寿康 怡然 晚晴 同乐 宜居 鹤年",
    "kids": "童心 蓓蕾 启智 小天使 育英 春晖 新蕾 博爱 小星星 贝贝 金色童年 彩虹 向日葵 小橡树",
    "school": "博雅 明德 启航 新思维 育才 卓越 智慧树 英华 博学 思源 致远 弘文 乐学 求实 立人",
    "health": "仁和 康宁 济民 益康 仁爱 德仁 康泰 安和 惠民 和济 佑安 康馨",
    "tech": "博远 智创 华信 启明 睿思 云图 数联 天工 格致 海河 津通 新知 创享 致知",
    "benefit": "阳光 爱心 同心 善行 暖阳 春晖 心连心 益行 彩虹 蒲公英 微光 善源 和善 乐助 暖心",
    "social": "和睦 邻里 众合 和悦 启航 同行 心桥 善邻 融合 乐群 携手 众诚 和谐 益众",
    "sports": "健力 飞扬 龙腾 动感 竞速 海鸥 雄鹰 跃动 启点",
    "arts": "雅韵 墨香 丹青 津韵 和声 艺苑 清音 九河 文汇",
    "legal": "正义 明理 公信 和合 诚信 衡平 守正",
}
BRANDS = {key: value.split() for key, value in BRANDS.items()}

# Private non-enterprise units: (form, priority category, field, supervisory unit,
# brand list, kind, weight within the category); and each form's business scope.
UNIT_TYPES = [
    ("养老服务中心", COM, Field.SOCIAL_SERVICE, CIVIL, "elder", "elder", 4),
    ("居家养老服务中心", COM, Field.SOCIAL_SERVICE, CIVIL, "elder", "elder", 4),
    ("老年日间照料中心", COM, Field.SOCIAL_SERVICE, CIVIL, "elder", "elder", 3),
    ("老年公寓", COM, Field.SOCIAL_SERVICE, CIVIL, "elder", "elder", 1),
    ("养老院", COM, Field.SOCIAL_SERVICE, CIVIL, "elder", "elder", 1),
    ("社会工作服务中心", COM, Field.SOCIAL_SERVICE, CIVIL, "social", "social_work", 4),
    ("社工事务所", COM, Field.SOCIAL_SERVICE, CIVIL, "social", "social_work", 2),
    ("家庭服务中心", COM, Field.SOCIAL_SERVICE, CIVIL, "social", "social_work", 2),
    ("邻里服务中心", COM, Field.SOCIAL_SERVICE, CIVIL, "social", "social_work", 1),
    ("助残服务中心", CHA, Field.SOCIAL_SERVICE, DISABLED, "benefit", "welfare", 4),
    ("公益服务中心", CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", "welfare", 4),
    ("志愿服务中心", CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", "welfare", 3),
    ("慈善服务中心", CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", "welfare", 1),
    ("助学服务中心", CHA, Field.EDUCATION, EDU, "benefit", "welfare", 1),
    ("心理援助中心", CHA, Field.HEALTH, HEALTH, "benefit", "welfare", 1),
    ("儿童关爱服务中心", CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", "welfare", 2),
    ("助老服务中心", CHA, Field.SOCIAL_SERVICE, CIVIL, "benefit", "welfare", 2),
    ("环保公益服务中心", CHA, Field.ENVIRONMENT, ENVIRONMENT, "benefit", "welfare", 1),
    ("科技发展研究院", SCI, Field.SCIENCE, SCIENCE, "tech", "research", 2),
    ("科技服务中心", SCI, Field.SCIENCE, SCIENCE, "tech", "research", 2),
    ("软件技术研究所", SCI, Field.SCIENCE, SCIENCE, "tech", "research", 1),
    ("信息技术研究院", SCI, Field.SCIENCE, SCIENCE, "tech", "research", 1),
    ("青少年科技活动中心", SCI, Field.SCIENCE, SCIENCE, "tech", "research", 2),
    ("经济发展研究所", SCI, Field.SCIENCE, SCIENCE, "tech", "research", 1),
    ("中医药研究所", SCI, Field.HEALTH, HEALTH, "health", "research", 1),
    ("幼儿园", OTH, Field.EDUCATION, EDU, "kids", "kindergarten", 7),
    ("外语培训学校", OTH, Field.EDUCATION, EDU, "school", "school", 2),
    ("艺术培训学校", OTH, Field.EDUCATION, EDU, "school", "school", 2),
    ("文化培训学校", OTH, Field.EDUCATION, EDU, "school", "school", 2),
    ("职业技能培训学校", OTH, Field.EDUCATION, LABOUR, "school", "school", 2),
    ("书法培训学校", OTH, Field.EDUCATION, EDU, "school", "school", 1),
    ("计算机培训学校", OTH, Field.EDUCATION, LABOUR, "school", "school", 1),
    ("门诊部", OTH, Field.HEALTH, HEALTH, "health", "clinic", 2),
    ("中医门诊部", OTH, Field.HEALTH, HEALTH, "health", "clinic", 2),
    ("口腔门诊部", OTH, Field.HEALTH, HEALTH, "health", "clinic", 1),
    ("康复医疗中心", OTH, Field.HEALTH, HEALTH, "health", "clinic", 1),
    ("护理院", OTH, Field.HEALTH, HEALTH, "health", "clinic", 1),
    ("心理咨询中心", OTH, Field.HEALTH, HEALTH, "health", "clinic", 1),
    ("体育俱乐部", OTH, Field.SPORTS, SPORT, "sports", "sports", 1),
    ("游泳俱乐部", OTH, Field.SPORTS, SPORT, "sports", "sports", 1),
    ("网球俱乐部", OTH, Field.SPORTS, SPORT, "sports", "sports", 1),
    ("棋院", OTH, Field.SPORTS, SPORT, "sports", "sports", 1),
    ("艺术团", OTH, Field.CULTURE, CULTURE, "arts", "arts", 1),
    ("美术馆", OTH, Field.CULTURE, CULTURE, "arts", "arts", 1),
    ("艺术中心", OTH, Field.CULTURE, CULTURE, "arts", "arts", 1),
    ("民俗博物馆", OTH, Field.CULTURE, CULTURE, "arts", "arts", 1),
    ("法律服务中心", OTH, Field.LAW, JUSTICE, "legal", "legal", 1),
    ("调解服务中心", OTH, Field.LAW, JUSTICE, "legal", "legal", 1),
]
UNIT_SCOPES = {
    "养老服务中心": "老年人生活照料、康复护理、精神慰藉、文化娱乐。",
    "居家养老服务中心": "为社区居家老人提供助餐、助洁、助浴、助医等上门服务。",
    "老年日间照料中心": "老年人日间托养、膳食供应、康复保健、文体活动。",
    "老年公寓": "老年人集中居住、生活照料与护理服务。",
    "养老院": "老年人供养、生活照料与康复护理。",
    "社会工作服务中心": "社会工作专业服务、社区服务项目承接、志愿者培训。",
    "社工事务所": "个案、小组、社区工作服务，政府购买服务项目实施。",
    "家庭服务中心": "家庭教育指导、婚姻家庭辅导、家政服务培训。",
    "邻里服务中心": "社区便民服务、邻里互助活动组织、居民议事协商支持。",
    "助残服务中心": "残疾人康复训练、职业技能培训、辅助就业与托养服务。",
    "公益服务中心": "公益项目策划实施、志愿服务组织、困难群众帮扶。",
    "志愿服务中心": "志愿者招募培训、志愿服务项目组织与记录。",
    "慈善服务中心": "慈善项目实施、困难家庭救助、慈善文化宣传。",
    "助学服务中心": "困难家庭学生资助、课业辅导、成长陪伴。",
    "心理援助中心": "公益心理咨询、心理危机干预、心理健康知识普及。",
    "儿童关爱服务中心": "困境儿童关爱、课后托管、亲子活动。",
    "助老服务中心": "空巢、失独、高龄老人探访关爱与志愿助老服务。",
    "环保公益服务中心": "环境保护宣传教育、垃圾分类推广、社区绿化。",
    "科技发展研究院": "科技成果转化、技术咨询、课题研究。",
    "科技服务中心": "科技咨询、技术推广、科普活动组织。",
    "软件技术研究所": "软件技术研究开发、信息化咨询与培训。",
    "信息技术研究院": "信息技术应用研究、数据服务与技术培训。",
    "青少年科技活动中心": "青少年科技创新活动、科技竞赛辅导、科普教育。",
    "经济发展研究所": "区域经济、楼宇经济与金融服务业研究咨询。",
    "中医药研究所": "中医药理论与临床应用研究、养生保健知识普及。",
    "幼儿园": "学前教育。",
    "外语培训学校": "外语非学历培训。",
    "艺术培训学校": "美术、音乐、舞蹈非学历培训。",
    "文化培训学校": "中小学文化课程非学历培训。",
    "职业技能培训学校": "养老护理、家政服务、电子商务等职业技能培训。",
    "书法培训学校": "书法、国画非学历培训。",
    "计算机培训学校": "计算机应用技能培训。",
    "门诊部": "内科、外科、预防保健科诊疗服务。",
    "中医门诊部": "中医内科、针灸推拿科诊疗服务。",
    "口腔门诊部": "口腔科诊疗服务。",
    "康复医疗中心": "康复医学科诊疗、康复训练。",
    "护理院": "老年护理、临终关怀与康复护理服务。",
    "心理咨询中心": "心理健康咨询、心理测评与辅导。",
    "体育俱乐部": "体育健身指导、青少年体育培训、赛事组织。",
    "游泳俱乐部": "游泳技能培训与健身指导。",
    "网球俱乐部": "网球技能培训与赛事组织。",
    "棋院": "围棋、象棋培训与比赛。",
    "艺术团": "文艺演出、群众文化辅导。",
    "美术馆": "美术作品收藏、展览与公共美育。",
    "艺术中心": "艺术展演、艺术普及与交流活动。",
    "民俗博物馆": "近代民俗藏品收藏、陈列与社会教育。",
    "法律服务中心": "法律咨询、法治宣传、法律援助协助。",
    "调解服务中心": "民间纠纷调解、矛盾化解与法律咨询。",
}
UNIT_COUNTS = {SCI: 22, CHA: 38, COM: 52, OTH: 85}

REGISTRATION_YEARS = [(year, 1 + max(0, year - 2004)) for year in range(1995, YEAR + 1)]
GRADE_WEIGHTS = [(Grade.A5, 6), (Grade.A4, 24), (Grade.A3, 40), (Grade.A2, 18), (Grade.A1, 12)]


def _name_prefix(rng):
    return "天津市和平区" if rng.random() < 0.25 else "和平区"


def _domicile(rng, roads, office=False):
    road = rng.choice(roads)
    address = f"天津市和平区{road}{rng.randint(1, 320)}号"
    if office or rng.random() < 0.3:
        address += f"{rng.randint(2, 28)}{rng.randint(1, 20):02d}室"
    return address


def _registration_date(rng, earliest=1995):
    years = [(y, w) for y, w in REGISTRATION_YEARS if y >= earliest]
    year = weighted(rng, years)
    return random_date(rng, datetime.date(year, 1, 4), datetime.date(year, 12, 28))


def _social_group_specs(rng, streets):
    specs = []
    for category, count in SG_COUNTS.items():
        topics = [t for t in SG_TOPICS if t[2] == category]
        expanded = []
        for topic in topics:
            if "{street}" in topic[0]:
                expanded += [
                    (topic[0].format(street=SHORT_STREETS[s.code]), *topic[1:], s.code)
                    for s in streets
                ]
            else:
                place = next((p for p in STREET_OF_PLACE if topic[0].startswith(p)), None)
                expanded.append((*topic, STREET_OF_PLACE.get(place)))
        required = [t for t in expanded if t[6]]
        optional = [t for t in expanded if not t[6]]
        chosen = required + rng.sample(optional, count - len(required))
        for stem, forms, _cat, field, supervisor, kind, _req, street_code in chosen:
            specs.append(
                {
                    "name": _name_prefix(rng) + stem + rng.choice(forms),
                    "org_type": OrgType.SOCIAL_GROUP,
                    "priority_category": category,
                    "field": field,
                    "supervisory_unit": supervisor,
                    "kind": kind,
                    "street_code": street_code,
                    "scope": SG_SCOPES[kind],
                }
            )
    return specs


def _unit_specs(rng, streets, taken):
    specs = []
    for category, count in UNIT_COUNTS.items():
        types = [t for t in UNIT_TYPES if t[1] == category]
        made = 0
        while made < count:
            form, _cat, field, supervisor, brands, kind, _w = rng.choices(
                types, weights=[t[6] for t in types]
            )[0]
            street_code = rng.choice(streets).code
            short = SHORT_STREETS[street_code]
            pattern = rng.random()
            # A brand ending with the character the form begins with reads badly (乐助助残).
            brand = rng.choice([b for b in BRANDS[brands] if b[-1] != form[0]])
            if pattern < 0.55:
                middle, street_code = brand, None
            elif pattern < 0.8:
                middle = short + ("街" if rng.random() < 0.5 else "") + brand
            else:
                middle = short
            name = _name_prefix(rng) + middle + form
            if name in taken:
                continue
            taken.add(name)
            made += 1
            specs.append(
                {
                    "name": name,
                    "org_type": OrgType.PRIVATE_NON_ENTERPRISE,
                    "priority_category": category,
                    "field": field,
                    "supervisory_unit": supervisor,
                    "kind": kind,
                    "street_code": street_code,
                    "scope": UNIT_SCOPES[form],
                }
            )
    return specs


def _credit_bodies(rng, count, prefix):
    """Unique 8-character organization-code bodies (``prefix`` + digits)."""
    digits = 8 - len(prefix)
    return [f"{prefix}{n:0{digits}d}" for n in rng.sample(range(10**5, 10**digits), count)]


def _organizations(rng, streets):
    by_code = {s.code: s for s in streets}
    specs = _social_group_specs(rng, streets)
    taken = {spec["name"] for spec in specs}
    if len(taken) != len(specs):
        raise AssertionError("duplicate social group names")
    specs += _unit_specs(rng, streets, taken)
    group_bodies = iter(_credit_bodies(rng, SOCIAL_GROUPS, "50"))
    unit_bodies = iter(_credit_bodies(rng, PRIVATE_NON_ENTERPRISE, "MJ"))
    organizations = []
    for spec in specs:
        profile = PROFILES[spec["kind"]]
        street = by_code[spec["street_code"] or rng.choice(streets).code]
        roads = STREETS[street.code][3].split()
        bodies = group_bodies if spec["org_type"] == OrgType.SOCIAL_GROUP else unit_bodies
        registered_on = _registration_date(rng, 2008 if spec["kind"] == "hub" else 1995)
        if spec["priority_category"] == IND and registered_on.year >= 2015:
            supervisor = ""  # registered directly after the decoupling reform
        else:
            supervisor = spec["supervisory_unit"] or "区工商业联合会"
        org = Organization(
            name=spec["name"],
            credit_code=creditcode.make(spec["org_type"], AREA, next(bodies)),
            org_type=spec["org_type"],
            priority_category=spec["priority_category"],
            field=spec["field"],
            supervisory_unit=supervisor,
            legal_representative=person(rng),
            registered_funds=Decimal(rng.choice(profile.funds)).quantize(CENT),
            domicile=_domicile(rng, roads, office=spec["kind"] == "chamber"),
            street=street,
            contact_phone=landline(rng),
            business_scope=spec["scope"],
            registered_on=registered_on,
            status=OrgStatus.ACTIVE,
        )
        org.kind = spec["kind"]  # not a field: used below for the annual report
        _grade(rng, org)
        _party(rng, org)
        org.fill_pinyin()
        organizations.append(org)
    rng.shuffle(organizations)
    return organizations


def _grade(rng, org):
    if org.registered_on.year > 2013 or rng.random() > 0.4:
        return
    org.grade = weighted(rng, GRADE_WEIGHTS)
    start = max(datetime.date(2012, 3, 1), add_years(org.registered_on, 2))
    org.grade_awarded_on = random_date(rng, start, datetime.date(YEAR, 12, 20))
    # What Organization.save() computes; bulk_create bypasses it.
    org.grade_expires_on = add_years(org.grade_awarded_on, GRADE_VALID_YEARS)


def _party(rng, org):
    big = org.kind in ("kindergarten", "school", "elder", "clinic", "research", "chamber")
    members = weighted(
        rng, [(0, 30), (1, 12), (2, 12)] + [(n, 6 if big else 3) for n in range(3, 13)]
    )
    org.party_members = members
    if members >= PARTY_BRANCH_MEMBERS:
        org.party_form = PartyForm.SINGLE
    elif members:
        org.party_form = PartyForm.JOINT
    else:
        org.party_form = PartyForm.INSTRUCTOR
    if org.party_form != PartyForm.INSTRUCTOR:
        start = max(org.registered_on, datetime.date(2008, 1, 1))
        org.party_founded_on = random_date(rng, start, datetime.date(YEAR, 12, 28))


# ---------------------------------------------------------------------------------------
# 2016 annual reports, with exact totals
# ---------------------------------------------------------------------------------------


def _log_uniform(rng, low, high):
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _scale_to_total(values, total):
    """Scale non-negative integers to ``total`` exactly; the rounding rest goes to the
    largest values (never below zero)."""
    factor = total / sum(values)
    scaled = [round(v * factor) for v in values]
    rest = total - sum(scaled)
    order = sorted(range(len(scaled)), key=lambda i: -scaled[i])
    step = 1 if rest > 0 else -1
    i = 0
    while rest:
        index = order[i % len(order)]
        if scaled[index] + step >= 0:
            scaled[index] += step
            rest -= step
        i += 1
    return scaled


def _staff(rng, organizations):
    """Staff totals and bachelor+ counts with sum(bachelor+) == BACHELOR_PLUS."""
    staff, shares = [], []
    for org in organizations:
        profile = PROFILES[org.kind]
        staff.append(rng.randint(*profile.staff))
        shares.append(rng.uniform(*profile.bachelor_share))
    factor = BACHELOR_PLUS / sum(s * p for s, p in zip(staff, shares, strict=True))
    if factor > 1:  # grow the workforces rather than the shares
        staff = [max(1, round(s * factor)) for s in staff]
    else:
        shares = [p * factor for p in shares]
    bachelor = [min(s, round(s * p)) for s, p in zip(staff, shares, strict=True)]
    rest = BACHELOR_PLUS - sum(bachelor)
    while rest:
        index = rng.randrange(len(staff))
        if rest > 0:
            if bachelor[index] == staff[index]:
                staff[index] += 1  # a graduate joins
            bachelor[index] += 1
            rest -= 1
        elif bachelor[index] > 0:
            bachelor[index] -= 1
            rest += 1
    return staff, bachelor


def _money(fen):
    return (Decimal(fen) / 100).quantize(CENT)


def _annual_reports(rng, organizations):
    staff, bachelor = _staff(rng, organizations)
    profiles = [PROFILES[org.kind] for org in organizations]
    raw_revenue = [round(_log_uniform(rng, *p.revenue) * 100) for p in profiles]
    revenue = _scale_to_total(raw_revenue, int(REVENUE * 100))
    raw_tax = [round(r * rng.uniform(*p.tax_rate)) for r, p in zip(revenue, profiles, strict=True)]
    tax_target = rng.randint(int(TAX_RANGE[0] * 100), int(TAX_RANGE[1] * 100))
    tax = _scale_to_total(raw_tax, tax_target)

    count = len(organizations)
    unqualified = set(rng.sample(range(count), 5))
    basic = set(rng.sample([i for i in range(count) if i not in unqualified], 22))
    in_deficit = set(rng.sample(sorted(unqualified | basic), 4))
    reports = []
    for i, org in enumerate(organizations):
        if i in unqualified:
            result = InspectionResult.UNQUALIFIED
        elif i in basic:
            result = InspectionResult.BASIC
        else:
            result = InspectionResult.QUALIFIED
        if i in in_deficit:
            expenditure = round(revenue[i] * rng.uniform(1.08, 1.3))
            net_assets = -round(rng.uniform(20_000, 300_000) * 100)
        else:
            expenditure = round(revenue[i] * rng.uniform(0.78, 1.03))
            funds = int(org.registered_funds * 100)
            net_assets = funds + round(revenue[i] * rng.uniform(0.02, 0.6))
        reports.append(
            AnnualReport(
                organization=org,
                year=YEAR,
                result=result,
                staff_total=staff[i],
                staff_bachelor_plus=bachelor[i],
                volunteers=rng.randint(*profiles[i].volunteers),
                revenue=_money(revenue[i]),
                expenditure=_money(expenditure),
                tax_paid=_money(tax[i]),
                net_assets=_money(net_assets),
            )
        )
    return reports


def _credit_records(rng, organizations, reports):
    """A few credit records, all of organizations that are still active."""
    weak = [r.organization for r in reports if r.result != InspectionResult.QUALIFIED]
    listed = rng.sample(weak, 5)
    records = []
    for org, (decided, removed) in zip(
        listed[:3],
        [
            (datetime.date(2015, 7, 14), datetime.date(2015, 11, 3)),
            (datetime.date(2016, 6, 28), datetime.date(2016, 10, 17)),
            (datetime.date(2016, 6, 28), datetime.date(2016, 12, 6)),
        ],
        strict=True,
    ):
        records.append(
            CreditRecord(
                organization=org,
                kind=CreditKind.ABNORMAL,
                reason=f"未按规定报送{decided.year - 1}年度工作报告。",
                decided_on=decided,
                removed_on=removed,
                removal_reason="已补报年度工作报告，经审核符合要求，移出活动异常名录。",
            )
        )
    records.append(
        CreditRecord(
            organization=listed[3],
            kind=CreditKind.ABNORMAL,
            reason="通过登记的住所无法取得联系。",
            decided_on=datetime.date(2016, 3, 22),
            removed_on=datetime.date(2016, 5, 9),
            removal_reason="已办理住所变更登记，恢复联系。",
        )
    )
    records.append(
        CreditRecord(
            organization=listed[4],
            kind=CreditKind.PENALTY,
            reason="住所变更后未按规定办理变更登记，依法给予警告。",
            decided_on=datetime.date(2016, 9, 12),
        )
    )
    return records


# ---------------------------------------------------------------------------------------
# Community groups
# ---------------------------------------------------------------------------------------

ELDERLY, CHILDREN, DISABLED_T, HARDSHIP, WOMEN, RESIDENTS = (
    ServiceTarget.ELDERLY.value,
    ServiceTarget.CHILDREN.value,
    ServiceTarget.DISABLED.value,
    ServiceTarget.HARDSHIP.value,
    ServiceTarget.WOMEN.value,
    ServiceTarget.RESIDENTS.value,
)

# category code -> (share of the filed groups, how often a plain name gets a word before
# the activity anyway, those words, [(activity and form, service targets)]). A community
# divided into parts (片) names its groups after them when it has several of a kind.
GROUP_KINDS = {
    "culture_sports": (
        0.31,
        0.35,
        "夕阳红 金秋 晚霞 银发 欢乐 阳光 彩虹 和美 常青 红叶 百灵 心声 春之声 新韵 舒心",
        [
            ("合唱团", [RESIDENTS]),
            ("太极拳队", [ELDERLY]),
            ("太极剑队", [ELDERLY]),
            ("木兰扇队", [ELDERLY, WOMEN]),
            ("健身操队", [RESIDENTS]),
            ("广场舞队", [WOMEN]),
            ("秧歌队", [ELDERLY]),
            ("腰鼓队", [ELDERLY, WOMEN]),
            ("舞蹈队", [WOMEN]),
            ("京剧票友社", [ELDERLY]),
            ("评剧社", [ELDERLY]),
            ("曲艺社", [RESIDENTS]),
            ("书画社", [RESIDENTS]),
            ("摄影小组", [RESIDENTS]),
            ("模特队", [WOMEN]),
            ("旗袍秀队", [WOMEN]),
            ("乒乓球队", [RESIDENTS]),
            ("门球队", [ELDERLY]),
            ("健步走队", [RESIDENTS]),
            ("柔力球队", [ELDERLY]),
            ("空竹队", [ELDERLY]),
            ("葫芦丝乐队", [ELDERLY]),
            ("民乐队", [RESIDENTS]),
            ("口琴队", [ELDERLY]),
            ("象棋社", [RESIDENTS]),
            ("读书会", [RESIDENTS]),
            ("诗词社", [ELDERLY]),
            ("剪纸社", [WOMEN, CHILDREN]),
            ("八段锦队", [ELDERLY]),
            ("健身气功站", [ELDERLY]),
            ("跳绳队", [CHILDREN]),
            ("手风琴队", [ELDERLY]),
            ("国标舞队", [RESIDENTS]),
            ("戏曲社", [ELDERLY]),
            ("合唱队", [ELDERLY]),
            ("萨克斯乐队", [RESIDENTS]),
        ],
    ),
    "charity": (
        0.15,
        0.3,
        "爱心 红马甲 暖心 邻里情 连心 夕阳红 和谐 温馨 春风 同心",
        [
            ("志愿服务队", [RESIDENTS]),
            ("助老志愿队", [ELDERLY]),
            ("助残志愿队", [DISABLED_T]),
            ("帮扶队", [HARDSHIP]),
            ("关爱空巢老人服务队", [ELDERLY]),
            ("义务理发队", [ELDERLY, DISABLED_T]),
            ("编织社", [HARDSHIP, CHILDREN]),
            ("环保志愿队", [RESIDENTS]),
            ("义诊服务队", [ELDERLY, HARDSHIP]),
            ("学雷锋小组", [RESIDENTS]),
            ("老党员志愿服务队", [RESIDENTS]),
            ("巾帼志愿服务队", [WOMEN, CHILDREN]),
            ("青年志愿服务队", [RESIDENTS]),
            ("助学小组", [CHILDREN, HARDSHIP]),
            ("送温暖服务队", [HARDSHIP, ELDERLY]),
            ("护绿队", [RESIDENTS]),
        ],
    ),
    "mutual_aid": (
        0.16,
        0.0,
        "东片 西片 南片 北片 连心 暖心",
        [
            ("互助会", [RESIDENTS]),
            ("互助养老小组", [ELDERLY]),
            ("互助队", [RESIDENTS]),
            ("结对帮扶小组", [HARDSHIP]),
            ("楼门互助会", [RESIDENTS]),
            ("空巢老人互助组", [ELDERLY]),
            ("守望队", [ELDERLY, RESIDENTS]),
            ("家长互助会", [CHILDREN, WOMEN]),
            ("育儿互助会", [CHILDREN, WOMEN]),
            ("慢病自我管理小组", [ELDERLY]),
            ("助餐互助组", [ELDERLY]),
            ("健康互助小组", [RESIDENTS]),
            ("残疾人互助小组", [DISABLED_T]),
            ("老伙伴互助组", [ELDERLY]),
        ],
    ),
    "life_services": (
        0.16,
        0.15,
        "便民 暖心 贴心 爱心 红马甲 东片 西片",
        [
            ("服务队", [RESIDENTS]),
            ("家电维修服务队", [RESIDENTS]),
            ("理发服务队", [ELDERLY]),
            ("助餐服务队", [ELDERLY]),
            ("老年餐桌服务队", [ELDERLY]),
            ("缝补组", [ELDERLY, HARDSHIP]),
            ("健康咨询服务队", [ELDERLY]),
            ("四点半课堂", [CHILDREN]),
            ("养生保健社", [ELDERLY]),
            ("智能手机学习班", [ELDERLY]),
            ("家政服务互助社", [WOMEN]),
            ("修车服务队", [RESIDENTS]),
            ("代购服务队", [ELDERLY, DISABLED_T]),
            ("法律咨询服务队", [RESIDENTS]),
        ],
    ),
    "community_affairs": (
        0.14,
        0.0,
        "东片 西片 南片 北片 中片",
        [
            ("治安巡逻队", [RESIDENTS]),
            ("居民议事会", [RESIDENTS]),
            ("矛盾调解小组", [RESIDENTS]),
            ("环境卫生监督队", [RESIDENTS]),
            ("物业监督小组", [RESIDENTS]),
            ("文明引导队", [RESIDENTS]),
            ("消防安全宣传队", [RESIDENTS]),
            ("垃圾分类督导队", [RESIDENTS]),
            ("停车自治管理小组", [RESIDENTS]),
            ("楼门长联席会", [RESIDENTS]),
            ("民情信息员队", [RESIDENTS]),
            ("禁毒宣传队", [RESIDENTS, CHILDREN]),
        ],
    ),
    "other": (
        0.08,
        0.0,
        "东片 西片 南片 北片",
        [
            ("收藏爱好者沙龙", [RESIDENTS]),
            ("花卉园艺社", [ELDERLY]),
            ("文明养犬自律会", [RESIDENTS]),
            ("科普学习小组", [RESIDENTS, CHILDREN]),
            ("烹饪兴趣小组", [WOMEN]),
            ("英语角", [RESIDENTS]),
            ("旅游爱好者联谊会", [ELDERLY]),
            ("钓鱼爱好者联谊会", [ELDERLY]),
            ("退役军人联谊会", [RESIDENTS]),
            ("老年学习小组", [ELDERLY]),
            ("宠物爱好者沙龙", [RESIDENTS]),
        ],
    ),
}
GROUP_KINDS = {
    code: (share, brand_rate, brands.split(), activities)
    for code, (share, brand_rate, brands, activities) in GROUP_KINDS.items()
}

VENUES = ("{c}活动室", "{c}党群服务中心", "{c}文化活动室", "{r}街心花园", "{c}老年活动站")
RETURN_REASONS = (
    "负责人联系电话有误，请核实后重新提交。",
    "活动场所未落实，请补充场所使用证明后再提交。",
    "成员名单不足十人，请补充成员信息。",
    "团队名称与本街道已备案团队重复，请修改名称。",
    "缺少社区居委会的指导意见，请补充后重新提交。",
)
CANCEL_REASONS = (
    "骨干成员年事已高，团队已停止活动，申请注销备案。",
    "负责人搬迁，团队解散。",
    "团队已并入本社区其他文体团队。",
    "连续两年未开展活动，经社区居委会核实后注销。",
)
NON_FILED = {  # status -> how many
    FilingStatus.DRAFT: 24,
    FilingStatus.SUBMITTED: 17,
    FilingStatus.RETURNED: 9,
    FilingStatus.CANCELLED: 31,
}


def _category_counts(total):
    """Largest-remainder split of ``total`` filed groups by the categories' shares."""
    quotas = {code: total * kind[0] for code, kind in GROUP_KINDS.items()}
    counts = {code: math.floor(q) for code, q in quotas.items()}
    for code in sorted(quotas, key=lambda c: counts[c] - quotas[c])[: total - sum(counts.values())]:
        counts[code] += 1
    return counts


class _GroupNamer:
    """Unique names per community (hence per street): community × activity × form, with
    a distinguishing word only when the plain name is taken."""

    def __init__(self, rng):
        self.rng = rng
        self.used = defaultdict(set)

    def name(self, community, category):
        """(name, service targets), or (None, None) if the community has no name left."""
        _share, brand_rate, brands, activities = GROUP_KINDS[category]
        used = self.used[community.pk]
        plain = [a for a in activities if community.name + a[0] not in used]
        if plain and self.rng.random() >= brand_rate:
            activity, targets = self.rng.choice(plain)
            name = community.name + activity
        else:
            for _attempt in range(40):
                activity, targets = self.rng.choice(activities)
                name = f"{community.name}{self.rng.choice(brands)}{activity}"
                if name not in used:
                    break
            else:
                if not plain:
                    return None, None
                activity, targets = self.rng.choice(plain)
                name = community.name + activity
        used.add(name)
        return name, targets


def _members(rng):
    if rng.random() < 0.12:  # the big choirs and volunteer teams
        return round(rng.triangular(40, 120, 60))
    return round(rng.triangular(8, 60, 18))


def _groups(rng, streets, communities, categories, partners):
    namer = _GroupNamer(rng)
    weights = [rng.uniform(0.7, 1.3) for _ in communities]
    roads = {s.pk: STREETS[s.code][3].split() for s in streets}
    street_of = {s.pk: s for s in streets}

    def make(category, status):
        while True:
            community = rng.choices(communities, weights=weights)[0]
            name, targets = namer.name(community, category)
            if name:
                break
        cancelled = status == FilingStatus.CANCELLED
        founded = random_date(
            rng, datetime.date(2005, 3, 1), datetime.date(2013 if cancelled else YEAR, 10, 31)
        )
        venue = rng.choice(VENUES).format(
            c=community.name, r=rng.choice(roads[community.street_id])
        )
        targets = list(targets)
        if rng.random() < 0.15 and RESIDENTS not in targets:
            targets.append(
                rng.choice([t for t in (ELDERLY, HARDSHIP, CHILDREN) if t not in targets])
            )
        group = CommunityGroup(
            name=name,
            street=street_of[community.street_id],
            community=community,
            category=categories[category],
            service_targets=targets,
            leader_name=person(rng, woman=WOMEN in targets or rng.random() < 0.65),
            leader_phone=mobile(rng),
            member_count=_members(rng),
            founded_on=founded,
            venue=venue,
            guiding_unit=f"{community.name}居委会",
            status=status,
        )
        if status in (FilingStatus.FILED, FilingStatus.CANCELLED):
            # Filing began in 2010: older teams were filed in its first years.
            if founded < datetime.date(2009, 6, 1):
                window = (datetime.date(2010, 3, 1), datetime.date(2013, 6, 30))
            else:
                start = max(founded + datetime.timedelta(days=20), datetime.date(2010, 3, 1))
                end = datetime.date(2014, 12, 20) if cancelled else datetime.date(YEAR, 12, 28)
                window = (start, max(start, min(end, founded + datetime.timedelta(days=900))))
            group.filed_on = random_date(rng, *window)
        if cancelled:
            group.cancelled_on = random_date(
                rng, group.filed_on + datetime.timedelta(days=180), datetime.date(YEAR, 12, 28)
            )
            group.cancel_reason = rng.choice(CANCEL_REASONS)
        if status == FilingStatus.RETURNED:
            group.return_reason = rng.choice(RETURN_REASONS)
        if status == FilingStatus.DRAFT:  # a draft may be saved before it is complete
            if rng.random() < 0.3:
                group.leader_phone = ""
            if rng.random() < 0.25:
                group.member_count = None
            if rng.random() < 0.1:
                group.category = None
                group.service_targets = []
        group.fill_pinyin()
        return group

    groups = []
    for category, count in _category_counts(FILED_GROUPS).items():
        groups += [make(category, FilingStatus.FILED) for _ in range(count)]
    codes = list(GROUP_KINDS)
    shares = [GROUP_KINDS[c][0] for c in codes]
    for status, count in NON_FILED.items():
        groups += [make(rng.choices(codes, weights=shares)[0], status) for _ in range(count)]

    serials = _number(rng, groups)
    _upgrade_plan(rng, groups, partners)
    return groups, serials


def _number(rng, groups):
    """Filing numbers, consecutive per street and year in filing order."""
    numbered = [g for g in groups if g.filed_on]
    rng.shuffle(numbered)  # random order among groups filed the same day
    numbered.sort(key=lambda g: (g.street.code, g.filed_on))
    serials = Counter()
    for group in numbered:
        key = (group.street, group.filed_on.year)
        serials[key] += 1
        group.filing_number = format_filing_number(group.street, group.filed_on.year, serials[key])
    return serials


def _upgrade_plan(rng, groups, partners):
    """Culture and sports teams paired with a professional organization (1+1)."""
    teams = [
        g for g in groups if g.status == FilingStatus.FILED and g.category.code == "culture_sports"
    ]
    by_street = defaultdict(list)
    for org in partners:
        by_street[org.street_id].append(org)
    for group in rng.sample(teams, rng.randint(*UPGRADE_PLAN)):
        since = random_date(rng, datetime.date(YEAR, 3, 1), datetime.date(YEAR, 12, 20))
        group.upgrade_since = max(since, group.filed_on + datetime.timedelta(days=1))
        group.upgrade_partner = rng.choice(by_street.get(group.street_id) or partners)


def _populations(ctx, streets):
    """The district's and each street's population for the demo year, unless the year
    already has one (an older demo database gains them on the next load_demo)."""
    if [s.code for s in streets] != list(POPULATION) or Population.objects.filter(year=YEAR):
        return 0
    rows = [Population(year=YEAR, street=None, residents=sum(POPULATION.values()))]
    rows += [Population(year=YEAR, street=s, residents=POPULATION[s.code]) for s in streets]
    Population.objects.bulk_create(rows)
    return len(rows)


# ---------------------------------------------------------------------------------------
# Demo logins
# ---------------------------------------------------------------------------------------

# (username, last name, first name, role, what to print); clerks come from STREETS.
STAFF_LOGINS = [
    ("minzheng", "王", "海燕", access.DISTRICT_STAFF, "district civil-affairs staff"),
    ("fuhua", "李", "文静", access.INCUBATOR_STAFF, "incubation-centre staff"),
    ("admin", "马", "骏", None, "IT administrator (superuser)"),
]
CLERK_NAMES = ["刘晓梅", "张立新", "陈静", "赵志强", "孙丽娜", "周建军"]


def _login_specs(streets):
    specs = list(STAFF_LOGINS[:2])
    for street, full_name in zip(streets, CLERK_NAMES, strict=True):
        username = STREETS[street.code][0]
        specs.append(
            (username, full_name[0], full_name[1:], access.STREET_CLERK, f"clerk of {street.name}")
        )
    specs.append(STAFF_LOGINS[2])
    return specs


def demo_usernames():
    return [spec[0] for spec in STAFF_LOGINS] + [u for u, *_rest in STREETS.values()]


def _is_demo_account(user):
    return user.email.endswith("@" + DEMO_EMAIL_DOMAIN)


def _logins(ctx, streets, create):
    """Create the demo accounts (if ``create``) and list them for printing. An account
    that already exists is left exactly as it is."""
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__in=demo_usernames())}
    encoded = None
    street_of = {STREETS[s.code][0]: s for s in streets}
    for username, last_name, first_name, role, label in _login_specs(streets):
        user = existing.get(username)
        if user is None:
            if not create:
                continue
            if encoded is None:
                # One hash for all: they share the published password, and hashing is slow.
                encoded = make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=username,
                password=encoded,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                is_staff=role != access.STREET_CLERK,
                is_superuser=role is None,
            )
            if role:
                user.groups.add(Group.objects.get(name=access.ROLE_NAMES[role]))
            if role == access.STREET_CLERK:
                ClerkProfile.objects.create(user=user, street=street_of[username])
        elif not _is_demo_account(user):
            ctx.add_login(username, None, label, note="an existing account, left unchanged")
            continue
        ctx.add_login(username, DEMO_PASSWORD, label, name=last_name + first_name)


def reset(ctx):
    """--reset: the registry's tables are empty; remove the demo accounts too."""
    User = get_user_model()
    User.objects.filter(
        username__in=demo_usernames(), email__endswith="@" + DEMO_EMAIL_DOMAIN
    ).delete()


# ---------------------------------------------------------------------------------------
# The part
# ---------------------------------------------------------------------------------------


def load(ctx):
    streets = list(Street.objects.order_by("code"))
    present = {
        "communities": Community.objects.count(),
        "organizations": Organization.objects.count(),
        "community groups": CommunityGroup.objects.count(),
    }
    if any(present.values()):
        if _populations(ctx, streets):
            ctx.say(f"registry: added the populations of {YEAR}.")
        ctx.say(
            "registry: the demo data is already there ("
            + ", ".join(f"{n} {what}" for what, n in present.items())
            + "); nothing written. Use --reset to rebuild it."
        )
        _logins(ctx, streets, create=False)
        return
    if [s.code for s in streets] != list(STREETS):
        raise RuntimeError("load_demo expects the six streets of the reference-data migration.")
    rng = ctx.rng

    communities = []
    for street in streets:
        for index, name in enumerate(STREETS[street.code][2].split(), start=1):
            communities.append(
                Community(street=street, name=f"{name}社区", code=f"{street.code}{index:03d}")
            )
    communities = Community.objects.bulk_create(communities)

    organizations = Organization.objects.bulk_create(_organizations(rng, streets))
    reports = AnnualReport.objects.bulk_create(_annual_reports(rng, organizations))
    credits = CreditRecord.objects.bulk_create(_credit_records(rng, organizations, reports))

    categories = {c.code: c for c in FilingCategory.objects.all()}
    partners = [o for o in organizations if o.priority_category in (CHA, COM)]
    groups, serials = _groups(rng, streets, communities, categories, partners)
    CommunityGroup.objects.bulk_create(groups, batch_size=1000)
    # The workflow's numbers continue after the highest serial used here.
    FilingSequence.objects.bulk_create(
        FilingSequence(street=street, year=year, last=last)
        for (street, year), last in sorted(serials.items(), key=lambda i: (i[0][0].code, i[0][1]))
    )

    load_applications(ctx, organizations, streets)

    _populations(ctx, streets)
    _logins(ctx, streets, create=True)
    filed = sum(g.status == FilingStatus.FILED for g in groups)
    types = Counter(o.org_type for o in organizations)
    ctx.success(
        f"registry: {len(communities)} communities; {len(organizations)} organizations "
        f"({types[OrgType.SOCIAL_GROUP]} social groups, "
        f"{types[OrgType.PRIVATE_NON_ENTERPRISE]} private non-enterprise units) with "
        f"{len(reports)} annual reports for {YEAR} and {len(credits)} credit records; "
        f"{len(groups)} community groups ({filed} filed)."
    )
