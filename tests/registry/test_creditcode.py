"""Unified social credit codes: what ``creditcode.validate`` accepts and says, what the
admin form makes of it, and the two findings that are only warnings."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry import creditcode
from registry.models import Organization, OrgType
from tests.conftest import client_for, valid_code
from tests.registry.test_admin import (
    ORGANIZATION_FORM,
    admin_url,
    form_errors,
    full_width,
    on_page,
    post_add,
    warnings_of,
)

GLOSSARY_VALID = [
    pytest.param("51100000500002862F", OrgType.SOCIAL_GROUP, id="social-group"),
    pytest.param("52110000MJ0166456X", OrgType.PRIVATE_NON_ENTERPRISE, id="private-non-enterprise"),
    pytest.param("53100000500019795A", OrgType.FOUNDATION, id="foundation"),
]
GLOSSARY_BAD_CHECKSUM = ["91110000600037341N", "52110101MJ0018899X"]
# Valid for python-stdnum (its doctests of cn.uscc), but registered by market
# regulation (9) or another authority (1), not by civil affairs.
STDNUM_VALID = [
    "91110000600037341L",
    "91310115MA1K3BTP2B",
    "9144030071526726XG",
    "92340602MA2PBMEM24",
    "121200004013590816",
]
AREA_ELSEWHERE = creditcode.make(OrgType.SOCIAL_GROUP, "110000", "MJ000001")
# The organization code MJ000001's own check character is 8; 7 fails it, while the
# credit code's check character (position 18) is computed to match.
INNER_CHECK_FAILS = "51120101MJ0000017" + creditcode.uscc_check("51120101MJ0000017")

CHECKSUM_MESSAGE = "The check character (position 18) does not match: this code has a typing error."


def english_error(raw, org_type=None):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        creditcode.validate(raw, org_type)
    return caught.value.code, caught.value.messages


def english_warnings(code):
    with translation.override("en"):
        return creditcode.warnings(code, "120101")


# validate() and warnings() ------------------------------------------------------------


@pytest.mark.parametrize(("code", "org_type"), GLOSSARY_VALID)
def test_glossary_examples_are_accepted(code, org_type):
    assert creditcode.validate(code, org_type) == code
    assert creditcode.validate(code) == code


@pytest.mark.parametrize("code", GLOSSARY_BAD_CHECKSUM)
def test_glossary_typing_errors_fail_the_checksum(code):
    assert english_error(code) == ("checksum", [CHECKSUM_MESSAGE])


@pytest.mark.parametrize("code", STDNUM_VALID)
def test_stdnum_samples_are_refused_for_not_beginning_with_5(code):
    assert english_error(code) == (
        "authority",
        [
            "A social organization's credit code begins with 5 (registered by civil "
            f"affairs); this one begins with {code[0]}."
        ],
    )


@pytest.mark.parametrize(
    "entered",
    [
        pytest.param(full_width("51100000500002862F"), id="full-width"),
        pytest.param(full_width("51100000500002862f"), id="full-width-lower-case"),
        pytest.param("51100000500002862f", id="lower-case"),
        pytest.param(" 5110 0000 5000 0286 2F ", id="spaces"),
        pytest.param("51100000-500002862-F", id="hyphens"),
        pytest.param("51100000\u3000500002862F", id="ideographic-space"),
    ],
)
def test_input_is_normalized_to_the_canonical_code(entered):
    assert entered != "51100000500002862F"
    assert creditcode.validate(entered, OrgType.SOCIAL_GROUP) == "51100000500002862F"


def test_a_type_digit_other_than_the_type_is_refused():
    assert english_error("51100000500002862F", OrgType.FOUNDATION) == (
        "type",
        ["The second character 1 does not agree with the organization type (expected 3)."],
    )


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (
            "5110000050000286",
            "length",
            "A unified social credit code has 18 characters; this one has 16.",
        ),
        (
            "51120101IJ0000018X",
            "format",
            "Character I may not appear in a credit code (I, O, S, V and Z are never used).",
        ),
        (
            "5112A101MJ0000018X",
            "format",
            "The first 8 characters of a credit code must be digits.",
        ),
    ],
)
def test_malformed_codes_say_what_is_wrong(raw, code, message):
    assert english_error(raw) == (code, [message])


def test_an_area_code_from_elsewhere_is_accepted_but_warned():
    assert creditcode.validate(AREA_ELSEWHERE, OrgType.SOCIAL_GROUP) == AREA_ELSEWHERE
    assert english_warnings(AREA_ELSEWHERE) == [
        "Area code 110000 is not this district's (120101): the organization was registered "
        "elsewhere."
    ]


def test_an_inner_organization_code_failure_is_accepted_but_warned():
    assert creditcode.validate(INNER_CHECK_FAILS, OrgType.SOCIAL_GROUP) == INNER_CHECK_FAILS
    assert english_warnings(INNER_CHECK_FAILS) == [
        "The organization code inside the credit code (positions 9-17) fails its GB 11714 "
        "check; please compare it with the certificate."
    ]


def test_a_code_of_this_district_has_no_warning():
    assert english_warnings(valid_code()) == []


# The admin form -------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, district_staff):
    return client_for(client, district_staff)


def add_organization(client, credit_code, org_type=OrgType.SOCIAL_GROUP):
    values = {**ORGANIZATION_FORM, "credit_code": credit_code, "org_type": org_type}
    return post_add(client, Organization, values)


def page_error(raw, org_type=None):
    def message():
        with pytest.raises(ValidationError) as caught:
            creditcode.validate(raw, org_type)
        return caught.value.messages[0]

    return on_page(message)


@pytest.mark.parametrize(
    ("raw", "org_type"),
    [
        *[pytest.param(code, "1", id=f"checksum-{code}") for code in GLOSSARY_BAD_CHECKSUM],
        *[pytest.param(code, "1", id=f"stdnum-{code}") for code in STDNUM_VALID],
        pytest.param("51100000500002862F", OrgType.FOUNDATION, id="type"),
        pytest.param("5110000050000286", "1", id="length"),
        pytest.param("51100000500002862F1", "1", id="too-long"),
    ],
)
def test_admin_form_refuses_a_wrong_code_with_its_message(staff_client, raw, org_type):
    response = add_organization(staff_client, raw, org_type)
    assert response.status_code == 200
    assert page_error(raw, org_type) in response.content.decode()
    assert "credit_code" in response.context["adminform"].form.errors
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    "entered",
    [
        pytest.param(full_width("52110000MJ0166456X"), id="full-width"),
        pytest.param("52110000mj0166456x", id="lower-case"),
        pytest.param("5211 0000 MJ01 6645 6X", id="spaces"),
        pytest.param("52110000-MJ0166456-X", id="hyphens"),
    ],
)
def test_admin_form_stores_the_canonical_code(staff_client, entered):
    response = add_organization(staff_client, entered, OrgType.PRIVATE_NON_ENTERPRISE)
    assert response.status_code == 302, form_errors(response)
    assert Organization.objects.get().credit_code == "52110000MJ0166456X"


@pytest.mark.parametrize(
    "code",
    [pytest.param(AREA_ELSEWHERE, id="area"), pytest.param(INNER_CHECK_FAILS, id="inner-check")],
)
def test_admin_saves_a_suspicious_code_and_warns(staff_client, code):
    with translation.override("zh-hans"):
        expected = creditcode.warnings(code, "120101")
    assert len(expected) == 1

    response = add_organization(staff_client, code)
    assert response.status_code == 302, form_errors(response)
    organization = Organization.objects.get()
    assert organization.credit_code == code
    assert warnings_of(response) == expected

    change = staff_client.get(admin_url(Organization, "change", organization.pk))
    assert on_page(expected[0]) in change.content.decode()


def test_admin_shows_no_warning_for_a_code_of_this_district(staff_client):
    code = valid_code()
    response = add_organization(staff_client, code)
    assert response.status_code == 302, form_errors(response)
    assert warnings_of(response) == []
