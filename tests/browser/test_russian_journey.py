"""A Russian-speaking administrator's first visit, in a browser (issue 15): they switch the header's
language to Russian, create a customer and a subaccount for it in Russian, read their balance with Russian
grouping and dates, and the customer's invitation arrives in Russian — the language of its sender."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from access.models import UserPreferences
from portal.permissions import Role
from tests.factories import PASSWORD, LedgerBalanceFactory, MembershipFactory
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_russian_journey(live_server, page, partner, settings, celery_worker_over_redis):
    settings.PORTAL_BASE_URL = live_server.url
    admin = MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="olga@alpha.example")
    LedgerBalanceFactory(partner=partner, amount=Decimal("1234567.89"))

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("olga@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # the header's switch: the page comes back in Russian and the choice is kept for the user
    page.get_by_label("Language").select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert UserPreferences.objects.get(user=admin.user).language == "ru"
    sections = page.get_by_role("navigation", name="Разделы")

    # figures and dates as a Russian reader writes them: 1 234 567,89 (no-break spaces), 26.11.2026
    sections.get_by_role("link", name="Финансы").click()
    page.get_by_role("link", name="Баланс ребейтов").first.click()
    expect(page.locator("main")).to_contain_text("1\xa0234\xa0567,89")
    expect(page.locator("main")).not_to_contain_text("1,234,567.89")
    today = timezone.localdate()  # the provider's day (Moscow)
    expect(page.locator("main")).to_contain_text(today.strftime("%d.%m.%Y"))

    # a customer, created in Russian
    sections.get_by_role("link", name="Аккаунты", exact=True).click()
    page.get_by_role("link", name="Новый аккаунт").click()
    page.get_by_label("Налоговый номер").fill("7707083893")
    page.get_by_label("Название компании").fill("Гамма Ритейл")
    page.get_by_label("Юридическое название").fill("ООО «Гамма Ритейл»")
    contacts = page.get_by_role("group", name="Контакты")
    contacts.get_by_label("Имя").fill("Ирина Петрова")
    contacts.get_by_label("Электронная почта").fill("it@gamma.example")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", name="Гамма Ритейл")).to_be_visible()

    # its subaccount: the customer's invitation goes out in the sender's language
    page.get_by_role("link", name="Создать субаккаунт").first.click()
    page.get_by_label("Имя").fill("Гамма прод")
    expect(page.get_by_label("Электронная почта клиента")).to_have_value("it@gamma.example")  # the contact's
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", name="Гамма прод")).to_be_visible()

    wait_for(lambda: mail.outbox, 20)
    message = mail.outbox[0]
    assert message.to == ["it@gamma.example"]
    assert message.subject == f"{partner.name} приглашает вас в платёжный субаккаунт"
    assert re.search(r"Здравствуйте", message.body)
    assert f"{live_server.url}/" in message.body
