"""Rules of money 5 on the demo data: page, CSV and PDF carry the same figures, to the cent."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from access.models import Membership
from finance.models import Accrual, Report
from portal.money import plain, round_money
from portal.permissions import Role
from profiles.models import Partner


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.django_db
def test_page_csv_and_pdf_agree_to_the_cent_on_the_demo_data(
    client, celery_eager, django_capture_on_commit_callbacks
):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    partner = Partner.objects.get(name="Alpha Cloud Integrator")
    admin = Membership.objects.filter(partner=partner, role=Role.ADMINISTRATOR).first()
    client.force_login(admin.user)
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    period = {"period": "custom", "start": f"{month:%Y-%m}", "finish": f"{month:%Y-%m}"}

    # bonuses by month: the page's table, its CSV and the PDF statement
    grid = client.get(reverse("finance:bonuses"), period).context["grid"]
    assert grid.rows, "the demo has paying customers last month"
    # the CSV keeps billing's precision (machine-readable); the page and the PDF show it rounded once
    page_rows = [[name, currency, plain(paid), plain(bonus)] for name, currency, [(paid, bonus)] in grid.rows]
    page_rows += [["Total", currency, plain(paid), plain(bonus)] for currency, [(paid, bonus)] in grid.totals]
    assert csv_of(client.get(reverse("finance:bonuses"), {**period, "export": "csv"}))[1:] == page_rows
    page_rows = [
        [name, currency, *(f"{round_money(Decimal(v)):,.2f}" for v in figures)]  # grouped, as the pages
        for name, currency, *figures in page_rows
    ]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:statement_request") + f"?month={month:%Y-%m}")
    report = Report.objects.get(partner=partner, kind=Report.Kind.STATEMENT)
    pdf = b"".join(client.get(reverse("finance:report", args=[report.pk])).streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for name, _currency, paid, bonus in page_rows:
        assert name in text and paid in text and bonus in text, (name, paid, bonus)

    # subaccount details against the detailed commission report of the same days: cost and reward
    first, last = month, (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    days = {"period": "custom", "start": first.isoformat(), "finish": last.isoformat()}
    totals = {t["currency"]: t for t in client.get(reverse("finance:usage"), days).context["details"].totals}
    usage_csv = csv_of(client.get(reverse("finance:usage"), {**days, "export": "csv"}))
    for line in usage_csv:
        if line[0] == "Total":
            assert line[4:] == [
                plain(totals[line[3]][c])
                for c in ("consumption", "discount", "client_pays", "reward", "adjustment", "partner_pays")
            ]
    commission = csv_of(
        client.get(reverse("finance:commission"), {"start": first, "finish": last, "export": "csv"})
    )
    header, rows = commission[0], commission[1:]
    # the report's rows carry the reward unrounded: each subaccount's month of them rounds to what was
    # accrued (partner bonus + deal extra), and so does the page's total
    cost: dict[str, Decimal] = {}
    reward: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        cost[cells["currency"]] = cost.get(cells["currency"], Decimal(0)) + Decimal(cells["cost"])
        key = (cells["currency"], cells["billing_account_id"])
        reward[key] = reward.get(key, Decimal(0)) + Decimal(cells["reward"])
    rounded: dict[str, Decimal] = {}
    for (currency, _account), amount in reward.items():
        rounded[currency] = rounded.get(currency, Decimal(0)) + round_money(amount)
    assert cost == {c: t["consumption"] for c, t in totals.items()}
    assert rounded == {c: t["reward"] for c, t in totals.items()}
    accrued = (
        Accrual.objects.filter(partner=partner, period=month, program__in=["partner_bonus", "deal_extra"])
        .values_list("currency")
        .annotate(total=Sum("amount"))
    )
    assert dict(accrued) == {c: t["reward"] for c, t in totals.items() if t["reward"]}
