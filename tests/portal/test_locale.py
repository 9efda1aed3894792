"""The Russian locale is complete and in step with the sources, and a Russian browser gets Russian pages.

The catalogues are read with gettext's own tools (what ``compilemessages`` runs): ``msgfmt`` leaves out
every untranslated and every fuzzy entry, ``msgen`` makes a catalogue of all the msgids of a .po.
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils.translation.reloader import translation_file_changed

RU_PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
# what `manage.py makemessages -l ru` reads in the project: not the installed packages, the front-end
# libraries, collected static files, the embedded servers' data or the catalogue itself
NOT_SOURCES = shutil.ignore_patterns(
    ".*", "node_modules", "staticfiles", "test-results", "locale", "__pycache__"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%[sd]|\{\w*\}|</?\w+[^>]*>")


def gettext_tool(name: str, *args) -> None:
    """Runs one of GNU gettext's tools (scripts/setup installs them: compilemessages needs msgfmt)."""
    path = shutil.which(name)
    assert path, f"{name} not found: scripts/setup installs Debian's gettext"
    subprocess.run([path, *args], check=True)  # noqa: S603 (gettext's own tool on our files)


def catalogue(po: Path, tmp_path: Path, *, every_msgid: bool = False) -> dict:
    """msgid -> msgstr of a .po as Django would read it; ``every_msgid``: all of them, translated or not."""
    mo = tmp_path / f"{po.stem}-{every_msgid}.mo"
    if every_msgid:
        english = tmp_path / f"{po.stem}-en.po"
        gettext_tool("msgen", "-o", english, po)
        gettext_tool("msgfmt", "--use-fuzzy", "-o", mo, english)
    else:
        gettext_tool("msgfmt", "--check", "-o", mo, po)
    with mo.open("rb") as f:
        entries = gettext.GNUTranslations(f)._catalog
    # a plural's forms are keyed (msgid, n); the header is the empty msgid
    return {key: value for key, value in entries.items() if key != ""}


def msgids(entries: dict) -> set[str]:
    return {key[0] if isinstance(key, tuple) else key for key in entries}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids of the sources as they are now: makemessages run on a copy, into a catalogue of its own."""
    copy = tmp_path_factory.mktemp("sources") / "project"
    shutil.copytree(settings.BASE_DIR, copy, ignore=NOT_SOURCES, symlinks=True)
    (copy / "locale").mkdir()
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[]):
        mp.chdir(copy)
        call_command("makemessages", locale=["ru"], no_obsolete=True, no_location=True, verbosity=0)
    fresh = copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    return msgids(catalogue(fresh, tmp_path_factory.mktemp("fresh"), every_msgid=True))


def test_the_russian_catalogue_has_every_string_of_the_sources_and_no_other(extracted, tmp_path):
    assert RU_PO.exists(), (
        "no Russian catalogue: run manage.py makemessages -l ru --no-obsolete --no-location"
    )
    committed = msgids(catalogue(RU_PO, tmp_path, every_msgid=True))
    assert len(extracted) > 500  # the extraction itself worked
    assert sorted(extracted - committed) == [], (
        "new strings: run manage.py makemessages -l ru --no-obsolete --no-location"
    )
    assert sorted(committed - extracted) == [], "strings no longer in the sources: run the same command"


def test_every_string_has_a_russian_translation_none_fuzzy(tmp_path):
    every = msgids(catalogue(RU_PO, tmp_path, every_msgid=True))
    translated = catalogue(RU_PO, tmp_path)
    assert sorted(every - msgids(translated)) == [], "untranslated or fuzzy in locale/ru"
    assert sorted(str(key) for key, value in translated.items() if not value.strip()) == []


def test_every_translation_keeps_the_placeholders_and_tags_of_its_string(tmp_path):
    wrong = []
    for key, text in catalogue(RU_PO, tmp_path).items():
        if isinstance(key, tuple):  # a plural form may leave the number out ("одну"), never add one
            if not set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(key[0])) | {"%%"}:
                wrong.append((key, text))
        elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(key)):
            wrong.append((key, text))
    assert wrong == []


@pytest.fixture
def compiled(monkeypatch):
    """The .mo files Django reads, compiled as scripts/setup compiles them (skipped while up to date), and
    Django's translation cache emptied so that this process reads them."""
    monkeypatch.chdir(settings.BASE_DIR)
    call_command("compilemessages", ignore_patterns=[".venv", "node_modules", ".data", ".git"], verbosity=0)
    translation_file_changed(sender=None, file_path=Path("django.mo"))


def test_a_browser_that_prefers_russian_gets_the_login_page_in_russian(compiled, client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Вход в Партнёрский портал" in html
    assert "Sign in to the Partner Portal" not in html


def test_the_language_cookie_gives_the_dashboard_in_russian(compiled, member, client_for):
    client = client_for(member())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get(reverse("dashboard")).content.decode()
    assert "Alpha Integrator: обзор" in html
    assert "Управление доступом" in html  # the navigation
    assert "at a glance" not in html


def test_english_stays_the_default(compiled, member, client_for):
    html = client_for(member()).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en">' in html
    assert "Alpha Integrator at a glance" in html


@pytest.mark.parametrize("language", ["en", "ru"])
def test_terms_accruals_and_registrations_are_named_by_their_choices_label_in_the_readers_language(
    compiled, language
):
    """A rebate term, an accrual and a registration are named by their program's or kind's label in the
    reader's language (``portal.models.choice_label``: the label Django's ``get_<field>_display()`` gives,
    without translating every label of the field), and by the stored value of one no longer among them."""
    import datetime
    from decimal import Decimal

    from django.utils import translation

    from accounts.models import Account
    from finance.models import Accrual, Program, RebateTerm
    from tools.models import Registration

    with translation.override(language):
        for value in (*Program.values, "retired_program"):
            term = RebateTerm(program=value, rate=Decimal("0.1"), valid_from=datetime.date(2026, 1, 1))
            label = term.get_program_display()
            assert str(term) == f"{label} 10% from 2026-01-01"
            accrual = Accrual(program=value, period=datetime.date(2026, 1, 1), amount=Decimal("1.50"))
            accrual.currency = "RUB"
            assert str(accrual) == f"{label} 2026-01 1.50 RUB"
            if language == "ru" and value == Program.PARTNER_BONUS:  # the label translated
                assert str(term) == "Партнёрское вознаграждение 10% from 2026-01-01"
        for kind in Registration.Kind.values:
            registration = Registration(kind=kind, account=Account(name="Acme"))
            assert str(registration) == f"{registration.get_kind_display()}: Acme"
