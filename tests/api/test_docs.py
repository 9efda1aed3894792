"""The schema and the documentation page are the portal's own: served without a token, no CDN, no inline
script for the Content-Security-Policy to block."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_the_bearer_scheme(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert "/api/v1/accounts/{id}/subaccounts/" in schema["paths"]


def test_the_docs_page_loads_its_scripts_from_the_portals_static_files(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(s.startswith("/") for s in sources), sources
