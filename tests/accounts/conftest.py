"""Personal logins: a company with branches F1/F2 and employees per branch, a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time

import pytest

from orderhub.accounts.models import Account
from tests.conftest import snapshot
from tests.ordering.conftest import order_body, submit


class Mailbox:
    """An aiosmtpd server on 127.0.0.1 that keeps what Django's SMTP backend sends."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, timeout: float = 10.0):
        """The ``count``-th message to ``to``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                mine = [m for m in self.messages if to in m["To"]]
                if len(mine) >= count:
                    return mine[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail #{count} to {to}: {len(mine)} arrived")
                self._changed.wait(left)

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @classmethod
    def link(cls, message) -> str:
        (url,) = set(re.findall(r"https?://\S+", cls.body(message)))
        return url


@pytest.fixture
def mailbox(settings):
    from simulator.mail_partner import PortPickingController

    box = Mailbox()
    controller = PortPickingController(box, hostname="127.0.0.1", port=0)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 10
    yield box
    controller.stop()


def people_snapshot():
    """U1 administrator in both branches, U2 in F1, U3 in F2, U4 without e-mail; customer numbers
    company-wide, for F1 and for F2."""
    data = snapshot(branches=2, users=4)
    data["users"][0]["branch_ids"] = ["F1", "F2"]
    data["users"][1]["branch_ids"] = ["F1"]
    data["users"][2]["branch_ids"] = ["F2"]
    data["users"][3]["branch_ids"] = ["F1"]
    data["users"][3]["email"] = None
    data["customer_numbers"] = [
        {"partner": "sonora", "customer_number": "K-4711", "branch_id": None},
        {"partner": "audiotec", "customer_number": "AT-F1", "branch_id": "F1"},
        {"partner": "audiotec", "customer_number": "AT-F2", "branch_id": "F2"},
    ]
    return data


def cart_body(external_id: str, branch: str, user: str):
    """An order whose third line no catalog knows: it opens a cart."""
    body = order_body(external_id, branch_id=branch, ordered_by=user)
    body["lines"].append(
        {"position": 3, "quantity": 1, "partner_article_number": "XX-UNBEKANNT", "description": "?"}
    )
    return body


@pytest.fixture
def people(api, company, partners, sonora_catalog):
    """The company (registration login = administrator) with people and a cart in each branch."""
    r = api.put("/api/v1/masterdata", people_snapshot())
    assert r.status_code == 200, r.json_body
    carts = {}
    for branch, user in (("F1", "U2"), ("F2", "U3")):
        r = submit(api, cart_body(f"B-{branch}", branch, user), key=f"key-{branch}")
        assert r.json_body["status"] == "cart", r.json_body
        carts[branch] = r.json_body["id"]
    return {"company": company[0], "admin": company[1], "api": api, "carts": carts}


def make_login(company, employee, role: str, password: str = "Filiale-Passwort-1"):
    """A login of ``employee`` as if the invitation had been accepted."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=employee.email, email=employee.email, password=password
    )
    Account.objects.create(user=user, company=company, role=role, employee=employee)
    return user
