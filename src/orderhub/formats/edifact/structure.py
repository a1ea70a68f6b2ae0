"""Check an EDIFACT message against the D.96A message structure (segment groups, order, repeats).

The structure comes from ``formats/standards/edifact-d96a/{orders,ordrsp,desadv,ordchg}.xml``:
a tree of
``<segment id maxrepeat required>`` and ``<group id maxrepeat>`` elements whose first child is
the group's trigger segment. Matching is the classic deterministic walk EDIFACT is designed for:
a segment belongs to the first item, from the current position on, whose trigger it is; a
segment that neither the current group nor any enclosing group could still accept is
"unexpected" and skipped, so one misplaced segment yields one violation instead of a cascade.

This checks structure only (which segments, where, how often) — not the contents of elements.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .. import FormatError
from ..documents import standards_path
from ..safexml import parse_bytes
from .syntax import read_interchange

MESSAGES = ("ORDERS", "ORDRSP", "DESADV", "ORDCHG")


@dataclass(frozen=True)
class Node:
    """A segment (``children`` empty) or a segment group (first child = trigger segment)."""

    id: str
    max_repeat: int
    required: bool
    children: tuple[Node, ...] = field(default=())

    @property
    def is_group(self) -> bool:
        return bool(self.children)

    @property
    def trigger(self) -> str:
        return self.children[0].id if self.children else self.id


def _node(element: etree._Element) -> Node:
    children = tuple(_node(child) for child in element if child.tag in ("segment", "group"))
    node_id = element.get("id")
    if element.tag == "group" and not children:
        raise FormatError(f"segment group {node_id} has no segments")
    if node_id is None:
        raise FormatError("EDIFACT message structure: a segment or group has no id")
    return Node(
        id=node_id,
        max_repeat=int(element.get("maxrepeat", "1")),
        required=element.get("required") == "true",
        children=children,
    )


@functools.lru_cache(maxsize=16)
def _load(path: str) -> tuple[Node, ...]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read the EDIFACT message structure {path}: {exc}") from None
    root = parse_bytes(data)
    return tuple(_node(child) for child in root if child.tag in ("segment", "group"))


def structure(
    message: str = "ORDERS", *, standards_dir: str | os.PathLike[str] | None = None
) -> tuple[Node, ...]:
    """The top-level items of a message type's structure."""
    message = message.upper()
    if message not in MESSAGES:
        raise FormatError(f"no message structure for {message!r}; known: {', '.join(MESSAGES)}")
    path = standards_path("edifact-d96a", f"{message.lower()}.xml", standards_dir=standards_dir)
    return _load(str(Path(path).resolve()))


class _Walker:
    def __init__(self, tags: list[str], message: str):
        self.tags = tags
        self.pos = 0
        self.message = message
        self.violations: list[str] = []

    def report(self, text: str) -> None:
        self.violations.append(f"{self.message}: {text}")

    def current(self) -> str | None:
        return self.tags[self.pos] if self.pos < len(self.tags) else None

    def here(self) -> str:
        return f"segment {self.pos + 1} ({self.current()})"

    def acceptable_later(
        self,
        tag: str,
        items: tuple[Node, ...],
        index: int,
        stack: list[tuple[tuple[Node, ...], int]],
    ) -> bool:
        """Could ``tag`` still be matched after leaving item ``index`` of ``items``?"""
        if any(item.trigger == tag for item in items[index + 1 :]):
            return True
        for outer_items, outer_index in reversed(stack):
            # The enclosing group may repeat, or a later item of the enclosing level may match.
            if outer_items[outer_index].trigger == tag:
                return True
            if any(item.trigger == tag for item in outer_items[outer_index + 1 :]):
                return True
        return False

    def walk(
        self, items: tuple[Node, ...], stack: list[tuple[tuple[Node, ...], int]], path: str
    ) -> None:
        for index, item in enumerate(items):
            count = 0
            while (tag := self.current()) is not None:
                if tag == item.trigger:
                    count += 1
                    if count == item.max_repeat + 1:
                        self.report(
                            f"{self.here()}: {self._name(item, path)} repeated more than "
                            f"{item.max_repeat} time(s)"
                        )
                    self.pos += 1
                    if item.is_group:
                        self.walk(item.children[1:], [*stack, (items, index)], f"{path}{item.id}/")
                    continue
                if not self.acceptable_later(tag, items, index, stack):
                    self.report(
                        f"{self.here()}: unexpected segment {tag} in "
                        f"{path.rstrip('/') or 'message'}"
                    )
                    self.pos += 1
                    continue
                break
            if item.required and count == 0:
                where = f"before {self.here()}" if self.current() else "at the end"
                self.report(f"required {self._name(item, path)} missing {where}")

    @staticmethod
    def _name(item: Node, path: str) -> str:
        kind = (
            f"segment group {item.id} ({item.trigger} …)" if item.is_group else f"segment {item.id}"
        )
        return f"{kind} in {path.rstrip('/')}" if path else kind


def check_segment_tags(
    tags: list[str], message: str = "ORDERS", *, standards_dir: str | os.PathLike[str] | None = None
) -> list[str]:
    """Violations of the message structure by a list of segment tags from UNH to UNT."""
    walker = _Walker(list(tags), message.upper())
    walker.walk(structure(message, standards_dir=standards_dir), [], "")
    while walker.current() is not None:
        walker.report(f"{walker.here()}: unexpected segment {walker.current()} after the message")
        walker.pos += 1
    return walker.violations


def check_structure(
    data: bytes, message: str = "ORDERS", *, standards_dir: str | os.PathLike[str] | None = None
) -> list[str]:
    """Check every message of an interchange against the ``message`` structure.

    Returns a list of violations (empty = conforms). An interchange that cannot even be read
    (broken syntax, truncated envelope) raises :class:`FormatError` instead.
    """
    message = message.upper()
    interchange = read_interchange(data)
    violations = []
    for number, found in enumerate(interchange.messages, 1):
        if found.type != message:
            violations.append(f"message {number} is {found.type}, expected {message}")
            continue
        for violation in check_segment_tags(
            [s.tag for s in found.segments], message, standards_dir=standards_dir
        ):
            prefix = f"message {number} " if len(interchange.messages) > 1 else ""
            violations.append(prefix + violation)
    return violations


__all__ = ["Node", "check_segment_tags", "check_structure", "structure"]
