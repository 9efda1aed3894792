"""Money: one field shape and one rounding rule (ROUND_HALF_UP to the currency's minor unit)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.formats import number_format

MONEY_DIGITS = 18
MONEY_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class Currency(models.TextChoices):
    RUB = "RUB", "RUB"
    USD = "USD", "USD"
    KZT = "KZT", "KZT"


# the currency codes as an SQL list, for the queries that check or enumerate them (constants of the enum)
CURRENCY_SQL = ", ".join(f"'{code}'" for code in Currency.values)


def round_money(value: Decimal) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# billing's own precision: consumption keeps it, and only an amount that is stored as money is rounded
BILLING_DIGITS = 26
BILLING_PLACES = 10


def BillingAmountField(verbose_name=None, **kwargs):  # noqa: N802 - reads like a field class
    """An amount as billing gives it (more than two decimals; credits negative): never rounded on import."""
    kwargs.setdefault("max_digits", BILLING_DIGITS)
    kwargs.setdefault("decimal_places", BILLING_PLACES)
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, **kwargs)


def MoneyField(verbose_name=None, **kwargs):  # noqa: N802 - reads like a field class
    kwargs.setdefault("max_digits", MONEY_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_PLACES)
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, **kwargs)


def amount_text(amount: Decimal, currency: str, places: int = 2) -> str:
    """An amount in a sentence, grouped as the cards and tables show it, in the active language:
    15,000.00 RUB (15 000,00 RUB in Russian); ``places=0`` for a round threshold (30,000 RUB)."""
    return f"{number_format(round_money(amount), places, force_grouping=True)} {currency}"


def percent(rate: Decimal | None) -> str:
    """A rate (0.1500) as a person reads it, in the active language: 15.00% (15,00% in Russian)."""
    if rate is None or rate == "":
        return "—"
    return f"{number_format(Decimal(rate) * 100, 2)}%"


def plain(value: Decimal) -> str:
    """An amount as machine-readable text: a dot, at least two decimals, and every further decimal it has
    (billing's precision, an unrounded reward) without trailing zeros — never a float's repr or ``0E-10``."""
    text = format(value, "f")
    if "." not in text:
        return text + ".00"
    whole, fraction = text.split(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction.ljust(2, '0')}"
