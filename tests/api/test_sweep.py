"""The walls of the pages, over every operation of the API's own schema (a new operation is swept the
moment it exists): another partner's ids answer 404 and change nothing; each role gets exactly what
DESIGN.md's role table grants, the same columns as the pages (tests/portal/test_role_matrix.py)."""

import re

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from access.models import ApiToken
from api.models import IdempotencyKey
from portal.models import OutboxMessage, TenantModel
from portal.permissions import Role
from tests.portal.test_role_matrix import DESIGN_TABLE
from tests.portal.urlwalk import object_of

pytestmark = pytest.mark.django_db

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in SCHEMA["paths"].items()
    for method in item
    if method != "parameters"
)

# Which column of the role table each operation belongs to. A new operation must be placed here.
OPERATION_COLUMN = {
    ("GET", "/api/v1/accounts/"): "accounts.view",
    ("POST", "/api/v1/accounts/"): "accounts.manage",
    ("GET", "/api/v1/accounts/{id}/"): "accounts.view",
    ("PUT", "/api/v1/accounts/{id}/"): "accounts.manage",
    ("PATCH", "/api/v1/accounts/{id}/"): "accounts.manage",
    ("POST", "/api/v1/accounts/{id}/archive/"): "accounts.manage",
    ("POST", "/api/v1/accounts/{id}/restore/"): "accounts.manage",
    ("POST", "/api/v1/accounts/{id}/subaccounts/"): "accounts.manage",
    ("GET", "/api/v1/subaccounts/"): "accounts.view",
    ("GET", "/api/v1/subaccounts/{id}/"): "accounts.view",
    ("POST", "/api/v1/subaccounts/{id}/resend/"): "accounts.manage",
    ("POST", "/api/v1/subaccounts/{id}/suspend/"): "accounts.manage",
    ("POST", "/api/v1/subaccounts/{id}/resume/"): "accounts.manage",
    ("POST", "/api/v1/subaccounts/{id}/deactivate/"): "accounts.manage",
    ("POST", "/api/v1/subaccounts/{id}/cancel/"): "accounts.manage",
    ("GET", "/api/v1/balances/"): "finance.view",
    ("GET", "/api/v1/accruals/"): "finance.view",
    ("GET", "/api/v1/accruals/{id}/"): "finance.view",
    ("GET", "/api/v1/withdrawals/"): "finance.view",
    ("POST", "/api/v1/withdrawals/"): "finance.withdraw",
    ("GET", "/api/v1/withdrawals/{id}/"): "finance.view",
    ("GET", "/api/v1/consumption/"): "finance.view",
    ("POST", "/api/v1/commission-reports/"): "finance.view",
    ("GET", "/api/v1/commission-reports/{id}/"): "finance.view",
    ("GET", "/api/v1/commission-reports/{id}/download/"): "finance.view",
    ("GET", "/api/v1/registrations/"): "tools.view",
    ("POST", "/api/v1/registrations/"): "tools.use",
    ("GET", "/api/v1/registrations/{id}/"): "tools.view",
    ("PUT", "/api/v1/registrations/{id}/"): "tools.use",
    ("PATCH", "/api/v1/registrations/{id}/"): "tools.use",
    ("POST", "/api/v1/registrations/{id}/submit/"): "tools.use",
    ("POST", "/api/v1/registrations/{id}/withdraw/"): "tools.use",
    ("GET", "/api/v1/referral-links/"): "tools.view",
    ("POST", "/api/v1/referral-links/"): "tools.use",
    ("GET", "/api/v1/referral-links/{id}/"): "tools.view",
    ("GET", "/api/v1/referral-statistics/"): "tools.view",
}

BODY = {
    "name": "Sweep",
    "reason": "Sweep",
    "country": "RU",
    "tax_id": "7707083893",
    "stage": "customer",
    "customer_email": "sweep@example.com",
}
WATCHED = [m for m in apps.get_models() if issubclass(m, TenantModel) and m is not ApiToken]


def _object_for(path: str, partner):
    """An object of ``partner`` behind the path's ``{id}``: the model of the viewset's queryset, one its
    exact filters (a report's ``kind``) let through."""
    view = resolve(path.replace("{id}", "1")).func.cls
    return object_of(view.queryset.model, partner, view.queryset)


def _call(client, method, path):
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, BODY, HTTP_IDEMPOTENCY_KEY="sweep")


def _paginated(method, path) -> bool:
    """A list of rows (a cursor page), not a summary such as the referral statistics."""
    content = SCHEMA["paths"][path][method.lower()]["responses"].get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})  # (a download answers text/csv)
    return schema.get("$ref", "").startswith("#/components/schemas/Paginated")


def _ids(operations):
    return [pytest.param(method, path, id=f"{method} {path}") for method, path in operations]


def _everything():
    """A picture of every partner-owned table and the API's own writes (counts), to prove nothing changed."""
    counts = {m._meta.label: m.objects.count() for m in WATCHED}
    counts["outbox"] = OutboxMessage.objects.count()
    counts["idempotency"] = IdempotencyKey.objects.count()
    return counts


def test_every_operation_is_placed_in_the_table():
    assert set(OPERATIONS) == set(OPERATION_COLUMN)


@pytest.mark.parametrize(("method", "path"), _ids(op for op in OPERATIONS if "{id}" in op[1]))
def test_another_partners_ids_answer_404_and_change_nothing(
    method, path, partner, other_partner, member, api_for
):
    client = api_for(member(Role.ADMINISTRATOR))
    theirs = _object_for(path, other_partner)
    before, state = _everything(), model_to_dict(type(theirs).objects.get(pk=theirs.pk))
    response = _call(client, method, path.replace("{id}", str(theirs.pk)))
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert _everything() == before
    assert model_to_dict(type(theirs).objects.get(pk=theirs.pk)) == state


@pytest.mark.parametrize(
    ("method", "path"), _ids(op for op in OPERATIONS if op[0] == "GET" and _paginated(*op))
)
def test_lists_never_show_another_partners_rows(method, path, partner, other_partner, member, api_for):
    mine, theirs = _object_for(path + "{id}/", partner), _object_for(path + "{id}/", other_partner)
    ids = {row["id"] for row in api_for(member()).get(path).json()["results"]}
    assert mine.pk in ids and theirs.pk not in ids


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(("method", "path"), _ids(OPERATIONS))
def test_role_gets_what_the_table_grants(method, path, role, partner, member, api_for):
    allowed = role in DESIGN_TABLE[OPERATION_COLUMN[(method, path)]]
    client = api_for(member(role))
    if "{id}" in path:
        path = path.replace("{id}", str(_object_for(path, partner).pk))
    before = _everything()
    response = _call(client, method, path)
    if allowed:
        assert response.status_code not in (401, 403, 404) and response.status_code < 500, response.content
    else:
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert _everything() == before


def test_the_operations_use_numeric_ids_only():
    assert all(re.fullmatch(r"[a-z0-9/{}_\-]+", path) for _method, path in OPERATIONS)
