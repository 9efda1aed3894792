"""Reports and heavy pages read from a real streaming replica; writes and read-after-write stay on the
primary; a replica that is down or behind is not read (portal/replica.py, tests/replica.py)."""

import copy
import datetime
import logging
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance import tasks
from finance.models import Program, Report
from portal import replica
from portal.replica import REPLICA
from subaccounts.models import Subaccount
from tests.factories import (
    AccountFactory,
    AccrualFactory,
    ConsumptionFactory,
    MonthlyConsumptionFactory,
    RebateTermFactory,
    SubaccountFactory,
)
from tests.replica import free_port

# committed rows (transaction=True) are what streams to the replica
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
    pytest.mark.usefixtures("replica_alias"),
]
D = Decimal
OCTOBER = {"period": "custom", "start": "2026-10-01", "finish": "2026-10-31"}


@pytest.fixture(scope="module")
def replica_alias(streaming_replica):
    """The alias ``replica`` on the real replica, as with_replica() configures it from DATABASE_REPLICA_URL.
    It shows the test database's rows, so Django's test cases must neither create nor flush it: TEST's
    MIRROR says so. Added after the test databases were set up, it is not redirected to the primary (what a
    MIRROR in settings would do): its connection goes to the replica's own port."""
    config = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    config.update(
        HOST="127.0.0.1", PORT=str(streaming_replica.port), ATOMIC_REQUESTS=False, CONN_HEALTH_CHECKS=True
    )
    config["TEST"] = {**config["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = config
    yield config
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def every_read_checks_the_replica(settings, streaming_replica):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60  # this machine is shared and slow: lag is tested below
    yield
    streaming_replica.resume()


@pytest.fixture
def warnings_logged():
    """The warnings portal.replica logs during the test (the suite may run without pytest's logging)."""
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("portal.replica")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.fixture
def usage(partner, streaming_replica):
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.1000"), valid_from=datetime.date(2026, 1, 1))
    subaccount = SubaccountFactory(account=AccountFactory(partner=partner), name="Gamma prod")
    for day, cost in ((3, "1000.00"), (12, "20.00")):
        ConsumptionFactory(subaccount=subaccount, date=datetime.date(2026, 10, day), cost=D(cost))
    MonthlyConsumptionFactory(subaccount=subaccount, cost=D("1020.00"))
    AccrualFactory(partner=partner, subaccount=subaccount, period=datetime.date(2026, 10, 1))
    streaming_replica.wait_for_replay()
    return subaccount


def ran(queries, fragment: str) -> bool:
    return any(fragment in q["sql"] for q in queries)


def usage_total(response) -> Decimal:
    (total,) = response.context["details"].totals
    return total["consumption"]


def test_the_replica_is_a_real_standby_that_refuses_writes_and_the_router_saves_to_the_primary(usage):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
        assert cursor.fetchone() == (True, connections[REPLICA].settings_dict["PORT"])
    with pytest.raises(DatabaseError, match="read-only"):
        Subaccount.objects.using(REPLICA).filter(pk=usage.pk).update(name="Renamed")
    read_there = Subaccount.objects.using(REPLICA).get(pk=usage.pk)
    read_there.name = "Renamed"
    read_there.save()  # the router sends every write to the primary
    assert Subaccount.objects.get(pk=usage.pk).name == "Renamed"


HEAVY_PAGES = [  # (URL name, query, a table the page's figures come from)
    ("finance:bonuses", OCTOBER, "finance_customermonth"),
    ("finance:partner_bonus", {"month": "2026-10"}, "finance_accrual"),
    ("finance:index", {}, "finance_accrual"),
    ("dashboard", {}, "finance_dailyskuusage"),
]


def test_subaccount_details_its_csv_and_the_other_heavy_pages_are_read_from_the_replica(
    usage, member, client_for
):
    client = client_for(member())
    with CaptureQueriesContext(connections[REPLICA]) as there, CaptureQueriesContext(connection) as here:
        page = client.get(reverse("finance:usage"), OCTOBER)
        csv = b"".join(client.get(reverse("finance:usage"), {**OCTOBER, "export": "csv"}).streaming_content)
    assert usage_total(page) == D("1020.00")
    assert b"Total,,,RUB,1020.00" in csv
    assert ran(there, "GROUPING(") and ran(there, "GROUP BY t.bucket")
    assert not ran(here, "GROUPING(") and not ran(here, "finance_consumption")
    for url, params, table in HEAVY_PAGES:
        with CaptureQueriesContext(connections[REPLICA]) as there, CaptureQueriesContext(connection) as here:
            assert client.get(reverse(url), params).status_code == 200
        assert ran(there, table), url
        assert not ran(here, table), url


def test_the_commission_report_is_the_replicas_a_row_it_has_not_replayed_is_not_in_it(
    usage, member, client_for, streaming_replica
):
    """COPY bypasses Django's query log: the replica's own figures prove where the report was read."""
    client = client_for(member())
    url = reverse("finance:commission")
    period = {"start": "2026-10-01", "finish": "2026-10-31", "export": "csv"}
    streaming_replica.pause()
    ConsumptionFactory(subaccount=usage, date=datetime.date(2026, 10, 20), cost=D("5.00"))
    streaming_replica.wait_for_receipt()
    rows = b"".join(client.get(url, period).streaming_content).decode().splitlines()
    assert [line.split(",")[11] for line in rows[1:]] == ["2026-10-03", "2026-10-12"]
    streaming_replica.resume()
    streaming_replica.wait_for_replay()
    rows = b"".join(client.get(url, period).streaming_content).decode().splitlines()
    assert [line.split(",")[11] for line in rows[1:]] == ["2026-10-03", "2026-10-12", "2026-10-20"]


def test_a_prepared_commission_report_reads_its_rows_from_the_replica(usage, partner, member):
    report = Report.objects.create(
        partner=partner,
        kind=Report.Kind.COMMISSION,
        params={"start": "2026-10-01", "finish": "2026-10-31", "accounts": None},
        created_by=member().user,
    )
    with CaptureQueriesContext(connections[REPLICA]) as there:
        assert tasks.generate_commission_report(report.pk) == 2
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert ran(there, "count(*) FROM finance_consumption")


def test_after_a_write_the_same_user_reads_the_primary_while_the_replica_is_behind(
    usage, partner, member, client_for, streaming_replica
):
    writer, other = client_for(member()), client_for(member())
    streaming_replica.pause()
    created = writer.post(
        reverse("subaccounts:create", args=[usage.account.pk]),
        {"name": "Delta prod", "customer_email": "cfo@delta.example"},
    )
    assert created.status_code == 302
    assert replica.PIN_COOKIE in created.cookies
    streaming_replica.wait_for_receipt()  # on the replica's disk, not yet replayed

    def pending(client):
        with CaptureQueriesContext(connections[REPLICA]) as there:
            counts = client.get(reverse("dashboard")).context["status_counts"]
        return dict((value, n) for value, _label, n in counts)[Subaccount.Status.ACCEPTANCE_REQUIRED], there

    mine, mine_there = pending(writer)
    theirs, theirs_there = pending(other)
    assert mine == 1 and not mine_there  # the writer sees the subaccount just created: the primary's
    assert theirs == 0 and theirs_there  # another user reads the replica, paused before it
    streaming_replica.resume()
    streaming_replica.wait_for_replay()
    assert pending(other)[0] == 1


def test_a_replica_that_does_not_answer_is_not_read_and_says_so(
    usage, member, client_for, replica_alias, warnings_logged
):
    port = replica_alias["PORT"]
    connections[REPLICA].close()
    replica_alias["PORT"] = str(free_port())  # nothing listens there: refused
    try:
        with CaptureQueriesContext(connection) as here:
            response = client_for(member()).get(reverse("finance:usage"), OCTOBER)
    finally:
        connections[REPLICA].close()
        replica_alias["PORT"] = port
    assert usage_total(response) == D("1020.00")
    assert ran(here, "GROUPING(")
    assert any("does not answer" in r.getMessage() for r in warnings_logged)


def test_a_replica_further_behind_than_the_bound_is_not_read(
    usage, member, client_for, streaming_replica, settings, warnings_logged
):
    streaming_replica.pause()
    ConsumptionFactory(subaccount=usage, date=datetime.date(2026, 10, 20), cost=D("5.00"))
    streaming_replica.wait_for_receipt()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
    response = client_for(member()).get(reverse("finance:usage"), OCTOBER)
    assert usage_total(response) == D("1025.00")  # the primary's figure, the new row in it
    assert any("behind" in r.getMessage() for r in warnings_logged)
