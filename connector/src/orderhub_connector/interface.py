"""Interface settings on the practice side (SPEC §3.4) and the rule that says where they apply.

A practice configures the OrderHub interface in its software much like any other interface:
restricted to one branch or not, configured through workstation settings (only that computer)
or through branch administration (every computer), client-side usage, and a start date. The
connector must answer, for a branch, workstation and date, whether it may be used — and if
not, why. That answer is :func:`check_interface`; it is pure, so the rules are easy to test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError, Message
from .i18n import Text, text

VIA_WORKSTATION = "workstation"
VIA_BRANCH_ADMINISTRATION = "branch_administration"
CONFIGURED_VIA = (VIA_WORKSTATION, VIA_BRANCH_ADMINISTRATION)
USAGES = ("client",)

_VIA_LABEL = {
    VIA_WORKSTATION: text("Arbeitsplatz-Einstellungen"),
    VIA_BRANCH_ADMINISTRATION: text("Filialverwaltung"),
}


@dataclass(frozen=True)
class InterfaceSetting:
    """One configured interface: who may use it, where and from when."""

    name: str = "OrderHub"
    branch: str | None = None
    configured_via: str = VIA_BRANCH_ADMINISTRATION
    workstation: str | None = None
    usage: str = "client"
    start: dt.date | None = None

    def __post_init__(self) -> None:
        if self.configured_via not in CONFIGURED_VIA:
            raise ConfigError(
                text(
                    "Schnittstelle „{name}“: configured_via = „{value}“ ist unbekannt; erlaubt "
                    "sind „workstation“ und „branch_administration“.",
                    name=self.name,
                    value=self.configured_via,
                )
            )
        if self.usage not in USAGES:
            raise ConfigError(
                text(
                    "Schnittstelle „{name}“: Verwendung „{usage}“ wird nicht unterstützt; der "
                    "Connector läuft nur clientseitig (usage = „client“).",
                    name=self.name,
                    usage=self.usage,
                )
            )
        if self.configured_via == VIA_WORKSTATION and not self.workstation:
            raise ConfigError(
                text(
                    "Schnittstelle „{name}“ ist über Arbeitsplatz-Einstellungen konfiguriert, aber "
                    "ohne Rechnernamen (workstation).",
                    name=self.name,
                )
            )

    @property
    def via_label(self) -> Text:
        """Where the setting is made, in words (*Arbeitsplatz-Einstellungen*, *Filialverwaltung*)."""
        return _VIA_LABEL[self.configured_via]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "branch": self.branch,
            "configured_via": self.configured_via,
            "workstation": self.workstation if self.configured_via == VIA_WORKSTATION else None,
            "usage": self.usage,
            "start": self.start.isoformat() if self.start else None,
        }


@dataclass(frozen=True)
class SettingVerdict:
    """Whether one setting allows use, with every reason it refuses."""

    setting: InterfaceSetting
    reasons: tuple[Message, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class InterfaceCheck:
    """The answer to "may the interface be used here?" over all configured settings."""

    branch: str | None
    workstation: str
    date: dt.date
    verdicts: tuple[SettingVerdict, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return any(v.allowed for v in self.verdicts)

    @property
    def allowed_by(self) -> InterfaceSetting | None:
        return next((v.setting for v in self.verdicts if v.allowed), None)

    @property
    def reasons(self) -> list[Message]:
        """Why it is refused (empty when allowed)."""
        if self.allowed:
            return []
        return [r for v in self.verdicts for r in v.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "branch": self.branch,
            "workstation": self.workstation,
            "date": self.date.isoformat(),
            "allowed_by": self.allowed_by.name if self.allowed_by else None,
            "settings": [
                {
                    "name": v.setting.name,
                    "allowed": v.allowed,
                    "reasons": [r.__dict__ for r in v.reasons],
                }
                for v in self.verdicts
            ],
        }


def parse_start(value: object, *, name: str = "OrderHub") -> dt.date | None:
    """``start`` as written in TOML: empty, a TOML date, or "YYYY-MM-DD"."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(
        text(
            "Schnittstelle „{name}“: Start „{value}“ ist kein Datum (JJJJ-MM-TT) und nicht leer.",
            name=name,
            value=value,
        )
    )


def _same_workstation(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _branch_label(branch_id: str, names: Mapping[str, str]) -> str:
    name = names.get(branch_id)
    return f"{branch_id} ({name})" if name else branch_id


def evaluate_setting(
    setting: InterfaceSetting,
    *,
    branch: str | None,
    workstation: str,
    on_date: dt.date,
    branch_names: Mapping[str, str] | None = None,
) -> SettingVerdict:
    """Apply the §3.4 rules of one setting; collects every reason, not just the first."""
    names = branch_names or {}
    reasons: list[Message] = []
    if setting.branch:
        if not branch:
            reasons.append(
                Message.of(
                    "branch_required",
                    "„{name}“ ist auf Filiale {branch} beschränkt; es wurde keine Filiale "
                    "angegeben.",
                    name=setting.name,
                    branch=_branch_label(setting.branch, names),
                )
            )
        elif setting.branch != branch:
            reasons.append(
                Message.of(
                    "other_branch",
                    "„{name}“ ist auf Filiale {branch} beschränkt, nicht Filiale {other}.",
                    name=setting.name,
                    branch=_branch_label(setting.branch, names),
                    other=_branch_label(branch, names),
                )
            )
    if setting.configured_via == VIA_WORKSTATION:
        assert setting.workstation  # guaranteed by InterfaceSetting.__post_init__
        if not _same_workstation(setting.workstation, workstation):
            reasons.append(
                Message.of(
                    "other_workstation",
                    "„{name}“ ist über die Arbeitsplatz-Einstellungen von Rechner „{workstation}“ "
                    "eingerichtet und gilt nur dort, nicht auf „{other}“.",
                    name=setting.name,
                    workstation=setting.workstation,
                    other=workstation,
                )
            )
    if setting.start and on_date < setting.start:
        reasons.append(
            Message.of(
                "not_started",
                "„{name}“ ist erst ab {start} freigeschaltet.",
                name=setting.name,
                start=setting.start,
            )
        )
    return SettingVerdict(setting, tuple(reasons))


def check_interface(
    settings: Iterable[InterfaceSetting],
    *,
    branch: str | None,
    workstation: str,
    on_date: dt.date,
    branch_names: Mapping[str, str] | None = None,
) -> InterfaceCheck:
    """Whether any configured setting allows use at ``branch``/``workstation`` on ``on_date``.

    Several settings can exist (e.g. one per workstation); use is allowed when one of them
    allows it. With no setting at all the interface is unrestricted, as SPEC §3.4 reads an
    absent branch as "every branch" and an empty start as "at once".
    """
    settings = list(settings) or [InterfaceSetting()]
    verdicts = tuple(
        evaluate_setting(
            s, branch=branch, workstation=workstation, on_date=on_date, branch_names=branch_names
        )
        for s in settings
    )
    return InterfaceCheck(branch=branch, workstation=workstation, date=on_date, verdicts=verdicts)
