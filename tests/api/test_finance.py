"""Finance through the API: the figures are the pages' to the kopeck, a withdrawal goes through the page's
service (its lock, rules and audit trail) once per Idempotency-Key, a restricted member sees only their
customers and none of the partner-wide money, and a commission report downloads as the file it was made."""

import csv
import datetime
import io
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from guardian.shortcuts import assign_perm

from access.models import AuditEvent
from api.models import IdempotencyKey
from finance import services
from finance.models import Accrual, LedgerEntry, Pool, Program, Report, Withdrawal
from finance.services import monthly_consumption_rebuild
from portal.permissions import ROLE_RIGHTS, Right, Role
from tests.api.conftest import ApiClient
from tests.factories import (
    AccountFactory,
    AccrualFactory,
    ConsumptionFactory,
    MembershipFactory,
    PartnerFactory,
    PayoutDetailsFactory,
    RebateTermFactory,
    SubaccountFactory,
    accrue,
)

pytestmark = pytest.mark.django_db
D = Decimal


def restricted_to(member, *accounts):
    """A Viewer with personal data (finance.view) who sees only ``accounts``."""
    membership = member(Role.VIEWER_PD, restricted=True)
    for account in accounts:
        assign_perm("accounts.access_account", membership.user, account)
    return membership


# Balances -----------------------------------------------------------------------------------------------


def test_balances_are_the_ledger_sums_per_pool_and_currency_as_strings(
    partner, other_partner, member, api_for
):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.50", Program.PROJECT_REBATE, source="a")
    accrue(partner, "600.00", Program.REFERRAL, source="b")
    accrue(partner, "70.25", Program.PARTNER_BONUS, source="c")
    sub = SubaccountFactory(account__partner=partner, partner=partner)
    services.accrual_record(
        partner_id=partner.pk,
        subaccount_id=sub.pk,
        period=datetime.date(2026, 1, 1),
        program=Program.PROJECT_REBATE,
        source="kzt",
        basis=D("15000.00"),
        rate=D("0.1500"),
        currency="KZT",
    )
    services.withdrawal_request(
        partner=partner,
        pool=Pool.REBATES,
        amount=D("250.10"),
        currency="RUB",
        destination=Withdrawal.Destination.BANK,
        requested_by=None,
    )
    accrue(other_partner, "99999.00", Program.PROJECT_REBATE, source="theirs")

    shown = api_for(member(Role.VIEWER_PD)).get("/api/v1/balances/")
    assert shown.status_code == 200, shown.content

    ledger = defaultdict(Decimal)  # the ledger summed here, row by row
    for pool, currency, amount in LedgerEntry.objects.filter(partner=partner).values_list(
        "pool", "currency", "amount"
    ):
        ledger[(pool, currency)] += amount
    assert {(b["pool"], b["currency"]): b["amount"] for b in shown.json()} == {
        key: f"{amount:.2f}" for key, amount in ledger.items()
    }
    assert {(b["pool"], b["currency"]): b["amount"] for b in shown.json()} == {
        ("bonus", "RUB"): "70.25",
        ("rebates", "KZT"): "2250.00",
        ("rebates", "RUB"): "750.40",
        ("referral", "RUB"): "600.00",
    }
    assert {b["pool"]: b["withdrawable"] for b in shown.json()} == {
        "bonus": False,
        "rebates": True,
        "referral": True,
    }


def test_partner_wide_money_is_refused_to_a_member_restricted_to_some_customers(partner, member, api_for):
    mine = AccountFactory(partner=partner)
    client = api_for(restricted_to(member, mine))
    for path in ("/api/v1/balances/", "/api/v1/withdrawals/"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused["Content-Type"] == "application/problem+json"


def test_a_token_without_the_finance_scope_reads_no_money(member, api_for):
    client = api_for(member(), scopes={"accounts": "write"})
    assert client.get("/api/v1/balances/").status_code == 403
    read_only = api_for(member(), scopes={"finance": "read"})
    assert read_only.get("/api/v1/balances/").status_code == 200
    assert read_only.post("/api/v1/commission-reports/", {}).status_code == 403


# Accruals -----------------------------------------------------------------------------------------------


def test_accruals_as_they_stand_filtered_ordered_and_walked_by_cursor(
    partner, other_partner, member, api_for
):
    sub = SubaccountFactory(account__partner=partner, partner=partner, name="Gamma prod")
    original = AccrualFactory(subaccount=sub, period=datetime.date(2026, 3, 1), amount=D("150.00"))
    Accrual.objects.create(  # a re-run found 10.01 less
        partner=partner,
        subaccount=sub,
        period=original.period,
        program=original.program,
        source=original.source,
        basis=D("-66.73"),
        rate=original.rate,
        amount=D("-10.01"),
        currency="RUB",
        corrects=original,
        reason="data",
    )
    for month in (1, 2):
        AccrualFactory(subaccount=sub, period=datetime.date(2026, month, 1), program=Program.PARTNER_BONUS)
    AccrualFactory(subaccount__account__partner=other_partner, subaccount__partner=other_partner)
    client = api_for(member())

    seen, url = [], "/api/v1/accruals/?page_size=1"
    while url:
        page = client.get(url).json()
        seen += page["results"]
        url = page["next"]
    assert [a["period"] for a in seen] == ["2026-03-01", "2026-02-01", "2026-01-01"]  # the page's order
    march = seen[0]
    assert (march["amount"], march["basis"], march["corrected"]) == ("139.99", "933.27", True)
    assert march["subaccount_name"] == "Gamma prod" and march["rate"] == "0.1500"

    bonus = client.get("/api/v1/accruals/?program=partner_bonus&ordering=period").json()["results"]
    assert [a["period"] for a in bonus] == ["2026-01-01", "2026-02-01"]
    assert client.get("/api/v1/accruals/?program=nonsense").status_code == 400

    detail = client.get(f"/api/v1/accruals/{original.pk}/").json()
    assert [(c["amount"], c["reason"]) for c in detail["corrections"]] == [("-10.01", "data")]


def test_a_restricted_member_sees_only_their_customers_accruals(partner, member, api_for):
    mine, hidden = AccountFactory(partner=partner), AccountFactory(partner=partner)
    shown = AccrualFactory(subaccount__account=mine, subaccount__partner=partner)
    secret = AccrualFactory(subaccount__account=hidden, subaccount__partner=partner)
    client = api_for(restricted_to(member, mine))
    assert [a["id"] for a in client.get("/api/v1/accruals/").json()["results"]] == [shown.pk]
    assert client.get(f"/api/v1/accruals/{secret.pk}/").status_code == 404


# Withdrawals --------------------------------------------------------------------------------------------

REQUEST = {"pool": "rebates", "amount": "250.00", "currency": "RUB", "destination": "bank"}


def _money_rows(partner) -> tuple:
    return (
        Withdrawal.objects.filter(partner=partner).count(),
        LedgerEntry.objects.filter(partner=partner).count(),
        IdempotencyKey.objects.count(),
        AuditEvent.objects.filter(partner=partner).count(),
    )


def test_a_withdrawal_is_requested_once_per_idempotency_key(partner, member, token_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", Program.PROJECT_REBATE)
    _token, secret = token_for(member(Role.EDITOR_PD), name="ERP payouts")
    client = ApiClient(secret)

    missing = client.post("/api/v1/withdrawals/", REQUEST)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Withdrawal.objects.exists()

    first = client.post("/api/v1/withdrawals/", REQUEST, HTTP_IDEMPOTENCY_KEY="payout-2026-11")
    again = client.post("/api/v1/withdrawals/", REQUEST, HTTP_IDEMPOTENCY_KEY="payout-2026-11")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    body = first.json()
    assert (body["amount"], body["status"], body["destination"]) == ("250.00", "requested", "bank")
    assert body["payout_details"]["account_number"] == "40702810200000012345"
    withdrawal = Withdrawal.objects.get(partner=partner)
    assert withdrawal.amount == D("250.00") and withdrawal.request_key is not None
    balance = client.get("/api/v1/balances/").json()
    assert [(b["pool"], b["amount"]) for b in balance] == [("rebates", "750.00")]
    entry = AuditEvent.objects.get(partner=partner, action="withdrawal.request")
    assert entry.details["api_token"] == "ERP payouts"

    listed = client.get("/api/v1/withdrawals/").json()["results"]
    assert [w["id"] for w in listed] == [withdrawal.pk]
    assert client.get(f"/api/v1/withdrawals/{withdrawal.pk}/").json() == body

    # the service is idempotent by the key itself: past the day the answer is kept, still one withdrawal
    IdempotencyKey.objects.all().delete()
    late = client.post("/api/v1/withdrawals/", REQUEST, HTTP_IDEMPOTENCY_KEY="payout-2026-11")
    assert late.status_code == 201 and late.json()["id"] == withdrawal.pk
    assert Withdrawal.objects.filter(partner=partner).count() == 1

    other = client.post("/api/v1/withdrawals/", REQUEST, HTTP_IDEMPOTENCY_KEY="payout-2026-12")
    assert other.status_code == 201 and Withdrawal.objects.filter(partner=partner).count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": "1000.01"}, "amount", "At most 1,000.00 RUB is available."),
        ({"pool": "referral", "amount": "499.99"}, "amount", "pays out from 500.00 RUB"),
        ({"destination": "grant"}, "destination", "cannot be withdrawn that way"),
        ({"pool": "bonus"}, "pool", "cannot be withdrawn"),
        ({"amount": "0.00"}, "amount", "greater than or equal to 0.01"),
    ],
)
def test_a_refused_withdrawal_is_a_400_on_its_field_and_writes_nothing(
    partner, member, api_for, change, field, message
):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", Program.PROJECT_REBATE)
    accrue(partner, "1000.00", Program.REFERRAL, source="r")
    client = api_for(member())
    before = _money_rows(partner)
    refused = client.post("/api/v1/withdrawals/", {**REQUEST, **change}, HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 400, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    (error,) = refused.json()["errors"]
    assert error["field"] == field and message in error["detail"]
    assert _money_rows(partner) == before


def test_a_grant_goes_to_one_of_the_partners_own_active_billing_accounts(partner, member, api_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", Program.REFERRAL)
    own = SubaccountFactory(account__partner=partner, partner=partner, is_partner_own=True)
    customers = SubaccountFactory(account__partner=partner, partner=partner)
    client = api_for(member())
    grant = {**REQUEST, "pool": "referral", "amount": "600.00", "destination": "grant"}
    refused = client.post(
        "/api/v1/withdrawals/",
        {**grant, "billing_account": customers.billing_account_id},
        HTTP_IDEMPOTENCY_KEY="1",
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "billing_account"
    made = client.post(
        "/api/v1/withdrawals/", {**grant, "billing_account": own.billing_account_id}, HTTP_IDEMPOTENCY_KEY="2"
    )
    assert made.status_code == 201, made.content
    assert made.json()["payout_details"]["billing_account_id"] == own.billing_account_id


def test_payout_details_are_masked_for_a_role_without_personal_data(partner, member, api_for, monkeypatch):
    """A role that reads finance but not personal data (admins may add one): the bank details masked, as the
    profile page masks them."""
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", Program.PROJECT_REBATE)
    services.withdrawal_request(
        partner=partner,
        pool=Pool.REBATES,
        amount=D("100.00"),
        currency="RUB",
        destination=Withdrawal.Destination.BANK,
        requested_by=None,
    )
    monkeypatch.setitem(ROLE_RIGHTS, Role.VIEWER, ROLE_RIGHTS[Role.VIEWER] | {Right.FINANCE_VIEW})
    (masked,) = api_for(member(Role.VIEWER)).get("/api/v1/withdrawals/").json()["results"]
    assert masked["payout_details"] == {
        "bank_name": "Demo Bank",
        "bic": "0***",
        "account_number": "4***",
        "correspondent_account": "3***",
    }
    (shown,) = api_for(member(Role.VIEWER_PD)).get("/api/v1/withdrawals/").json()["results"]
    assert shown["payout_details"]["account_number"] == "40702810200000012345"


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_never_take_more_than_the_balance(token_for):
    partner = PartnerFactory()
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", Program.PROJECT_REBATE)
    membership = MembershipFactory(partner=partner, role=Role.ADMINISTRATOR)
    clients = [ApiClient(token_for(membership, name=f"ERP {n}")[1]) for n in range(6)]
    barrier = threading.Barrier(len(clients))
    answers = []

    def request_300(client, n):
        try:
            barrier.wait()
            answer = client.post(
                "/api/v1/withdrawals/", {**REQUEST, "amount": "300.00"}, HTTP_IDEMPOTENCY_KEY=f"race-{n}"
            )
            answers.append(answer.status_code)
        finally:
            connection.close()  # each thread had its own PostgreSQL connection

    threads = [threading.Thread(target=request_300, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] * 3 + [400] * 3  # 3 × 300 fit in 1000, a 4th would not
    assert Withdrawal.objects.filter(partner=partner).count() == 3
    rebates = sum(LedgerEntry.objects.filter(partner=partner).values_list("amount", flat=True), D("0"))
    assert rebates == D("100.00")


# Consumption (Subaccount details) ------------------------------------------------------------------------

OCTOBER = {"period": "custom", "start": "2026-10-01", "finish": "2026-10-31"}
COLUMNS = ("consumption", "discount", "client_pays", "reward", "adjustment", "partner_pays")


@pytest.fixture
def usage(partner):
    """Finance → Subaccount details' worked example at a 10% base bonus (figures computed by hand below)."""
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.1000"), valid_from=datetime.date(2026, 1, 1))
    customer = SubaccountFactory(account=AccountFactory(partner=partner), name="Gamma prod")
    own = SubaccountFactory(account=AccountFactory(partner=partner), name="Our lab", is_partner_own=True)
    row = {"subaccount": customer, "cloud_id": "c1", "cloud_name": "prod", "folder_id": "f1"}
    october = datetime.date(2026, 10, 1)
    # paid 1000.00 → reward 100.00; billing corrected it by −5.00
    ConsumptionFactory(
        **row, date=october.replace(day=3), cost=D("1000.05"), credit=D("-0.05"), adjustment=D("-5")
    )
    ConsumptionFactory(**row, date=october.replace(day=4), cost=D("10.00"), is_marketplace=True)  # no reward
    ConsumptionFactory(**row, date=october.replace(day=12), cost=D("20.00"), credit=D("-20.00"))  # a grant
    ConsumptionFactory(subaccount=own, date=october.replace(day=12), cost=D("50.00"))  # own use: no reward
    ConsumptionFactory(subaccount=customer, date=datetime.date(2026, 11, 1), cost=D("999"))  # outside
    monthly_consumption_rebuild(start=october, end=datetime.date(2026, 11, 30))  # as the import does
    return customer, own


def test_consumption_totals_and_rows_are_the_pages_to_the_kopeck(usage, member, api_for, client_for):
    admin = member()
    answer = api_for(admin).get("/api/v1/consumption/", {**OCTOBER, "view": "subaccount", "group": "month"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    (total,) = body["totals"]
    assert total == {
        "currency": "RUB",
        "consumption": "1080.05",  # 1000.05 + 10 + 20 + 50
        "discount": "20.05",  # the credits
        "client_pays": "1060.00",
        "reward": "100.00",  # 10% of the 1000.00 paid; marketplace, grant and own use earn nothing
        "adjustment": "-5.00",
        "partner_pays": "955.00",  # 1060 − 100 − 5
    }
    assert body["count"] == 2 and (body["start"], body["finish"]) == ("2026-10-01", "2026-10-31")
    rows = {r["name"]: r for r in body["rows"]}
    assert (rows["Gamma prod"]["consumption"], rows["Gamma prod"]["reward"]) == ("1030.05", "100.00")
    assert (rows["Our lab"]["consumption"], rows["Our lab"]["partner_pays"]) == ("50.00", "50.00")

    page = client_for(admin).get(
        reverse("finance:usage"), {**OCTOBER, "view": "subaccount", "group": "month", "export": "csv"}
    )
    lines = list(csv.reader(io.StringIO(b"".join(page.streaming_content).decode())))
    fields = ("bucket", "key", "name", "currency", *COLUMNS)
    assert lines[1:-1] == [[r[f] for f in fields] for r in body["rows"]]  # the page's CSV, cell for cell
    assert lines[-1][4:] == [total[c] for c in COLUMNS]


def test_consumption_pages_views_and_one_subaccount(usage, member, api_for):
    customer, _own = usage
    client = api_for(member())
    by_day = client.get("/api/v1/consumption/", {**OCTOBER, "view": "service", "page_size": 2}).json()
    assert (by_day["count"], len(by_day["rows"]), by_day["group"]) == (3, 2, "day")  # days 3, 4 and 12
    second = client.get("/api/v1/consumption/", {**OCTOBER, "page_size": 2, "page": 2}).json()
    assert [r["bucket"] for r in by_day["rows"] + second["rows"]] == [
        "2026-10-03",
        "2026-10-04",
        "2026-10-12",
    ]
    one = client.get("/api/v1/consumption/", {**OCTOBER, "subaccount": customer.pk}).json()
    assert one["subaccount"] == customer.pk and one["totals"][0]["consumption"] == "1030.05"


def test_consumption_refuses_what_the_page_refuses(usage, other_partner, member, api_for):
    client = api_for(member())
    too_long = client.get(
        "/api/v1/consumption/", {"period": "custom", "start": "2026-07-01", "finish": "2026-10-31"}
    )
    assert too_long.status_code == 400 and too_long["Content-Type"] == "application/problem+json"
    assert too_long.json()["errors"] == [
        {"field": "period", "detail": "A period shows at most 92 days.", "code": "invalid"}
    ]
    backwards = client.get(
        "/api/v1/consumption/", {"period": "custom", "start": "2026-10-31", "finish": "2026-10-01"}
    )
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["field"] == "finish"
    assert client.get("/api/v1/consumption/", {**OCTOBER, "group": "year"}).status_code == 400
    last = {"period": "custom", "start": "9999-12-01", "finish": "9999-12-31"}  # no month after it
    assert client.get("/api/v1/consumption/", last).json()["errors"][0]["field"] == "finish"
    foreign = SubaccountFactory(account=AccountFactory(partner=other_partner))
    assert client.get("/api/v1/consumption/", {"subaccount": foreign.pk}).status_code == 404


def test_a_restricted_member_gets_only_their_customers_consumption(usage, member, api_for):
    customer, own = usage
    client = api_for(restricted_to(member, customer.account))
    totals = client.get("/api/v1/consumption/", OCTOBER).json()["totals"]
    assert [(t["consumption"], t["reward"]) for t in totals] == [("1030.05", "100.00")]
    assert client.get("/api/v1/consumption/", {**OCTOBER, "subaccount": own.pk}).status_code == 404


def test_consumption_of_a_cloud_or_folder_is_the_pages_and_a_foreign_one_is_a_400(
    usage, other_partner, member, api_for, client_for
):
    _customer, own = usage
    ConsumptionFactory(
        subaccount=SubaccountFactory(account=AccountFactory(partner=other_partner)),
        cloud_id="c-other",
        date=datetime.date(2026, 10, 3),
    )
    admin = member()
    client = api_for(admin)
    cloud = client.get("/api/v1/consumption/", {**OCTOBER, "cloud": "c1", "view": "folder"}).json()
    assert (cloud["cloud"], cloud["folder"], cloud["count"]) == ("c1", None, 3)  # f1 on days 3, 4 and 12
    (total,) = cloud["totals"]
    assert (total["consumption"], total["reward"]) == ("1030.05", "100.00")  # Gamma's rows, not the lab's
    page = client_for(admin).get(reverse("finance:usage"), {**OCTOBER, "cloud": "c1", "view": "folder"})
    assert [t["partner_pays"] for t in page.context["details"].totals] == [D(total["partner_pays"])]
    folder = client.get("/api/v1/consumption/", {**OCTOBER, "folder": "folder-1"}).json()  # the lab's
    assert folder["folder"] == "folder-1" and folder["totals"][0]["consumption"] == "50.00"

    foreign = client.get("/api/v1/consumption/", {**OCTOBER, "cloud": "c-other"})
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "cloud"
    mixed = client.get("/api/v1/consumption/", {**OCTOBER, "cloud": "c1", "folder": "folder-1"})
    assert mixed.status_code == 400 and mixed.json()["errors"][0]["field"] == "folder"
    assert client.get("/api/v1/consumption/", {**OCTOBER, "cloud": ""}).status_code == 400
    hidden = api_for(restricted_to(member, own.account)).get("/api/v1/consumption/", {"cloud": "c1"})
    assert hidden.status_code == 400  # Gamma's cloud, to a member who sees only the lab


# Commission report --------------------------------------------------------------------------------------


def test_a_commission_report_is_started_polled_and_downloaded(
    partner, member, api_for, client_for, celery_eager, django_capture_on_commit_callbacks
):
    sub = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    for day in (datetime.date(2026, 2, 1), datetime.date(2026, 6, 15)):
        ConsumptionFactory(subaccount=sub, date=day, cost=D("120.50"))
    viewer = member(Role.VIEWER_PD)
    client = api_for(viewer)

    backwards = client.post("/api/v1/commission-reports/", {"start": "2026-10-31", "finish": "2026-01-01"})
    assert backwards.status_code == 400
    assert backwards.json()["errors"][0]["detail"] == "The period ends before it starts."
    assert client.post("/api/v1/commission-reports/", {"start": "2026-01-01"}).json()["errors"][0][
        "field"
    ] == ("finish")
    assert not Report.objects.exists()

    waiting = client.post("/api/v1/commission-reports/", {"start": "2026-01-01", "finish": "2026-10-31"})
    assert waiting.status_code == 202, waiting.content
    assert (waiting.json()["status"], waiting.json()["progress"]) == ("pending", 0)
    not_ready = client.get(f"/api/v1/commission-reports/{waiting.json()['id']}/download/")
    assert not_ready.status_code == 409 and not_ready["Content-Type"] == "application/problem+json"

    with django_capture_on_commit_callbacks(execute=True):  # the request commits: the worker prepares it
        started = client.post("/api/v1/commission-reports/", {"start": "2026-01-01", "finish": "2026-10-31"})
    report_id = started.json()["id"]
    polled = client.get(f"/api/v1/commission-reports/{report_id}/").json()
    assert (polled["status"], polled["progress"], polled["rows"]) == ("done", 100, 2), polled
    assert (polled["start"], polled["finish"]) == ("2026-01-01", "2026-10-31")

    download = client.get(f"/api/v1/commission-reports/{report_id}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"
    content = b"".join(download.streaming_content)
    with Report.objects.get(pk=report_id).file.open("rb") as stored:
        assert content == stored.read()
    assert content.count(b"\n") == 3 and b"120.50" in content
    on_the_page = client_for(viewer).get(reverse("finance:report", args=[report_id]))
    assert b"".join(on_the_page.streaming_content) == content


def test_a_report_is_its_makers_for_a_restricted_member_and_never_another_partners(
    partner, other_partner, member, api_for
):
    theirs = Report.objects.create(partner=other_partner, kind=Report.Kind.COMMISSION, params={})
    admins = Report.objects.create(partner=partner, kind=Report.Kind.COMMISSION, params={"accounts": None})
    mine = AccountFactory(partner=partner)
    restricted = api_for(restricted_to(member, mine))
    made = restricted.post("/api/v1/commission-reports/", {"start": "2026-01-01", "finish": "2026-01-31"})
    assert made.status_code == 202
    assert Report.objects.get(pk=made.json()["id"]).params["accounts"] == [mine.pk]
    assert restricted.get(f"/api/v1/commission-reports/{made.json()['id']}/").status_code == 200
    assert restricted.get(f"/api/v1/commission-reports/{admins.pk}/").status_code == 404
    admin = api_for(member())
    assert admin.get(f"/api/v1/commission-reports/{theirs.pk}/").status_code == 404
    assert admin.get(f"/api/v1/commission-reports/{theirs.pk}/download/").status_code == 404
