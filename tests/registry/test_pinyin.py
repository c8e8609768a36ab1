"""The pinyin keys, computed with each word's conversion remembered, are exactly those
of pypinyin's own ``lazy_pinyin``, whatever was converted before."""

import random

from pypinyin import Style, lazy_pinyin

from registry.pinyin import pinyin_keys

NAMES = [
    "和平区",
    "重庆道社区合唱团",
    "重要的事",
    "长春道社区",
    "长者服务队",
    "银行街社区乐队",
    "快乐舞蹈队",
    "南营门街道",
    "小白楼街道五大道社区",
    "ＡＢＣ１２３ 读书会",
    "Tianjin 和平 volunteers 2016",
    "福明社区（第二）太极拳队",
    "绿色家园",
    "嗯",
    "",
    "··· ！",
    "单县路社区单身青年会",
    "朝阳里朝气蓬勃健身队",
    "ΑΣ 合唱团 ΟΔΟΣ",
    "İstanbul 之友",
]


def plain_keys(name):
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    initials = "".join(
        s[:1] for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    ).lower()
    return (
        "".join(ch for ch in full if ch.isalnum()),
        "".join(ch for ch in initials if ch.isalnum()),
    )


def test_same_keys_as_lazy_pinyin_in_any_order():
    rng = random.Random(10)
    characters = "".join(NAMES) + "的地得了行长重乐朝单参差曾解 Σσ-·1２"
    names = NAMES + ["".join(rng.choices(characters, k=rng.randint(1, 12))) for _ in range(300)]
    for _round in range(2):  # the second round is answered from what was remembered
        rng.shuffle(names)
        for name in names:
            assert pinyin_keys(name) == plain_keys(name), name


def test_keys_of_a_name():
    assert pinyin_keys("和平区") == ("hepingqu", "hpq")
    assert pinyin_keys(None) == ("", "")
