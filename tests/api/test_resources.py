"""Accounts and subaccounts through the API: the pages' services, rules, masking, audit trail and emails."""

import pytest
from django.test import override_settings

from access.models import AuditEvent
from accounts.models import Account
from portal.models import OutboxMessage
from portal.permissions import Role
from subaccounts.models import Subaccount
from tests.factories import AccountContactFactory, AccountFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


def test_create_edit_and_archive_an_account_with_field_errors_as_problems(partner, member, api_for):
    client = api_for(member())
    bad = client.post("/api/v1/accounts/", {"name": "", "tax_id": "123", "country": "RU"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    problem = bad.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert {e["field"] for e in problem["errors"]} >= {"name"}

    created = client.post("/api/v1/accounts/", {"name": "Acme", "tax_id": "7707083893", "country": "RU"})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    twin = client.post("/api/v1/accounts/", {"name": "Twin", "tax_id": "7707083893", "country": "RU"})
    assert twin.status_code == 400
    assert twin.json()["errors"][0]["field"] == "tax_id"
    assert "<a" not in twin.json()["errors"][0]["detail"]  # the page's link, as text

    assert client.patch(f"/api/v1/accounts/{pk}/", {"stage": "customer"}).json()["stage"] == "customer"
    SubaccountFactory(partner=partner, account_id=pk, status=Subaccount.Status.ACTIVE)
    refused = client.post(f"/api/v1/accounts/{pk}/archive/")
    assert refused.status_code == 409 and "Deactivate them first" in refused.json()["detail"]
    assert Account.objects.get(pk=pk).archived_at is None


def test_every_write_is_in_the_audit_trail_with_the_token_name(partner, member, token_for):
    from tests.api.conftest import ApiClient

    _token, secret = token_for(member(), name="CRM bridge")
    ApiClient(secret).post("/api/v1/accounts/", {"name": "Acme", "tax_id": "7707083893", "country": "RU"})
    entry = AuditEvent.objects.get(partner=partner, action="api.write")
    assert entry.target == "POST /api/v1/accounts/"
    assert entry.details["api_token"] == "CRM bridge"


def test_invite_a_customer_once_with_an_idempotency_key(partner, member, api_for, celery_eager):
    account = AccountFactory(partner=partner)
    client = api_for(member(Role.EDITOR))
    url = f"/api/v1/accounts/{account.pk}/subaccounts/"
    body = {"name": "Prod", "customer_email": "cto@customer.example"}

    missing = client.post(url, body)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "Idempotency-Key"

    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Subaccount.objects.filter(partner=partner).count() == 1
    assert OutboxMessage.objects.filter(task__endswith="send_subaccount_invitation").count() == 1

    other = client.post(url, {**body, "name": "Staging"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert Subaccount.objects.filter(partner=partner).count() == 1


def test_an_invitation_without_an_address_goes_to_the_customers_contact(
    partner, member, api_for, celery_eager
):
    client = api_for(member(Role.EDITOR))
    lone = AccountFactory(partner=partner)
    refused = client.post(
        f"/api/v1/accounts/{lone.pk}/subaccounts/", {"name": "Prod"}, HTTP_IDEMPOTENCY_KEY="a"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "customer_email"
    assert not Subaccount.objects.filter(account=lone).exists()

    account = AccountFactory(partner=partner)
    AccountContactFactory(account=account, email="first@customer.example")
    AccountContactFactory(account=account, email="second@customer.example")
    made = client.post(
        f"/api/v1/accounts/{account.pk}/subaccounts/", {"name": "Prod"}, HTTP_IDEMPOTENCY_KEY="b"
    )
    assert made.status_code == 201
    assert Subaccount.objects.get(account=account).customer_email == "first@customer.example"


def test_a_subaccount_status_changes_through_the_state_machine(partner, member, api_for):
    subaccount = SubaccountFactory(partner=partner, status=Subaccount.Status.ACTIVE)
    client = api_for(member(Role.EDITOR))
    no_reason = client.post(f"/api/v1/subaccounts/{subaccount.pk}/suspend/")
    assert no_reason.status_code in (400, 409)
    done = client.post(f"/api/v1/subaccounts/{subaccount.pk}/suspend/", {"reason": "Unpaid"})
    assert done.status_code == 200 and done.json()["status"] == "suspended"
    assert client.post(f"/api/v1/subaccounts/{subaccount.pk}/suspend/", {"reason": "x"}).status_code == 409
    assert client.post(f"/api/v1/subaccounts/{subaccount.pk}/resume/").json()["status"] == "active"
    entry = AuditEvent.objects.filter(partner=partner, action="subaccount.status").first()
    assert entry.details["api_token"] == "ERP"


def test_personal_data_is_masked_for_a_role_without_it(partner, member, api_for):
    account = AccountFactory(partner=partner)
    AccountContactFactory(account=account, name="Ivan Petrov", email="ivan@customer.example")
    SubaccountFactory(partner=partner, account=account, customer_email="ivan@customer.example")
    viewer, viewer_pd = api_for(member(Role.VIEWER)), api_for(member(Role.VIEWER_PD))
    assert (
        viewer.get("/api/v1/accounts/").json()["results"][0]["contacts"][0]["email"]
        == "i***@customer.example"
    )
    assert (
        viewer.get("/api/v1/subaccounts/").json()["results"][0]["customer_email"] == "i***@customer.example"
    )
    assert viewer_pd.get("/api/v1/accounts/").json()["results"][0]["contacts"][0]["name"] == "Ivan Petrov"


def test_each_account_shows_its_own_contacts_in_the_order_they_were_added(partner, member, api_for):
    first = AccountFactory(partner=partner, name="A first")
    second = AccountFactory(partner=partner, name="B", tax_id="7707083893")  # a valid one: the edit checks it
    for account, names in ((first, ["Anna", "Boris"]), (second, ["Vera"])):
        for name in names:
            AccountContactFactory(account=account, name=name, email=f"{name.lower()}@customer.example")
    AccountFactory(partner=partner, name="C without contacts")
    client = api_for(member(Role.VIEWER_PD))

    def names(shown):
        return [contact["name"] for contact in shown["contacts"]]

    listed = client.get("/api/v1/accounts/", {"ordering": "name"}).json()["results"]
    assert [(a["name"], names(a)) for a in listed] == [
        ("A first", ["Anna", "Boris"]),
        ("B", ["Vera"]),
        ("C without contacts", []),
    ]
    assert names(client.get(f"/api/v1/accounts/{first.pk}/").json()) == ["Anna", "Boris"]
    editor = api_for(member(Role.ADMINISTRATOR))
    edited = editor.patch(f"/api/v1/accounts/{second.pk}/", {"description": "Renewed"})
    assert names(edited.json()) == ["Vera"], edited.json()


def test_a_restricted_member_sees_only_their_accounts(partner, member, api_for):
    from access import services

    mine, hidden = (
        AccountFactory(partner=partner, name="Mine"),
        AccountFactory(partner=partner, name="Hidden"),
    )
    admin = member()
    restricted = member(Role.EDITOR)
    services.membership_update(
        membership=restricted, actor=admin.user, role=Role.EDITOR, restricted=True, accounts=[mine]
    )
    client = api_for(restricted)
    assert [a["name"] for a in client.get("/api/v1/accounts/").json()["results"]] == ["Mine"]
    assert client.get(f"/api/v1/accounts/{hidden.pk}/").status_code == 404


def test_cursor_pages_walk_every_row_once_in_order(partner, member, api_for):
    for i in range(7):
        AccountFactory(partner=partner, name=f"Customer {i % 3}")  # equal names: the cursor still holds
    client = api_for(member())
    seen, url = [], "/api/v1/accounts/?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [(a["name"], a["id"]) for a in page["results"]]
        url = page["next"]
    assert len(seen) == 7 and len(set(seen)) == 7
    assert [name for name, _ in seen] == sorted(name for name, _ in seen)
    assert client.get("/api/v1/accounts/?cursor=garbage").status_code == 404


def test_filters_and_search_like_the_page(partner, member, api_for):
    AccountFactory(partner=partner, name="Acme", stage="customer")
    AccountFactory(partner=partner, name="Beta", stage="prospect")
    client = api_for(member())
    assert [a["name"] for a in client.get("/api/v1/accounts/?q=acm").json()["results"]] == ["Acme"]
    assert [a["name"] for a in client.get("/api/v1/accounts/?stage=prospect").json()["results"]] == ["Beta"]
    assert client.get("/api/v1/accounts/?stage=nonsense").status_code == 400


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min"},
    }
)
def test_too_many_requests_is_429_with_retry_after(member, api_for):
    from rest_framework.settings import api_settings

    from api.throttling import TokenRateThrottle

    original = TokenRateThrottle.THROTTLE_RATES
    api_settings.reload()
    TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = api_for(member())
        answers = [client.get("/api/v1/accounts/") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert int(answers[-1]["Retry-After"]) > 0
        assert answers[-1]["Content-Type"] == "application/problem+json"
        assert api_for(member()).get("/api/v1/accounts/").status_code == 200  # another token: its own rate
    finally:
        # the rates of before, not a reload: still inside the override, a reload would keep 3/min for every
        # later test (DRF reloads its own settings when the override ends)
        TokenRateThrottle.THROTTLE_RATES = original


ADDRESSES_NOT_THERE = ["/api/", "/api/v1/nothing/", "/api/v2/accounts/", "/api/v1/accounts/1/nothing/"]


@pytest.mark.parametrize("method", ["get", "put", "patch"])
@pytest.mark.parametrize("key", ["abc", "0.5", "1e3", "%C2%84"])
def test_a_malformed_id_is_the_resources_404_and_its_methods_still_its_own(method, key, member, api_for):
    client = api_for(member())
    response = getattr(client, method)(f"/api/v1/accounts/{key}/")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    refused = client.delete(f"/api/v1/accounts/{key}/")  # not an operation of an account: 405, as for any id
    assert refused.status_code == 405 and refused["Content-Type"] == "application/problem+json"
    assert "DELETE" not in refused["Allow"] and "PATCH" in refused["Allow"]


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ADDRESSES_NOT_THERE)
def test_an_address_the_api_does_not_have_answers_a_problem_not_a_page(method, path, member, api_for):
    response = getattr(api_for(member()), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["title"], body["instance"]) == (404, "Not Found", path)


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ADDRESSES_NOT_THERE)
def test_without_a_token_any_address_asks_for_one_first(method, path, client):
    # as the API's own addresses do: 401 before anything else (never the CSRF page of a write without a
    # session, nor which addresses exist)
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["status"] == 401


@pytest.mark.parametrize("page_size", ["abc", "0", "-3", "1.5", ""])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_refused_not_ignored(page_size, member, api_for):
    response = api_for(member()).get("/api/v1/subaccounts/", {"page_size": page_size})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["page_size"]


def test_a_page_size_above_the_maximum_gives_the_maximum(partner, member, api_for):
    response = api_for(member()).get("/api/v1/subaccounts/", {"page_size": 10_000})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "name"), [("/api/v1/subaccounts/", "status"), ("/api/v1/accounts/", "stage")]
)
def test_a_choice_given_empty_is_refused_while_an_empty_search_is_no_search(path, name, member, api_for):
    client = api_for(member())
    refused = client.get(path, {name: ""})
    assert refused.status_code == 400 and [e["field"] for e in refused.json()["errors"]] == [name]
    assert client.get(path, {"q": ""}).status_code == 200
