"""Login throttling (issue 14, fault 5): per username + IP *and* per account from any address.

django-axes locks a username + client address after ``AXES_FAILURE_LIMIT`` failures (default 5).
That alone lets an attacker spread guesses over many addresses (80 guesses from 20 addresses locked
nothing). This handler adds a second, account-wide count: ``LOGIN_ACCOUNT_FAILURE_LIMIT`` failures
(default 20) for one username within the cool-off time, from any address, lock that account for the
cool-off time (``AXES_COOLOFF_TIME``, default 15 minutes) — also for its owner, which is the price
of not letting a distributed guesser go on; the lock ends by itself, an operator can lift it with
``orderhub axes_reset_username USERNAME``.

Axes compares one number with one limit; the account-wide count is scaled onto the username + IP
limit so that ``floor(account × pair_limit / account_limit) ≥ pair_limit`` exactly when
``account ≥ account_limit``.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def account_failures(username: str, since) -> int:
    rows = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    return rows.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AccountAwareHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        pair = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        account_limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
        if not username or account_limit <= 0:
            return pair
        try:
            since = get_cool_off_threshold(request)
        except (TypeError, AttributeError):
            since = timezone.now() - get_cool_off(request)
        pair_limit = get_failure_limit(request, credentials)
        scaled = account_failures(username, since) * pair_limit // account_limit
        return max(pair, scaled)
