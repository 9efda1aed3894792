"""The monthly PDF statement: the bonuses page's figures for one month, rendered by WeasyPrint."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from portal import replica
from portal.periods import MonthRange

from . import selectors


def statement_pdf(*, partner, month: datetime.date) -> bytes:
    """Customer × paid consumption × bonus of ``month`` (the same selector as the page) and the balances."""
    import weasyprint  # here: it takes a good half second to import, and only this needs it

    using = replica.read_alias()
    grid = selectors.customer_months(months=MonthRange(month, month), partner_id=partner.pk, using=using)
    html = render_to_string(
        "finance/statement.html",
        {
            "partner": partner,
            "month": month,
            "grid": grid,
            "balances": selectors.balances(partner=partner, using=using),
            "generated": timezone.now(),
        },
    )
    return weasyprint.HTML(string=html).write_pdf()
