from django.db import transaction

from .models import Account


@transaction.atomic
def account_create(*, partner, created_by, **fields) -> Account:
    """Create a customer account of ``partner``; the creator becomes its owner."""
    account = Account(partner=partner, owner=created_by, **fields)
    account.full_clean()
    account.save()
    return account
