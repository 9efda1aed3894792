"""Every email the portal sends, one way: the subject and the body rendered from ``<name>_subject.txt`` and
``<name>.txt`` in one language, sent as one message, by a task that retries a mail server that is away
(``RETRY``). The tasks that call it take ids, reload their rows and decide whether there is still
anything to say."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


# the options of every task that sends mail: a mail server that is away is retried with back-off
def send_each(template: str, context: dict, recipients: Iterable[tuple[str, str | None]], **options) -> int:
    """``send`` to ``(address, language)`` pairs, one message per language, each in its recipients' own.
    Returns how many messages went out."""
    by_language: dict[str | None, list[str]] = {}
    for address, language in recipients:
        by_language.setdefault(language, []).append(address)
    return sum(
        send(template, context, to, language=language, **options) for language, to in by_language.items()
    )


RETRY = {"autoretry_for": (ConnectionError, OSError), "retry_backoff": True, "max_retries": 5}


def send(
    template: str, context: dict, to: Iterable[str], *, reply_to: str = "", language: str | None = None
) -> bool:
    """Send ``template`` rendered with ``context`` to the addresses in ``to`` (blank ones dropped), in
    ``language`` (the portal's default when None); replies go to ``reply_to`` when given. False when there
    is nobody to send it to."""
    recipients = [address for address in to if address]
    if not recipients:
        return False
    # the default language itself, not none at all: numbers and dates are then written as it writes them
    with translation.override(language or settings.LANGUAGE_CODE):
        # a subject is one line whatever the template's line breaks (a newline in a header is refused)
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=recipients, reply_to=[reply_to] if reply_to else None).send()
    return True
