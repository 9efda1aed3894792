"""Django admin: every model is managed there, every page opens, money records are read-only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from finance.models import Accrual, Consumption, LedgerEntry
from tests.factories import UserFactory
from tests.portal.urlwalk import FACTORIES

SECTIONS = {"profiles", "access", "accounts", "subaccounts", "tools", "referral", "finance"}
MODELS = [m for m in apps.get_models() if m._meta.app_label in SECTIONS]


def test_every_model_of_the_sections_is_in_admin():
    assert {m._meta.label for m in MODELS} - {m._meta.label for m in admin.site._registry} == set()


def test_every_model_has_a_factory():
    assert {m._meta.label for m in MODELS} - {m._meta.label for m in FACTORIES} == set()


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_search_and_change_page_open(model, superuser_client):
    obj = FACTORIES[model]()
    info = model._meta.app_label, model._meta.model_name
    changelist = superuser_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
    assert changelist.status_code == 200
    assert superuser_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200


@pytest.mark.parametrize("model", [LedgerEntry, Accrual, Consumption], ids=lambda m: m.__name__)
def test_money_records_cannot_be_added_changed_or_deleted_in_admin(model, superuser_client):
    obj = FACTORIES[model]()
    info = model._meta.app_label, model._meta.model_name
    assert superuser_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 403
    assert superuser_client.get(reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])).status_code == 403
    page = superuser_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).content.decode()
    assert 'name="_save"' not in page
