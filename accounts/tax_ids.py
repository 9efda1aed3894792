"""Tax id rules per country: python-stdnum where it has the country, our own where it has not yet."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as ru_inn
from stdnum.util import clean

GENERIC = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,19}$")


def kz_check_digit(first_eleven: str) -> int | None:
    """The 12th digit of a Kazakhstan BIN/IIN, or None where no number with these 11 digits is valid."""
    digits = [int(d) for d in first_eleven]
    check = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], strict=True)) % 11
    return None if check == 10 else check


def kz_bin_iin_validate(number: str) -> str:
    """Kazakhstan's BIN (legal entities) and IIN (individuals): 12 digits, mod-11 check digit with the
    second weight set when the first gives 10 (python-stdnum has no Kazakhstan module yet)."""
    number = clean(number, " -")
    if not number.isdigit() or len(number) != 12:
        raise ValidationError(_("A Kazakhstan BIN or IIN has 12 digits."), code="kz_length")
    check = kz_check_digit(number[:11])
    if check is None or check != int(number[11]):
        raise ValidationError(
            _("This BIN or IIN fails its check digit; please check for a typo."), code="kz_check"
        )
    return number


def ru_inn_validate(number: str) -> str:
    number = ru_inn.compact(number)
    if not number.isdigit() or len(number) not in (10, 12):
        raise ValidationError(
            _("A Russian INN has 10 digits (organisation) or 12 digits (individual)."), code="ru_length"
        )
    try:
        return ru_inn.validate(number)
    except StdnumError:
        raise ValidationError(
            _("This INN fails its check digits; please check for a typo."), code="ru_check"
        ) from None


def validate_tax_id(country: str, number: str) -> str:
    """The tax id in its compact form, or a ValidationError a user can act on."""
    if country == "RU":
        return ru_inn_validate(number)
    if country == "KZ":
        return kz_bin_iin_validate(number)
    number = clean(number, " ").upper()
    if not GENERIC.match(number):
        raise ValidationError(
            _("Use 4 to 20 letters, digits or dashes, as on the company's registration."), code="generic"
        )
    return number
