"""Finance's switch at the top of the screen: the reseller rebates or the referral program.

``?switch=`` turns it for the rest of the session; a referral partner starts on the referral program. The
pages of one program — accruals ("Bonus" in the referral program), the balance with its withdrawals
("Payments") — show the chosen program only, so the two balances are never mixed.
"""

from __future__ import annotations

from functools import partial

from referral.selectors import may_create_links

from .models import Pool, Program

RESELLER, REFERRAL = "reseller", "referral"
KEY = "finance_program"
POOL = {RESELLER: Pool.REBATES, REFERRAL: Pool.REFERRAL}


def chosen(request) -> str:
    asked = request.GET.get("switch")
    if asked in POOL:
        if request.session.get(KEY) != asked:
            request.session[KEY] = asked
        return asked
    stored = request.session.get(KEY)
    if stored in POOL:
        return stored
    partner = request.partner
    return REFERRAL if partner is not None and partner.partner_type == partner.Type.REFERRAL else RESELLER


def accruals_of(program: str, accruals):
    """The accruals of the chosen program: the referral commission, or every reseller program."""
    if program == REFERRAL:
        return accruals.filter(program=Program.REFERRAL)
    return accruals.exclude(program=Program.REFERRAL)


def switch_context(request) -> dict:
    """Context processor: the chosen program, for Finance's switch and tabs."""
    match = request.resolver_match
    if match is None or match.app_name != "finance" or getattr(request, "partner", None) is None:
        return {}

    # called only where a template shows the switch: a partner in the referral program, or any partner while
    # it is open to new ones
    return {"finance_program": chosen(request), "finance_switch": partial(may_create_links, request.partner)}
