"""Settings that can change while the simulator runs (``POST /_control``), and fault draws.

Every receiving channel asks :meth:`Controls.draw_fault` once per incoming order, *before* it
records anything, so whether a faulty delivery counts as received is decided up front.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .answers import LINE_RULES
from .config import ANSWER_POLICIES, FAULT_MODES, SimulatorConfig

#: How the simulator answers order changes (``change_policy``).
CHANGE_POLICIES = ("accept", "refuse")


@dataclass
class RuntimeSettings:
    answers: bool = True
    answer_delay: float = 1.0
    ship_delay: float = 2.0
    answer_policy: str = "confirm"
    fail_rate: float = 0.0
    fail_modes: list[str] = field(default_factory=lambda: ["5xx"])
    seed: int | None = None
    fault_partners: list[str] | None = None
    timeout_hold: float = 30.0
    slow_delay: float = 2.0
    #: Supplier article number → how its lines are answered (answers.LINE_RULES).
    line_rules: dict[str, str] = field(default_factory=dict)
    #: How order changes and cancellations are answered (issue 16): "accept" or "refuse".
    change_policy: str = "accept"

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> RuntimeSettings:
        return cls(
            **{f.name: getattr(config, f.name) for f in fields(cls) if hasattr(config, f.name)}
        )


class Controls:
    """Thread-safe holder of :class:`RuntimeSettings` plus the seeded fault dice."""

    def __init__(self, settings: RuntimeSettings):
        self._lock = threading.Lock()
        self._settings = settings
        _check(settings)
        self._rng = random.Random(settings.seed)

    @property
    def settings(self) -> RuntimeSettings:
        with self._lock:
            return RuntimeSettings(**asdict(self._settings))

    def update(self, changes: dict[str, Any]) -> RuntimeSettings:
        """Apply a ``/_control`` body; raises ValueError on unknown keys or bad values."""
        known = {f.name for f in fields(RuntimeSettings)}
        # "partners" reads better in a control request than "fault_partners".
        changes = dict(changes)
        if "partners" in changes:
            changes["fault_partners"] = changes.pop("partners")
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown control settings: {', '.join(sorted(unknown))}")
        if isinstance(changes.get("fail_modes"), str):
            changes["fail_modes"] = [m for m in changes["fail_modes"].split(",") if m]
        with self._lock:
            candidate = RuntimeSettings(**{**asdict(self._settings), **changes})
            _check(candidate)
            self._settings = candidate
            if "seed" in changes:
                self._rng = random.Random(candidate.seed)
            return RuntimeSettings(**asdict(candidate))

    def draw_fault(self, slug: str, applicable: tuple[str, ...] = FAULT_MODES) -> str | None:
        """Roll the dice for one incoming order: a fault mode, or None for normal behaviour.

        Only modes the channel can act out (``applicable``) are chosen from.
        """
        with self._lock:
            s = self._settings
            if s.fail_rate <= 0 or (s.fault_partners is not None and slug not in s.fault_partners):
                return None
            modes = [m for m in s.fail_modes if m in applicable]
            if not modes:
                return None
            if self._rng.random() >= s.fail_rate:
                return None
            return self._rng.choice(modes)


def _check(settings: RuntimeSettings) -> None:
    if not 0.0 <= float(settings.fail_rate) <= 1.0:
        raise ValueError("fail_rate must be between 0 and 1")
    bad = [m for m in settings.fail_modes if m not in FAULT_MODES]
    if bad:
        raise ValueError(f"unknown fault modes {', '.join(bad)}; known: {', '.join(FAULT_MODES)}")
    if settings.answer_policy not in ANSWER_POLICIES:
        raise ValueError(f"answer_policy must be one of {', '.join(ANSWER_POLICIES)}")
    for name in ("answer_delay", "ship_delay", "timeout_hold", "slow_delay"):
        if float(getattr(settings, name)) < 0:
            raise ValueError(f"{name} must not be negative")
    if settings.change_policy not in CHANGE_POLICIES:
        raise ValueError(f"change_policy must be one of {', '.join(CHANGE_POLICIES)}")
    if not isinstance(settings.answers, bool):
        raise ValueError("answers must be true or false")
    rules = settings.line_rules
    if not isinstance(rules, dict) or any(
        not isinstance(k, str) or v not in LINE_RULES for k, v in rules.items()
    ):
        raise ValueError(f"line_rules maps article numbers to one of {', '.join(LINE_RULES)}")
