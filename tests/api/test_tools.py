"""The sales tools through the API: registrations land as the page lands them (its form's rules, its service,
its history and emails), refusals say what the page says and change nothing, the restriction and the tenant
wall hold, and the referral figures are the Referral statistics page's."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from schemathesis.specs.openapi.checks import positive_data_acceptance

from access import services as access_services
from access.models import AuditEvent
from finance.models import Program
from portal.models import OutboxMessage
from portal.periods import MonthRange
from portal.permissions import Role
from referral import selectors
from referral.models import ReferralLink
from subaccounts.models import Subaccount
from tests.api.test_schemathesis import schema, wsgi_in_test_transaction  # noqa: F401 - a fixture
from tests.factories import (
    AccountFactory,
    AccrualFactory,
    ReferralClickFactory,
    ReferralLinkFactory,
    ReferredCustomerFactory,
    RegistrationFactory,
    SubaccountFactory,
)
from tools import services as tools_services
from tools.models import Registration, RegistrationEvent

pytestmark = pytest.mark.django_db
S = Registration.Status

DEAL = {
    "kind": "deal",
    "expected_monthly": "45000.00",
    "currency": "RUB",
    "services": "Compute Cloud, Managed PostgreSQL",
    "description": "Migration from on-premises",
}


def _landed(registration: Registration) -> dict:
    """What a registration's life left behind: its fields, its history, the emails queued about it."""
    registration.refresh_from_db()
    return {
        "status": registration.status,
        "kind": registration.kind,
        "expected_monthly": registration.expected_monthly,
        "currency": registration.currency,
        "services": registration.services,
        "created_by": registration.created_by_id,
        "submitted": registration.submitted_at is not None,
        "review_due": timezone.localdate(registration.review_due),
        "history": [
            (e.from_status, e.to_status, e.actor_id, e.note) for e in registration.events.order_by("pk")
        ],
        "emails": [
            m.task
            for m in OutboxMessage.objects.order_by("pk")
            if m.args == [registration.pk] and m.task.startswith("tools.")
        ],
    }


def test_a_deal_registered_and_submitted_through_the_api_lands_as_on_the_page(
    partner, member, client_for, api_for
):
    editor = member(Role.EDITOR)
    on_page, through_api = AccountFactory(partner=partner), AccountFactory(partner=partner)

    page = client_for(editor).post(
        reverse("tools:registration_create"), {**DEAL, "account": on_page.pk, "submit": "1"}
    )
    assert page.status_code == 302
    by_page = Registration.objects.get(account=on_page)

    client = api_for(editor)
    created = client.post("/api/v1/registrations/", {**DEAL, "account": through_api.pk})
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft" and created.json()["account_name"] == through_api.name
    submitted = client.post(f"/api/v1/registrations/{created.json()['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    by_api = Registration.objects.get(account=through_api)

    assert _landed(by_api) == _landed(by_page)
    assert _landed(by_api)["history"] == [(S.DRAFT, S.SUBMITTED, editor.user_id, "")]
    assert _landed(by_api)["emails"] == ["tools.tasks.notify_registration_status"]
    shown = submitted.json()
    assert shown["status"] == "submitted" and shown["notices"] == []
    assert [(h["from_status"], h["to_status"], h["by"], h["actor_email"]) for h in shown["history"]] == [
        ("draft", "submitted", "partner", editor.user.email)
    ]
    writes = AuditEvent.objects.filter(partner=partner, action="api.write").order_by("pk")
    assert [(w.target, w.details["api_token"]) for w in writes] == [
        ("POST /api/v1/registrations/", "ERP"),
        (f"POST /api/v1/registrations/{by_api.pk}/submit/", "ERP"),
    ]


def test_an_ineligible_submission_is_refused_with_the_pages_message_and_changes_nothing(
    partner, member, client_for, api_for
):
    editor = member(Role.EDITOR)
    too_small = RegistrationFactory(
        account=AccountFactory(partner=partner), expected_monthly=Decimal("100.00"), created_by=editor.user
    )
    twin = RegistrationFactory(
        account=AccountFactory(partner=partner), expected_monthly=Decimal("100.00"), created_by=editor.user
    )
    page = client_for(editor).post(reverse("tools:registration_submit", args=[twin.pk]))
    [said] = [str(m) for m in get_messages(page.wsgi_request)]
    client = api_for(editor)
    before = (OutboxMessage.objects.count(), AuditEvent.objects.count())

    refused = client.post(f"/api/v1/registrations/{too_small.pk}/submit/")

    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == said
    assert "must be at least 30,000 RUB" in said
    too_small.refresh_from_db()
    assert too_small.status == S.DRAFT and too_small.submitted_at is None
    assert not RegistrationEvent.objects.filter(registration=too_small).exists()
    assert (OutboxMessage.objects.count(), AuditEvent.objects.count()) == before


def test_a_submission_for_a_customer_another_partner_holds_says_so_without_naming_it(
    partner, other_partner, member, api_for
):
    RegistrationFactory(
        account=AccountFactory(partner=other_partner, tax_id="7707083893"),
        status=S.APPROVED,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    mine = RegistrationFactory(account=AccountFactory(partner=partner, tax_id="7707083893"))
    answer = api_for(member()).post(f"/api/v1/registrations/{mine.pk}/submit/")
    assert answer.status_code == 200
    assert answer.json()["notices"] == [str(tools_services.ALREADY_REGISTERED)]
    assert other_partner.name not in answer.content.decode()


def test_the_pages_form_decides_what_a_registration_may_be(partner, other_partner, member, api_for):
    client = api_for(member(Role.EDITOR))
    current = AccountFactory(partner=partner)
    archived = AccountFactory(partner=partner, archived_at=timezone.now())
    theirs = AccountFactory(partner=other_partner)

    missing = client.post("/api/v1/registrations/", {"kind": "deal", "account": current.pk})
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"expected_monthly", "currency"}
    for account in (archived, theirs):  # the page's form offers neither
        refused = client.post("/api/v1/registrations/", {**DEAL, "account": account.pk})
        assert refused.status_code == 400
        assert [e["field"] for e in refused.json()["errors"]] == ["account"]
    too_long = client.post(
        "/api/v1/registrations/", {**DEAL, "account": current.pk, "project_scope": "x" * 65}
    )
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["field"] == "project_scope"
    assert not Registration.objects.exists()


def test_a_draft_is_edited_and_withdrawn_and_only_a_draft_is_edited(partner, member, api_for):
    client = api_for(member(Role.EDITOR))
    draft = RegistrationFactory(account=AccountFactory(partner=partner))

    edited = client.patch(f"/api/v1/registrations/{draft.pk}/", {"expected_monthly": "60000.00"})
    assert edited.status_code == 200 and edited.json()["expected_monthly"] == "60000.00"
    assert client.post(f"/api/v1/registrations/{draft.pk}/submit/").status_code == 200

    refused = client.patch(f"/api/v1/registrations/{draft.pk}/", {"expected_monthly": "90000.00"})
    assert refused.status_code == 409 and refused.json()["detail"] == "Only a draft can be edited."
    draft.refresh_from_db()
    assert draft.expected_monthly == Decimal("60000.00")

    withdrawn = client.post(f"/api/v1/registrations/{draft.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert [h["to_status"] for h in withdrawn.json()["history"]] == ["withdrawn", "submitted"]
    again = client.post(f"/api/v1/registrations/{draft.pk}/withdraw/")
    assert again.status_code == 409 and "is not possible for a registration that is" in again.json()["detail"]


def test_a_restricted_member_sees_and_registers_only_their_customers(partner, member, api_for):
    mine, hidden = AccountFactory(partner=partner), AccountFactory(partner=partner)
    shown, kept = RegistrationFactory(account=mine), RegistrationFactory(account=hidden)
    restricted = member(Role.EDITOR)
    access_services.membership_update(
        membership=restricted, actor=member().user, role=Role.EDITOR, restricted=True, accounts=[mine]
    )
    client = api_for(restricted)

    assert [r["id"] for r in client.get("/api/v1/registrations/").json()["results"]] == [shown.pk]
    assert client.get(f"/api/v1/registrations/{kept.pk}/").status_code == 404
    assert client.post(f"/api/v1/registrations/{kept.pk}/withdraw/").status_code == 404
    refused = client.post("/api/v1/registrations/", {**DEAL, "account": hidden.pk})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "account"
    kept.refresh_from_db()
    assert kept.status == S.DRAFT and Registration.objects.count() == 2


def test_another_partners_registration_answers_404_and_stays_as_it_was(
    partner, other_partner, member, api_for
):
    theirs = RegistrationFactory(account=AccountFactory(partner=other_partner))
    client = api_for(member())
    url = f"/api/v1/registrations/{theirs.pk}/"
    answers = [
        client.get(url),
        client.patch(url, {"expected_monthly": "99999.00"}),
        client.post(url + "submit/"),
        client.post(url + "withdraw/"),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    theirs.refresh_from_db()
    assert (theirs.status, theirs.expected_monthly) == (S.DRAFT, Decimal("45000.00"))
    assert not RegistrationEvent.objects.exists()


def test_a_token_reaches_the_sales_tools_only_with_their_scope(partner, member, api_for):
    draft = RegistrationFactory(account=AccountFactory(partner=partner))
    accounts_only = api_for(member(), scopes={"accounts": "write"})
    assert accounts_only.get("/api/v1/registrations/").status_code == 403
    assert accounts_only.get("/api/v1/referral-statistics/").status_code == 403
    reader = api_for(member(), scopes={"tools": "read"})
    assert reader.get(f"/api/v1/registrations/{draft.pk}/").status_code == 200
    refused = reader.post(f"/api/v1/registrations/{draft.pk}/submit/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This token may not change data in this section."
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_registrations_filter_and_search_like_the_page(partner, member, api_for):
    RegistrationFactory(account=AccountFactory(partner=partner, name="Acme"), kind="project")
    RegistrationFactory(account=AccountFactory(partner=partner, name="Beta"), status=S.SUBMITTED)
    client = api_for(member(Role.VIEWER))

    def names(query):
        return [r["account_name"] for r in client.get(f"/api/v1/registrations/?{query}").json()["results"]]

    assert names("q=acm") == ["Acme"]
    assert names("status=submitted") == ["Beta"]
    assert names("kind=project") == ["Acme"]
    assert client.get("/api/v1/registrations/?status=nonsense").status_code == 400


# Referral links and statistics


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _clicks(link, *days):
    for day in days:
        click = ReferralClickFactory(link=link)
        type(click).objects.filter(pk=click.pk).update(created_at=_at(day))


def test_referral_statistics_are_the_pages_figures_for_the_period(partner, other_partner, member, api_for):
    link, other = ReferralLinkFactory(partner=partner), ReferralLinkFactory(partner=other_partner)
    _clicks(link, datetime.date(2026, 2, 10), datetime.date(2026, 2, 20), datetime.date(2026, 4, 3))
    _clicks(link, datetime.date(2026, 1, 15), datetime.date(2026, 6, 1))  # outside the period
    _clicks(other, datetime.date(2026, 2, 11), datetime.date(2026, 3, 12))  # another partner's
    first = ReferredCustomerFactory(link=link, signed_up_at=datetime.date(2026, 2, 21))
    ReferredCustomerFactory(link=link, signed_up_at=datetime.date(2026, 4, 30))
    ReferredCustomerFactory(link=other, signed_up_at=datetime.date(2026, 2, 22))
    subaccount = SubaccountFactory(partner=partner, account=first.account, status=Subaccount.Status.ACTIVE)
    for period, amount in ((datetime.date(2026, 3, 1), "1234.56"), (datetime.date(2026, 4, 1), "100.05")):
        AccrualFactory(subaccount=subaccount, program=Program.REFERRAL, period=period, amount=Decimal(amount))
    AccrualFactory(subaccount=subaccount, program=Program.PROJECT_REBATE, period=datetime.date(2026, 3, 1))
    admin = member()

    answer = api_for(admin).get("/api/v1/referral-statistics/?period=custom&start=2026-02&finish=2026-04")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["first_month"], body["last_month"]) == ("2026-02-01", "2026-04-01")
    expected = [
        {"month": "2026-02-01", "clicks": 2, "signups": 1, "conversion": "50.0", "commission": "0.00"},
        {"month": "2026-03-01", "clicks": 0, "signups": 0, "conversion": None, "commission": "1234.56"},
        {"month": "2026-04-01", "clicks": 1, "signups": 1, "conversion": "100.0", "commission": "100.05"},
    ]
    assert body["months"] == expected
    months = MonthRange(datetime.date(2026, 2, 1), datetime.date(2026, 4, 1))
    page = selectors.monthly_statistics(membership=admin, months=months)
    assert [(r.clicks, r.signups, r.commission) for r in page] == [
        (m["clicks"], m["signups"], Decimal(m["commission"])) for m in expected
    ]

    # commission is money: a role without it gets the counts only, as on the page
    editor_sees = api_for(member(Role.EDITOR)).get(
        "/api/v1/referral-statistics/?period=custom&start=2026-02&finish=2026-04"
    )
    assert [m["commission"] for m in editor_sees.json()["months"]] == [None, None, None]
    assert [m["clicks"] for m in editor_sees.json()["months"]] == [2, 0, 1]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=custom&start=2026-06&finish=2026-02", "finish", "The period ends before it starts."),
        ("period=custom&start=2023-01&finish=2026-02", "period", "A period covers at most 36 months."),
        ("period=custom&start=2026-02", "finish", "Pick both months of a custom period."),
        ("period=someday", "period", None),
    ],
)
def test_a_period_the_page_refuses_is_refused(query, field, message, member, api_for):
    refused = api_for(member()).get(f"/api/v1/referral-statistics/?{query}")
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if message:
        assert errors[0]["detail"] == message


def test_referral_links_with_their_figures_and_commission_only_for_money_roles(
    partner, other_partner, member, api_for
):
    link = ReferralLinkFactory(partner=partner, name="Spring campaign")
    ReferralLinkFactory(partner=other_partner)
    _clicks(link, datetime.date(2026, 2, 10), datetime.date(2026, 2, 11))
    customer = ReferredCustomerFactory(link=link)
    subaccount = SubaccountFactory(partner=partner, account=customer.account, status=Subaccount.Status.ACTIVE)
    AccrualFactory(subaccount=subaccount, program=Program.REFERRAL, amount=Decimal("77.70"))

    [row] = api_for(member()).get("/api/v1/referral-links/").json()["results"]
    assert (row["id"], row["name"], row["clicks"], row["signups"], row["active_customers"]) == (
        link.pk,
        "Spring campaign",
        2,
        1,
        1,
    )
    assert row["commission"] == "77.70" and row["url"] == link.public_url and row["active"] is True
    [masked] = api_for(member(Role.VIEWER)).get("/api/v1/referral-links/").json()["results"]
    assert masked["commission"] is None and masked["clicks"] == 2


def test_a_referral_link_is_created_as_on_the_page(partner, member, api_for, settings):
    partner.partner_type = partner.Type.REFERRAL
    partner.save()
    client = api_for(member(Role.EDITOR), name="CRM bridge")

    assert client.post("/api/v1/referral-links/", {}).json()["errors"][0]["field"] == "name"
    bad = client.post("/api/v1/referral-links/", {"name": "Spring", "landing_url": "https://evil.example/x"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "landing_url"
    landing = f"https://{settings.REFERRAL_LANDING_HOSTS[0]}/compute"
    made = client.post("/api/v1/referral-links/", {"name": "Spring", "landing_url": landing})

    assert made.status_code == 201, made.json()
    link = ReferralLink.objects.get(partner=partner)
    assert (made.json()["id"], made.json()["url"], made.json()["clicks"]) == (link.pk, link.public_url, 0)
    entry = AuditEvent.objects.get(partner=partner, action="referral.link_created")
    assert entry.target == link.public_url and entry.details["api_token"] == "CRM bridge"


def test_a_partner_outside_the_closed_program_cannot_create_a_link(partner, member, api_for):
    refused = api_for(member()).post("/api/v1/referral-links/", {"name": "Spring"})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("The referral program is closed to new partners.")
    assert not ReferralLink.objects.exists()


def test_the_answers_about_real_registrations_and_links_conform_to_the_schema(
    partner,
    other_partner,
    member,
    token_for,
    wsgi_in_test_transaction,  # noqa: F811 - the fixture
):
    """Schemathesis's generated ids rarely meet an object: here each operation answers about real ones (a
    history, a notice, figures and a null commission) and each answer is checked against the schema."""
    RegistrationFactory(
        account=AccountFactory(partner=other_partner, tax_id="7707083893"),
        status=S.APPROVED,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    account = AccountFactory(partner=partner, tax_id="7707083893")
    submitted, withdrawn = RegistrationFactory(account=account), RegistrationFactory(account=account)
    link = ReferralLinkFactory(partner=partner)
    _clicks(link, datetime.date(2026, 2, 10))
    ReferredCustomerFactory(link=link, signed_up_at=datetime.date(2026, 2, 11))
    period = {"period": "custom", "start": "2026-01", "finish": "2026-03"}
    calls = [
        ("POST", "/api/v1/registrations/", {"body": {**DEAL, "account": account.pk}}, 201),
        ("PATCH", "/api/v1/registrations/{id}/", {"id": submitted.pk, "body": {"services": "ML"}}, 200),
        ("POST", "/api/v1/registrations/{id}/submit/", {"id": submitted.pk}, 200),
        ("POST", "/api/v1/registrations/{id}/withdraw/", {"id": withdrawn.pk}, 200),
        ("GET", "/api/v1/registrations/{id}/", {"id": submitted.pk}, 200),
        ("GET", "/api/v1/registrations/", {}, 200),
        ("POST", "/api/v1/registrations/{id}/submit/", {"id": withdrawn.pk}, 409),
        ("GET", "/api/v1/referral-links/", {}, 200),
        ("GET", "/api/v1/referral-links/{id}/", {"id": link.pk}, 200),
        ("POST", "/api/v1/referral-links/", {"body": {"name": "Spring"}}, 201),  # has links: in the program
        ("GET", "/api/v1/referral-statistics/", {"query": period}, 200),
        ("GET", "/api/v1/referral-statistics/", {"query": {**period, "finish": "2025-01"}}, 400),
    ]
    for role in (Role.ADMINISTRATOR, Role.VIEWER):
        _token, secret = token_for(member(role))
        for method, path, given, expected in calls:
            if role == Role.VIEWER and method != "GET":
                continue
            payload = {"body": given["body"], "media_type": "application/json"} if "body" in given else {}
            case = schema[path][method].Case(
                path_parameters={"id": given["id"]} if "id" in given else None,
                query=given.get("query"),
                **payload,
            )
            with scope():  # partner scopes on, as in production: the API opens the token's
                answer = case.call_and_validate(
                    headers={"Authorization": f"Bearer {secret}"}, excluded_checks=[positive_data_acceptance]
                )
            assert answer.status_code == expected, (method, path, answer.content)
