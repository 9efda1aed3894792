"""``manage.py send_outbox``: send what waits in the outbox now, without waiting for the beat's sweep."""

from django.core.management.base import BaseCommand, CommandError

from portal import outbox
from portal.models import OutboxMessage


class Command(BaseCommand):
    help = "Send the background tasks that wait in the outbox (queued while the broker did not answer)."

    def handle(self, *args, **options):
        sent = outbox.send_waiting()
        left = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"Sent {sent.count} message(s); {left} still waiting.")
        if sent.error:
            raise CommandError(f"The broker did not answer: {sent.error}")
