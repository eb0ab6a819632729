"""The UAI (unité administrative immatriculée) of a school: 7 digits + 1 check letter.

The check letter is the 7-digit number modulo 23, read in an alphabet without
I, O and Q (for example 0750655E: 750655 mod 23 = 4, the fifth letter, E).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UAI_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_PATTERN = re.compile(r"^[0-9]{7}[A-Z]$")


def uai_check_letter(digits: str) -> str:
    return UAI_CHECK_LETTERS[int(digits) % len(UAI_CHECK_LETTERS)]


def validate_uai(value: str) -> None:
    if not UAI_PATTERN.match(value):
        raise ValidationError(
            _(
                "A UAI is 7 digits followed by a capital letter "
                "(for example 0750655E); “%(value)s” is not."
            ),
            code="uai_format",
            params={"value": value},
        )
    expected = uai_check_letter(value[:7])
    if value[7] != expected:
        raise ValidationError(
            _(
                "The check letter of UAI “%(value)s” is wrong: "
                "with these digits it should be %(expected)s."
            ),
            code="uai_check_letter",
            params={"value": value, "expected": expected},
        )
