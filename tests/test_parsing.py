"""The parsers of messy ledger cells: pure functions, one test per rule."""

import datetime
from decimal import Decimal

import pytest

from hepingorgs import parsing
from hepingorgs.parsing import ParseError


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("  福明社区\n夕阳红 合唱团 ", "福明社区 夕阳红 合唱团"),
        ("和平区\u3000协会", "和平区 协会"),
        ("和平区（天津）协会", "和平区（天津）协会"),  # Chinese brackets stay as typed
        (13800000000, "13800000000"),
        (20.0, "20"),
        (None, ""),
    ],
)
def test_clean_text_half_width_and_spaces(raw, expected):
    assert parsing.clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2016-05-01",
        "2016/5/1",
        "2016.5.1",
        "2016年5月1日",
        "2016 年 5 月 1 日",
        "２０１６年５月１日",
        "20160501",
        datetime.datetime(2016, 5, 1),
        datetime.date(2016, 5, 1),
    ],
)
def test_dates_in_every_listed_form(raw):
    assert parsing.parse_date(raw) == datetime.date(2016, 5, 1)


@pytest.mark.parametrize("raw", [42491, 42491.0, "42491", 42491.75])
def test_dates_as_excel_serial_numbers(raw):
    assert parsing.parse_date(raw) == datetime.date(2016, 5, 1)


@pytest.mark.parametrize("raw", ["2016-02-30", "明年", "2016-13-01", "1800-01-01", -5, True])
def test_impossible_dates_are_errors(raw):
    with pytest.raises(ParseError):
        parsing.parse_date(raw)


def test_empty_date_is_none():
    assert parsing.parse_date(None) is None and parsing.parse_date("  ") is None


@pytest.mark.parametrize(
    "raw,expected",
    [
        (30000, "30000.00"),
        (30000.5, "30000.50"),
        ("30,000.00", "30000.00"),
        ("３０，０００", "30000.00"),
        ("30000元", "30000.00"),
        ("￥1,200元", "1200.00"),
        ("人民币500元", "500.00"),
        ("3万元", "30000.00"),
        ("3.5万", "35000.00"),
        ("-1,000", "-1000.00"),
        (0.1 + 0.2, "0.30"),
    ],
)
def test_amounts_with_units_and_separators(raw, expected):
    assert parsing.parse_amount(raw) == Decimal(expected)


def test_amount_in_a_column_headed_in_ten_thousands():
    multiplier = parsing.header_multiplier("注册资金（万元）")
    assert multiplier == 10000
    assert parsing.parse_amount(3, multiplier) == Decimal("30000.00")
    assert parsing.header_multiplier("注册资金（元）") == 1


@pytest.mark.parametrize("raw", ["三万", "1.234", "12abc", "NaN", "Infinity", True])
def test_bad_amounts_are_errors(raw):
    with pytest.raises(ParseError):
        parsing.parse_amount(raw)


@pytest.mark.parametrize(
    "raw,expected", [(25, 25), (25.0, 25), ("25", 25), ("２５人", 25), ("1,200", 1200), ("", None)]
)
def test_integers(raw, expected):
    assert parsing.parse_integer(raw) == expected


@pytest.mark.parametrize("raw", [25.5, "二十", "25.5"])
def test_bad_integers_are_errors(raw):
    with pytest.raises(ParseError):
        parsing.parse_integer(raw)


@pytest.mark.parametrize("raw", [2016, "2016", "2016年", "2016年度", 2016.0])
def test_years(raw):
    assert parsing.parse_year(raw) == 2016


def test_implausible_year_is_an_error():
    with pytest.raises(ParseError):
        parsing.parse_year("216")


CHOICES = {"1": "1", "社会团体": "1", "04": "04", "社会服务": "04"}


@pytest.mark.parametrize("raw", ["社会团体", " 社会 团体 ", "1", 1, 1.0])
def test_coded_values_by_label_or_code(raw):
    assert parsing.parse_choice(raw, CHOICES) == "1"


def test_two_digit_code_whose_zero_excel_dropped():
    assert parsing.parse_choice(4, CHOICES) == "04"


def test_unknown_coded_value_is_an_error():
    with pytest.raises(ParseError) as error:
        parsing.parse_choice("宗教", CHOICES)
    assert "宗教" in str(error.value)


def test_several_coded_values_in_one_cell():
    choices = {"老年人": "elderly", "全体居民": "residents"}
    assert parsing.parse_choices("老年人、全体居民，老年人", choices) == ["elderly", "residents"]


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("法定代表人", "法定代表人"),
        (" 法定\n代表人 *", "法定代表人"),
        ("注册资金（万元）", "注册资金"),
        ("注册资金(元)", "注册资金"),
    ],
)
def test_header_keys(raw, expected):
    assert parsing.header_key(raw) == expected
