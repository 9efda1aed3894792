"""Every main page of every section, as an administrator of the demo partner, in English and in Russian:
axe-core (node_modules/axe-core, package.json) finds no accessibility violation in the light and in the dark
color scheme, and a screenshot of it at a laptop's 1366 px and at a phone's 390 px is written to
test-results/screenshots/<language>/<width>/<page>.png for a reviewer to look at (issue 15)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope

from demo.management.commands.seed_demo import DEMO_PASSWORD, PARTNERS
from profiles.models import Partner
from tests.factories import PresaleRequestFactory
from tests.portal.urlwalk import portal_urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = settings.BASE_DIR / "test-results" / "screenshots"
WIDTHS = {"laptop": 1366, "phone": 390}
PAGE_SCROLLS = "document.documentElement.scrollWidth > window.innerWidth + 1"
# what a page shows for one object: its detail page and the forms that edit it (the lists and the forms
# without an id are all taken from the URLconf)
DETAIL_PAGES = [
    "accounts:detail",
    "accounts:edit",
    "subaccounts:detail",
    "tools:registration_detail",
    "tools:presale_detail",
    "finance:accrual_detail",
    "finance:subaccount_bonus",
    "access:member_edit",
]
# answers other than a page: the choice searches (JSON)
NOT_PAGES = {"accounts:search", "subaccounts:search", "finance:clouds", "finance:folders", "search_suggest"}
# axe's WCAG 2.1 A and AA rules and its best practices; an image's colours are its own (charts have their
# own test, tests/portal/test_charts.py)
AXE_RUN = """async (dark) => {
  // the page as a person meets it: after its first frames, when the scripts' layout observers (a table frame
  // that scrolls takes the keyboard's focus: static/js/portal.js) have run
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const result = await axe.run(document, {
    runOnly: dark ? ['color-contrast'] : ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
    resultTypes: ['violations'],
  });
  // axe leaves a reference to a missing id for a person to review: here it is a violation
  const dangling = [...document.querySelectorAll('[aria-describedby], [aria-labelledby]')].flatMap(el =>
    ['aria-describedby', 'aria-labelledby'].flatMap(name => (el.getAttribute(name) || '').split(/\\s+/)
      .filter(id => id && !document.getElementById(id))
      .map(id => `${name}: ${el.tagName.toLowerCase()}#${el.id} points to the missing id ${id}`)));
  return result.violations.map(v => `${v.id}: ${v.help} — ` +
    v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')).join(' | '))
    .concat(dark ? [] : dangling);
}"""


def main_pages(partner) -> dict[str, str]:
    """``{url name: path}`` of every page a user opens from the navigation or a table: each list and form
    without an id in the URLconf, and the detail pages above filled with one of ``partner``'s objects."""
    pages = {}
    with scope(partner=partner):
        for url in portal_urls():
            if url.name in NOT_PAGES or not hasattr(url.view_class, "get"):
                continue
            if not url.params:
                pages[url.name] = reverse(url.name)
            elif url.name in DETAIL_PAGES:
                obj = url.view_class.queryset.order_by("pk").first()
                assert obj is not None, f"{url.name}: the demo data has no object for it"
                pages[url.name] = reverse(url.name, kwargs={"pk": obj.pk})
    assert set(DETAIL_PAGES) <= set(pages)
    return pages


@pytest.fixture
def demo():
    """The demo data (demo/), and a presale request the demo does not make."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    alpha = Partner.objects.get(tax_id=PARTNERS[0][2])
    PresaleRequestFactory(account=alpha.accounts.order_by("pk").first(), partner=alpha)
    return alpha


def test_every_main_page_has_no_accessibility_violation_in_either_scheme(live_server, browser, demo):
    pages = main_pages(demo)
    found, scrolls = {}, []
    for language in ("en", "ru"):
        # one browser context per language, signed in once; axe as an init script runs before the page's own
        # and outside its Content-Security-Policy, which stays on
        context = browser.new_context(viewport={"width": WIDTHS["laptop"], "height": 900}, locale=language)
        context.add_init_script(path=AXE)
        page = context.new_page()
        page.goto(f"{live_server.url}/auth/login/")
        page.locator("input[name=login]").fill("administrator@alpha.example")
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(f"{live_server.url}/dashboard/")
        if language != settings.LANGUAGE_CODE:
            page.locator("#language-switch").select_option(language)
            page.wait_for_function(f"document.documentElement.lang === '{language}'")

        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.ok, f"{path}: {response.status}"
            assert page.evaluate("document.documentElement.lang") == language, path
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                if violations := page.evaluate(AXE_RUN, scheme == "dark"):
                    found[f"{language} {path} ({scheme})"] = violations
            page.emulate_media(color_scheme="light")
            for width_name, width in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": 900})
                if width_name == "phone" and page.evaluate(PAGE_SCROLLS):
                    scrolls.append(f"{language} {path}")
                target = SCREENSHOTS / language / str(width) / f"{name.replace(':', '-')}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=target, full_page=True)
            page.set_viewport_size({"width": WIDTHS["laptop"], "height": 900})
        context.close()

    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in found.items())
    assert not scrolls, f"pages that scroll sideways on a phone: {scrolls}"
    for language in ("en", "ru"):
        assert (SCREENSHOTS / language / "390" / "dashboard.png").stat().st_size > 0
