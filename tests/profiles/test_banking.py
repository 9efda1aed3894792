"""The payout details' rules (profiles.banking) on real Russian banks and the Bank of Russia's examples."""

import pytest
from django.core.exceptions import ValidationError

from profiles.banking import validate_payout_details

SBERBANK = {"bic": "044525225", "account_number": "40702810200000012345", "correspondent_account": ""}


def check(country="RU", **values):
    return validate_payout_details(country=country, **{**SBERBANK, **values})


def errors_of(country="RU", **values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        check(country, **values)
    return raised.value.message_dict


@pytest.mark.parametrize(
    ("bic", "account_number", "correspondent_account"),
    [
        ("044525225", "40702810200000012345", "30101810400000000225"),  # Sberbank
        ("044525187", "40702810700000099999", "30101810700000000187"),  # VTB
        ("044525593", "40702810800000000001", "30101810200000000593"),  # Alfa-Bank
        ("049805746", "40702810500000000002", "30101810800000000746"),  # Instruction 515, example 1
        ("049805000", "40102810100000010001", ""),  # Instruction 515, example 2: an account at the RKC
    ],
)
def test_russian_details_whose_keys_match_the_bic_pass(bic, account_number, correspondent_account):
    values = {"bic": bic, "account_number": account_number, "correspondent_account": correspondent_account}
    assert check(**values) == values


def test_spaces_are_removed_before_checking_and_the_compact_values_returned():
    spaced = check(
        bic=" 044 525 225 ",
        account_number="40702 810 2 0000 0012345",
        correspondent_account="30101\u00a0810\u00a04\u00a000000000225",  # non-breaking spaces, as pasted
    )
    assert spaced == {**SBERBANK, "correspondent_account": "30101810400000000225"}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"account_number": "40702810900000012345"}, "account_number", "The account number's control key"),
        ({"bic": "044525187"}, "account_number", "The account number's control key does not match the BIC"),
        ({"account_number": "4070281020000001234"}, "account_number", "is 20 digits."),
        ({"bic": "04452522"}, "bic", "A Russian bank's BIC is 9 digits starting with 04."),
        ({"bic": "054525225"}, "bic", "A Russian bank's BIC is 9 digits starting with 04."),
        ({"bic": "SABRRUMM"}, "bic", "A Russian bank's BIC is 9 digits starting with 04."),
        ({"correspondent_account": "40101810400000000225"}, "correspondent_account", "starting with 30101."),
        ({"correspondent_account": "30101810700000000187"}, "correspondent_account", "it is another bank's."),
        (
            {"correspondent_account": "30101810500000000225"},
            "correspondent_account",
            "The correspondent account's control key does not match the BIC",
        ),
    ],
    ids=[
        "key-typo",
        "account-of-another-bank",
        "19-digits",
        "bic-8-digits",
        "bic-not-04",
        "swift-bic-for-a-russian-partner",
        "correspondent-not-30101",
        "correspondent-of-another-bank",
        "correspondent-key-typo",
    ],
)
def test_russian_details_are_refused_on_the_field_that_is_wrong(values, field, message):
    errors = errors_of(**values)
    assert list(errors) == [field] and message in errors[field][0]


def test_an_account_is_not_keyed_against_a_bic_that_is_itself_wrong():
    assert errors_of(bic="0445252", account_number="40702810900000012345") == {
        "bic": ["A Russian bank's BIC is 9 digits starting with 04."]
    }


def test_a_digit_bic_means_a_russian_bank_whatever_the_partner_s_country():
    assert list(errors_of(country="KZ", account_number="40702810900000012345")) == ["account_number"]
    assert check(country="KZ") == SBERBANK


HALYK = {"bic": "HSBKKZKX", "account_number": "KZ496010000000012345", "correspondent_account": ""}


@pytest.mark.parametrize(
    "values",
    [
        HALYK,
        {**HALYK, "bic": "hsbk kz kx", "account_number": "kz49 6010 0000 0001 2345"},
        {"bic": "CHASUS33XXX", "account_number": "000123456789", "correspondent_account": "021000021"},
    ],
    ids=["iban", "iban-lowercase-spaced", "account-without-iban"],
)
def test_international_details_with_a_swift_bic_pass_compact_and_upper_case(values):
    assert check(country="KZ", **values) == {
        name: value.replace(" ", "").upper() for name, value in values.items()
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"bic": "HSBKKZ"}, "bic", "Enter the bank's SWIFT BIC, 8 or 11 letters and digits"),
        ({"bic": "HSBKXXKX"}, "bic", "Enter the bank's SWIFT BIC"),  # XX is no country
        ({"account_number": "KZ486010000000012345"}, "account_number", "This IBAN fails its check digits"),
        ({"account_number": "1234"}, "account_number", "An account number is 5 to 34 letters and digits."),
        ({"account_number": "000-123-456"}, "account_number", "5 to 34 letters and digits."),
        ({"correspondent_account": "12/34"}, "correspondent_account", "5 to 34 letters and digits."),
    ],
)
def test_international_details_are_refused_on_the_field_that_is_wrong(values, field, message):
    errors = errors_of(country="KZ", **{**HALYK, **values})
    assert list(errors) == [field] and message in errors[field][0]
