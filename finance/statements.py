"""The monthly PDF statement: the bonuses page's figures for one month, rendered by WeasyPrint."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from access.models import Membership
from portal import replica
from portal.periods import MonthRange

from . import selectors


def statement_pdf(*, partner, month: datetime.date) -> bytes:
    """Customer × paid consumption × bonus of ``month`` (the same selector as the page) and the balances."""
    import weasyprint  # here: it takes a good half second to import, and only this needs it

    using = replica.read_alias()
    whole = Membership.whole_partner(partner)  # a statement is the partner's as a whole
    grid = selectors.customer_months(months=MonthRange(month, month), membership=whole, using=using)
    html = render_to_string(
        "finance/statement.html",
        {
            "partner": partner,
            "month": month,
            "grid": grid,
            "balances": selectors.balances(membership=whole, using=using),
            "generated": timezone.now(),
        },
    )
    return weasyprint.HTML(string=html).write_pdf()
