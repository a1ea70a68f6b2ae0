"""What a simulator run looks like: the partners it plays, its ports, its delays and faults.

A configuration comes from CLI options (``--partner sonora:opentrans:TOKEN:user:password``),
from a TOML or JSON file with the same keys, or is built directly in Python by tests.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PARTNER_KINDS = ("opentrans", "webhook", "email", "edifact")

#: Every fault mode, and the ones each channel can act out (others are ignored there).
FAULT_MODES = ("5xx", "timeout", "reset", "reset_after", "slow", "malformed")

ANSWER_POLICIES = ("confirm", "partial", "reject")


@dataclass
class PartnerConfig:
    """One simulated partner firm.

    ``portal_token`` is the partner token the simulator presents to the portal when it posts
    answers. ``inbound_token`` / ``username`` + ``password`` are what the portal must present
    when it delivers an openTRANS order (Bearer or Basic). ``secret`` is the webhook HMAC key.
    """

    slug: str
    kind: str
    portal_token: str | None = None
    inbound_token: str | None = None
    username: str | None = None
    password: str | None = None
    secret: str | None = None
    #: E-mail partners: the mailbox address; messages to ``<slug>@…`` reach it as well.
    address: str | None = None
    #: Party id the partner uses as sender of its answers (EDIFACT UNB sender, openTRANS party).
    party_id: str | None = None
    #: The partner's own catalog (``simulator.catalogs``): a BMEcat or CSV file, or
    #: ``generated:PREFIX:SIZE[:SEED]``; lines whose options it does not offer are rejected.
    catalog: str | None = None

    def __post_init__(self) -> None:
        if not self.slug or not self.slug.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"partner slug must be letters, digits, '-' or '_': {self.slug!r}")
        if self.kind not in PARTNER_KINDS:
            raise ValueError(
                f"partner {self.slug}: kind must be one of {', '.join(PARTNER_KINDS)}, "
                f"not {self.kind!r}"
            )
        if self.kind == "webhook" and not self.secret:
            raise ValueError(f"webhook partner {self.slug} needs a signing secret")
        if (self.username is None) != (self.password is None):
            raise ValueError(f"partner {self.slug}: give both username and password, or neither")

    @property
    def sender_party_id(self) -> str:
        return self.party_id or self.slug.upper()

    @property
    def mailbox_address(self) -> str:
        return (self.address or f"orders@{self.slug}.example").lower()

    @classmethod
    def parse(cls, spec: str) -> PartnerConfig:
        """Read the CLI shorthand.

        - ``sonora:opentrans:TOKEN[:user:password]`` — TOKEN is the portal token and is also
          accepted as inbound Bearer token; user/password enable Basic auth.
        - ``klangwerk:webhook:TOKEN:SECRET``
        - ``otoplast:email:TOKEN[:address]``
        - ``audiotec:edifact[:PARTY_ID]`` — answers go to files, no token needed.
        """
        parts = spec.split(":")
        if len(parts) < 2:
            raise ValueError(f"--partner {spec!r}: expected slug:kind[:…]")
        slug, kind, rest = parts[0], parts[1], parts[2:]
        token = rest[0] if rest and rest[0] else None
        if kind == "opentrans":
            if len(rest) == 2:
                raise ValueError(
                    f"--partner {spec!r}: expected slug:opentrans:TOKEN[:user:password]"
                )
            username = rest[1] if len(rest) >= 3 else None
            password = ":".join(rest[2:]) if len(rest) >= 3 else None
            return cls(
                slug,
                kind,
                portal_token=token,
                inbound_token=token,
                username=username,
                password=password,
            )
        if kind == "webhook":
            if len(rest) < 2:
                raise ValueError(f"--partner {spec!r}: expected slug:webhook:TOKEN:SECRET")
            return cls(slug, kind, portal_token=token, secret=":".join(rest[1:]))
        if kind == "email":
            address = rest[1] if len(rest) >= 2 else None
            return cls(slug, kind, portal_token=token, address=address)
        if kind == "edifact":
            return cls(slug, kind, party_id=token)
        return cls(slug, kind)  # raises for the unknown kind


@dataclass
class SimulatorConfig:
    """Everything a :class:`simulator.Simulator` needs. Ports 0 mean "pick a free one"."""

    partners: list[PartnerConfig] = field(default_factory=list)
    portal_url: str | None = None
    host: str = "127.0.0.1"
    http_port: int = 0
    smtp_port: int = 0
    #: Root of the EDIFACT drop directories (``<drop_root>/<slug>/out`` and ``/in``);
    #: a temporary directory when not given.
    drop_root: str | None = None
    #: Where received e-mails are stored as .eml files (``<mail_root>/<slug>/new``).
    mail_root: str | None = None
    # Answers
    answers: bool = True
    answer_delay: float = 1.0
    ship_delay: float = 2.0
    answer_policy: str = "confirm"
    answer_attempts: int = 8
    answer_backoff: float = 0.25
    answer_backoff_max: float = 8.0
    portal_timeout: float = 10.0
    # Faults
    fail_rate: float = 0.0
    fail_modes: list[str] = field(default_factory=lambda: ["5xx"])
    seed: int | None = None
    #: Faults only for these partner slugs; None = every partner.
    fault_partners: list[str] | None = None
    #: How long the ``timeout`` fault holds a request (longer than the sender's timeout).
    timeout_hold: float = 30.0
    #: How long the ``slow`` fault delays a correct answer.
    slow_delay: float = 2.0
    drop_poll_interval: float = 0.2
    max_body_bytes: int = 20 * 1024 * 1024

    def __post_init__(self) -> None:
        slugs = [p.slug for p in self.partners]
        duplicates = {s for s in slugs if slugs.count(s) > 1}
        if duplicates:
            raise ValueError(f"partner slugs configured twice: {', '.join(sorted(duplicates))}")
        if self.portal_url:
            self.portal_url = self.portal_url.rstrip("/")

    def partner(self, slug: str) -> PartnerConfig:
        for partner in self.partners:
            if partner.slug == slug:
                return partner
        raise KeyError(slug)

    def partners_of(self, kind: str) -> list[PartnerConfig]:
        return [p for p in self.partners if p.kind == kind]

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> SimulatorConfig:
        """Build from a parsed TOML/JSON document; ``partners`` is a list of tables or specs."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown simulator settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        partners = []
        for entry in values.pop("partners", []):
            if isinstance(entry, str):
                partners.append(PartnerConfig.parse(entry))
            else:
                partners.append(PartnerConfig(**entry))
        return cls(partners=partners, **values)

    @classmethod
    def from_file(cls, path: str | Path) -> SimulatorConfig:
        path = Path(path)
        if path.suffix.lower() == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls.from_mapping(data)
