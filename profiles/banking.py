"""Payout details: the BIC and accounts a withdrawal is paid to, checked before they are kept.

Which rules apply: the Russian ones when the partner is in Russia, or when the BIC is all digits (only a
Russian domestic BIC is; whoever types one means a Russian bank); else the international ones. Spaces
(including non-breaking ones pasted from a bank's letter) are removed first and the compact values are
what is stored.

Russian bank (Bank of Russia: BIC directory, Regulation 809-P; control key, Instruction No. 515 of
8 September 1997 "On the calculation of the control key in the account number"):

- BIC: 9 digits starting with "04" (the Russian Federation); digits 5–6 number the Bank of Russia unit,
  digits 7–9 the credit institution within it (050–999; 000–049 are the Bank of Russia's own units).
- Settlement account: 20 digits whose 9th digit is the control key. Put the three-digit conditional number
  before the 20 digits — the BIC's last three digits for an account at a credit institution, "0" and the
  BIC's 5th–6th digits for an account at a Bank of Russia unit (an RKC) — multiply the 23 digits by the
  weights 7, 1, 3, 7, 1, 3, …: the sum is a multiple of 10.
- Correspondent account (optional): 20 digits starting with "30101" and ending in the BIC's last three
  digits; it is held at the Bank of Russia, so its key is computed as an RKC account's: "0" and the BIC's
  5th–6th digits before the 20 digits.

Checked against both examples of Instruction 515 (correspondent account 30101810800000000746 of the bank
049805746 at the RKC 049805000; account 40102810100000010001 at that RKC) and real correspondent accounts
(Sberbank 044525225 / 30101810400000000225, VTB 044525187 / 30101810700000000187, Alfa-Bank 044525593 /
30101810200000000593).

Elsewhere: a SWIFT BIC (ISO 9362: 8 or 11 letters and digits with a real country code); the account is an
IBAN, checked by its mod-97 digits, when it begins like one (two letters, two digits), else 5–34 letters
and digits; the correspondent account, when given, 5–34 letters and digits.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic as swift_bic
from stdnum import iban

RU_BIC = re.compile(r"^04\d{7}$")
RU_ACCOUNT = re.compile(r"^\d{20}$")
IBAN_START = re.compile(r"^[A-Z]{2}\d{2}")
OTHER_ACCOUNT = re.compile(r"^[A-Z0-9]{5,34}$")
KEY_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 23 digits: the conditional number, then the account
FIRST_CREDIT_INSTITUTION = 50  # BIC digits 7–9 below 050 are Bank of Russia units


def compact(value: str) -> str:
    """Without any whitespace, as the checks read it and the model keeps it."""
    return "".join((value or "").split())


def control_key_ok(conditional_number: str, account: str) -> bool:
    """Instruction 515: the weighted sum of the conditional number and the account ends in 0."""
    digits = conditional_number + account
    return sum(int(d) * w for d, w in zip(digits, KEY_WEIGHTS, strict=True)) % 10 == 0


def rkc_number(bic: str) -> str:
    """The conditional number of the Bank of Russia unit: "0" and the BIC's 5th–6th digits."""
    return "0" + bic[4:6]


def account_number_owner(bic: str) -> str:
    """The conditional number an account at this BIC is keyed with: the bank's, or the RKC's for an RKC."""
    return rkc_number(bic) if int(bic[6:]) < FIRST_CREDIT_INSTITUTION else bic[6:]


def is_russian(*, country: str, bic: str) -> bool:
    return country == "RU" or compact(bic).isdigit()


def validate_payout_details(
    *, country: str, bic: str, account_number: str, correspondent_account: str
) -> dict[str, str]:
    """The three values compact, or a ValidationError naming each field that is wrong. ``country`` is the
    partner's ("" when not known yet). Empty values are left to the fields' own ``required``."""
    values = {
        "bic": compact(bic),
        "account_number": compact(account_number),
        "correspondent_account": compact(correspondent_account),
    }
    if is_russian(country=country, bic=values["bic"]):
        errors = _russian_errors(**values)
    else:
        values = {name: value.upper() for name, value in values.items()}
        errors = _international_errors(**values)
    if errors:
        raise ValidationError(errors)
    return values


def _russian_errors(*, bic: str, account_number: str, correspondent_account: str) -> dict[str, str]:
    errors = {}
    bic_ok = bool(RU_BIC.match(bic))
    if bic and not bic_ok:
        errors["bic"] = _("A Russian bank's BIC is 9 digits starting with 04.")
    if account_number and not RU_ACCOUNT.match(account_number):
        errors["account_number"] = _("A Russian bank account number is 20 digits.")
    elif account_number and bic_ok and not control_key_ok(account_number_owner(bic), account_number):
        errors["account_number"] = _(
            "The account number's control key does not match the BIC: please check both for a typo."
        )
    if not correspondent_account:
        return errors
    if not (RU_ACCOUNT.match(correspondent_account) and correspondent_account.startswith("30101")):
        errors["correspondent_account"] = _("A correspondent account is 20 digits starting with 30101.")
    elif bic_ok and not correspondent_account.endswith(bic[6:]):
        errors["correspondent_account"] = _(
            "The correspondent account does not end in the BIC's last three digits: it is another bank's."
        )
    elif bic_ok and not control_key_ok(rkc_number(bic), correspondent_account):
        errors["correspondent_account"] = _(
            "The correspondent account's control key does not match the BIC: please check both for a typo."
        )
    return errors


def _international_errors(*, bic: str, account_number: str, correspondent_account: str) -> dict[str, str]:
    errors = {}
    if bic and not swift_bic.is_valid(bic):
        errors["bic"] = _(
            "Enter the bank's SWIFT BIC, 8 or 11 letters and digits (a Russian bank's BIC is 9 digits)."
        )
    if account_number and IBAN_START.match(account_number):
        if not iban.is_valid(account_number):
            errors["account_number"] = _("This IBAN fails its check digits: please check it for a typo.")
    elif account_number and not OTHER_ACCOUNT.match(account_number):
        errors["account_number"] = _("An account number is 5 to 34 letters and digits.")
    if correspondent_account and not OTHER_ACCOUNT.match(correspondent_account):
        errors["correspondent_account"] = _("A correspondent account is 5 to 34 letters and digits.")
    return errors
