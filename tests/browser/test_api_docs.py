"""The API's documentation page, in a real Chromium under the portal's Content-Security-Policy: Swagger UI
from the portal's own static files (no CDN), its set-up a script file, the operations listed, no violation."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_shows_the_operations_without_a_violation(live_server, page, csp_violations):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_text("/api/v1/subaccounts/{id}/suspend/")).to_be_visible()
    assert csp_violations == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested), requested
