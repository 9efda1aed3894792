"""Settings as each environment gets them, read in a process of their own."""

import json
import os
import subprocess
import sys

import pytest


def settings_of(module: str, *names: str) -> dict:
    """``names`` of ``module``'s Django settings, as a process started with it sees them."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # read, never connected
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "DJANGO_SECRET_KEY": "x" * 50,
    }
    env.pop("DJANGO_CONN_MAX_AGE", None)
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("module", "age"), [("portal.settings.local", 0), ("portal.settings.production", 60)]
)
def test_the_threaded_dev_server_keeps_no_idle_connections_and_production_reuses_them(module, age):
    databases = settings_of(module, "DATABASES")["DATABASES"]
    assert databases["default"]["CONN_MAX_AGE"] == age
