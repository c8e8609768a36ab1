"""Unified social credit codes (统一社会信用代码, GB 32100-2015) of social organizations.

Input is normalized before validation: full-width characters become half-width (NFKC),
letters are upper-cased and spaces or hyphens dropped, because clerks paste codes from
PDFs and Word documents. Anything still wrong is rejected with a message that says
which part is wrong. The check character is verified by python-stdnum's ``cn.uscc``.

Two findings are only warnings, never errors: a failing inner organization-code check
(GB 11714, positions 9-17; many legacy codes fail it) and an area code outside the
district (organizations move in and keep their code).
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

# Position 1 for organizations registered by civil affairs (民政).
CIVIL_AFFAIRS = "5"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize(raw):
    """Half-width, upper-case, without spaces or hyphens."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if ch not in " -\u3000\t\r\n").upper()
    # Dropping a space can leave a combining mark next to a letter ("A´" becomes "A" and
    # U+0301), and upper-casing can change a character, so normalize once more: the result
    # is stable, and normalizing a stored code again gives the same code.
    return unicodedata.normalize("NFKC", text)


def organization_code_check(body):
    """GB 11714 check character for the 8-character organization-code body."""
    total = 0
    for ch, weight in zip(body, ORG_CODE_WEIGHTS, strict=True):
        value = int(ch) if ch.isdigit() else ord(ch) - 55
        total += value * weight
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check(first17):
    return uscc.calc_check_digit(first17)


def validate(raw, org_type=None):
    """Return the normalized code or raise ValidationError with a Chinese message."""
    code = normalize(raw)
    try:
        uscc.validate(code)
    except InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(code)},
            code="length",
        ) from exc
    except InvalidFormat as exc:
        bad = [ch for ch in code[8:] if ch not in ALPHABET]
        if bad:
            message = _(
                "Character %(ch)s may not appear in a credit code (I, O, S, V and Z are "
                "never used)."
            ) % {"ch": bad[0]}
        else:
            message = _("The first 8 characters of a credit code must be digits.")
        raise ValidationError(message, code="format") from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The check character (position 18) does not match: this code has a typing error."),
            code="checksum",
        ) from exc
    if code[0] != CIVIL_AFFAIRS:
        raise ValidationError(
            _(
                "A social organization's credit code begins with 5 (registered by civil "
                "affairs); this one begins with %(ch)s."
            )
            % {"ch": code[0]},
            code="authority",
        )
    if org_type and code[1] != org_type:
        raise ValidationError(
            _(
                "The second character %(ch)s does not agree with the organization type "
                "(expected %(expected)s)."
            )
            % {"ch": code[1], "expected": org_type},
            code="type",
        )
    return code


def warnings(code, district_area_code):
    """Findings on a valid code that staff should see but that do not block saving."""
    found = []
    if len(code) != 18:
        return found
    body, check = code[8:16], code[16]
    if all(ch in ALPHABET for ch in body) and organization_code_check(body) != check:
        found.append(
            _(
                "The organization code inside the credit code (positions 9-17) fails its "
                "GB 11714 check; please compare it with the certificate."
            )
        )
    if district_area_code and code[2:8] != district_area_code:
        found.append(
            _(
                "Area code %(area)s is not this district's (%(district)s): the organization "
                "was registered elsewhere."
            )
            % {"area": code[2:8], "district": district_area_code}
        )
    return found


def make(org_type, area, body):
    """Build a valid code from its parts (used by demo data and tests)."""
    first17 = CIVIL_AFFAIRS + org_type + area + body + organization_code_check(body)
    return first17 + uscc_check(first17)
