"""An Idempotency-Key's first answer is kept a day for the client's retries, then dropped by the beat."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from api.models import IdempotencyKey
from api.tasks import purge_idempotency_keys
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def test_keys_older_than_a_day_are_dropped_and_younger_ones_kept():
    token = ApiTokenFactory()
    now = timezone.now()
    for hours, key in ((25, "old"), (23, "young")):
        with time_machine.travel(now - datetime.timedelta(hours=hours), tick=False):
            IdempotencyKey.objects.create(token=token, key=key, fingerprint="f" * 64, status_code=201)
    assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["young"]


def test_the_purge_is_on_the_nightly_beat():
    task = PeriodicTask.objects.get(task="api.tasks.purge_idempotency_keys")
    assert (task.enabled, task.crontab.hour, task.crontab.minute) == (True, "4", "15")
