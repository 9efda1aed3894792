"""Money: one field shape and one rounding rule (ROUND_HALF_UP to the currency's minor unit)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

MONEY_DIGITS = 18
MONEY_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class Currency(models.TextChoices):
    RUB = "RUB", "RUB"
    USD = "USD", "USD"
    KZT = "KZT", "KZT"


def round_money(value: Decimal) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def MoneyField(verbose_name=None, **kwargs):  # noqa: N802 - reads like a field class
    kwargs.setdefault("max_digits", MONEY_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_PLACES)
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, **kwargs)
