"""The portal behind a real gunicorn, started by the test with the production server's configuration
(scripts/gunicorn.conf.py): what a browser sees when a streamed download fails half-way."""

import datetime
import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from finance.models import Consumption
from tests.factories import AccountFactory, ConsumptionFactory, SubaccountFactory
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
ROWS = 100_000


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn():
    """gunicorn on a free port of 127.0.0.1, on the test database, its statements bounded at 300 ms."""
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/"
        + db["NAME"],
        "DJANGO_DB_STATEMENT_TIMEOUT": "300ms",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and configuration)
        [sys.executable, "-m", "gunicorn", "-c", "scripts/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert wait_for(lambda: listening(port), 60), "gunicorn did not start listening"
    yield port
    server.terminate()
    server.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_streamed_report_that_fails_half_way_ends_as_an_error_the_client_sees(partner, member, gunicorn):
    """The report's COPY is stopped by the web's statement timeout after the download began (status 200 and
    the header line are out): the response must not end as if complete — no final chunk, so the browser shows
    a failed download, never a quietly truncated file."""
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    template = ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 3, 1))
    columns = [
        f.column for f in Consumption._meta.concrete_fields if f.column not in ("id", "sku_id", "date")
    ]
    # ROWS rows of March, each its own SKU — named apart from the factory's sku-<n>, which one of them met
    # when the session's factories had counted past 31 (a duplicate key, a flaky failure)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO finance_consumption ({", ".join(columns)}, sku_id, date)
                SELECT {", ".join(columns)}, 'streamed-sku-' || n, DATE '2026-03-01' + n %% 31
                FROM finance_consumption, generate_series(1, {ROWS}) n WHERE id = %s""",  # noqa: S608
            [template.pk],
        )
    settings.COMMISSION_STREAM_MAX_ROWS = 10 * ROWS  # streamed, as a small report would be
    login = Client()
    login.force_login(member().user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={login.cookies[settings.SESSION_COOKIE_NAME].value}"

    server = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    report = "/finance/commission/?start=2026-03-01&finish=2026-03-31&export=csv"
    server.request("GET", report, headers={"Cookie": cookie})
    response = server.getresponse()
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    with pytest.raises(http.client.IncompleteRead) as failed:
        response.read()
    received = failed.value.partial
    assert received.startswith(b"billing_account_id") and received.count(b"\n") < ROWS
