"""bench/load.py's users open only pages that answer them: an error in the load test is the server's."""

import datetime
import random

from bench.load import MIX, ROLE, World
from portal.permissions import Role
from tests.factories import AccountFactory, SubaccountFactory


def test_every_page_of_the_load_mix_opens_for_its_users(partner, member, client_for):
    subaccount = SubaccountFactory(account=AccountFactory(partner=partner))
    world = World([subaccount.pk], (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)))
    client = client_for(member(Role(ROLE)))
    assert sum(page.weight for page in MIX) == 100
    for page in MIX:
        response = client.get(page.url(random.Random(1), world))
        assert response.status_code == 200, f"{page.name} answered {response.status_code}"
