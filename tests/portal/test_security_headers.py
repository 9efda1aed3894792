"""What every answer tells the browser: a Content-Security-Policy that no inline code passes, a
Permissions-Policy that denies the devices the portal never uses; and pages that keep to the policy."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from portal.charts import stacked_bars
from tests.factories import UserFactory
from tests.portal.urlwalk import fill, portal_urls

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as ``{directive: [sources]}``."""
    header = response.headers.get("Content-Security-Policy", "")
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


class InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' blocks: <script> without src (JSON data blocks are not run),
    <style>, style="…" and on…="…" attributes, javascript: addresses."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            is_address = name in ("href", "src", "action", "formaction")
            if is_address and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_allows_only_the_portals_own_scripts_and_styles_and_is_never_framed(
    client, member, signed_in
):
    if signed_in:
        client.force_login(member().user)
    response = client.get(reverse("dashboard") if signed_in else reverse("account_login"))
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"] and directives["base-uri"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_browser_features_the_portal_never_uses_are_denied(client):
    header = client.get(reverse("account_login")).headers["Permissions-Policy"]
    features = dict(part.strip().split("=", 1) for part in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth"):
        assert features[feature] == "()", feature


GET_PAGES = [u for u in portal_urls() if hasattr(u.view_class, "get")]


@pytest.mark.parametrize("url", GET_PAGES, ids=lambda u: u.name)
def test_no_portal_page_carries_inline_code_the_policy_would_block(url, partner, member, client_for):
    response = client_for(member()).get(reverse(url.name, kwargs=fill(url, partner)))
    assert response.status_code == 200
    if response.streaming or not response["Content-Type"].startswith("text/html"):
        pytest.skip("a file, not a page")
    assert inline_code(response.content.decode()) == []


def test_the_sign_in_two_factor_and_admin_pages_carry_no_inline_code(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert inline_code(client.get(reverse("account_login")).content.decode()) == []
    client.force_login(admin)
    for name in ("mfa_index", "account_reset_password", "admin:index", "admin:auth_user_changelist"):
        assert inline_code(client.get(reverse(name)).content.decode()) == [], name
    change = client.get(reverse("admin:auth_user_change", args=[admin.pk])).content.decode()
    assert inline_code(change) == []


def test_a_chart_is_drawn_without_inline_styles_in_the_page():
    chart = stacked_bars(title="Consumption", labels=["Jan", "Feb"], series={"Cost": [1, 2]})
    assert inline_code(chart) == [] and "<img" in chart and 'alt="Consumption"' in chart
