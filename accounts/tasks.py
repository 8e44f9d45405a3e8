"""Periodic jobs of the accounts: sign-in records are kept only as long as the throttle needs them."""

from celery import shared_task

from .throttle import prune_login_records


@shared_task(name="accounts.prune_login_records")
def prune_login_records_task() -> int:
    return prune_login_records()
