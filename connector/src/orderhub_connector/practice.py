"""What the connector reads from the practice software, and how it writes order status back.

The practice software (Branchensoftware) is reached through a :class:`PracticeDataSource`.
The shipped implementation, :class:`JsonFileSource`, reads the JSON export documented in
connector/README.md and writes status changes to a JSON file next to the connector's state;
a vendor embedding the connector implements the same two methods against its own database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import PracticeDataError
from .i18n import Text, text

ORDER_FORMS = ("interface", "email", "fax", "print")


@dataclass(frozen=True)
class Company:
    name: str


@dataclass(frozen=True)
class Branch:
    id: str
    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "DE"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    branch_ids: tuple[str, ...] = ()
    is_admin: bool = False


@dataclass(frozen=True)
class SpecificInterface:
    """A firm-specific interface in the practice software (it takes precedence when active)."""

    name: str
    active: bool


@dataclass(frozen=True)
class Firm:
    id: str
    name: str
    partner: str | None = None
    order_form: str = "interface"
    customer_number: str | None = None
    branch_customer_numbers: dict[str, str] = field(default_factory=dict)
    specific_interface: SpecificInterface | None = None

    def customer_number_for(self, branch_id: str | None) -> str | None:
        """Branch-specific number first, then the company's, else none."""
        if branch_id and self.branch_customer_numbers.get(branch_id):
            return self.branch_customer_numbers[branch_id]
        return self.customer_number or None

    @property
    def has_customer_number(self) -> bool:
        return bool(self.customer_number) or any(self.branch_customer_numbers.values())


@dataclass(frozen=True)
class AttachmentRef:
    """A file the practice software names for an order or a line (issue 17): an ear scan, an
    audiogram, a photo (``file``, relative to the export's folder), or an impression's tracking
    number. The connector uploads the file (``POST /api/v1/attachments``) before the order."""

    file: str | None = None
    kind: str | None = None
    tracking_number: str | None = None


@dataclass(frozen=True)
class OrderLine:
    position: int
    quantity: int | float
    unit: str = "C62"
    article_number: str | None = None
    gtin: str | None = None
    hmv_number: str | None = None
    manufacturer_article_number: str | None = None
    description: str = ""
    side: str | None = None
    colour: str | None = None
    #: Typed options (issue 17), passed to the portal as they are; the portal validates them.
    options: dict[str, Any] = field(default_factory=dict)
    #: Two lines with the same pair key (one side R, one L) are one binaural pair.
    pair: str | None = None
    #: Files for this line (the ear's scan), see :class:`AttachmentRef`.
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class Order:
    id: str
    firm_id: str
    branch_id: str
    ordered_by: str | None
    reference: str = ""
    note: str = ""
    lines: tuple[OrderLine, ...] = ()
    problems: tuple[Text, ...] = ()
    #: Issue 17: the order type, the order a remake replaces, when consigned/lent goods go back,
    #: and the pseudonymous fitting reference (never the patient's name).
    order_type: str | None = None
    original_order: str | None = None
    return_date: str | None = None
    fitting_reference: str | None = None
    #: Files for the whole order (an audiogram), see :class:`AttachmentRef`.
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class PracticeData:
    company: Company
    branches: tuple[Branch, ...] = ()
    users: tuple[User, ...] = ()
    firms: tuple[Firm, ...] = ()
    orders: tuple[Order, ...] = ()

    def firm(self, firm_id: str) -> Firm:
        for firm in self.firms:
            if firm.id == firm_id:
                return firm
        raise PracticeDataError(text("Firma „{firm}“ ist unbekannt.", firm=firm_id))

    def order(self, order_id: str) -> Order:
        for order in self.orders:
            if order.id == order_id:
                if order.problems:
                    raise PracticeDataError(
                        text(
                            "Bestellung „{order}“ ist in den Praxisdaten fehlerhaft.",
                            order=order_id,
                        ),
                        details=order.problems,
                    )
                return order
        raise PracticeDataError(
            text("Bestellung „{order}“ ist in den Praxisdaten nicht vorhanden.", order=order_id)
        )

    @property
    def branch_names(self) -> dict[str, str]:
        return {b.id: b.name for b in self.branches}


#: What the status file says per order line: the portal's line answer and shipments.
LINE_KEYS = (
    "position",
    "line_status",
    "quantity",
    "confirmed_quantity",
    "backordered_quantity",
    "backorder_date",
    "shipped_quantity",
    "outstanding_quantity",
    "delivery_date",
    "changed_article_number",
    "serial_numbers",
    "lot_numbers",
)


@dataclass(frozen=True)
class OrderStatusUpdate:
    """One order's state as the portal reports it, handed to the practice software."""

    external_order_id: str | None
    order_id: str
    number: str | None
    status: str
    updated_at: str | None = None
    cart_url: str | None = None
    cart_expires_at: str | None = None
    issues: tuple[dict[str, Any], ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    carrier: str | None = None
    delivery_date: str | None = None
    #: Per line what the partner answered and shipped (see :data:`LINE_KEYS`), once it answered.
    lines: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "external_order_id": self.external_order_id,
            "order_id": self.order_id,
            "number": self.number,
            "status": self.status,
            "updated_at": self.updated_at,
            "cart_url": self.cart_url,
            "cart_expires_at": self.cart_expires_at,
            "issues": list(self.issues),
            "tracking_numbers": list(self.tracking_numbers),
            "carrier": self.carrier,
            "delivery_date": self.delivery_date,
            "lines": [dict(line) for line in self.lines],
        }


@runtime_checkable
class PracticeDataSource(Protocol):
    """The practice software as the connector sees it."""

    def load(self) -> PracticeData:
        """Current master data, firms and orders."""
        ...

    def write_status(self, updates: Iterable[OrderStatusUpdate]) -> None:
        """Record order status changes reported by the portal (idempotent per update)."""
        ...


class JsonFileSource:
    """Reads the JSON export; writes status to ``status_path`` (see README "Status file")."""

    def __init__(
        self, export_path: str | os.PathLike[str], status_path: str | os.PathLike[str]
    ) -> None:
        self.export_path = Path(export_path)
        self.status_path = Path(status_path)

    def load(self) -> PracticeData:
        try:
            with open(self.export_path, encoding="utf-8") as fh:
                raw = json.load(fh)
        except FileNotFoundError:
            raise PracticeDataError(
                text("Praxisdaten-Export {path} nicht gefunden.", path=self.export_path)
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PracticeDataError(
                text(
                    "Praxisdaten-Export {path} ist nicht lesbar: {error}",
                    path=self.export_path,
                    error=exc,
                )
            ) from None
        return parse_practice_data(
            raw, origin=str(self.export_path), base_dir=self.export_path.parent
        )

    def read_status(self) -> dict[str, Any]:
        try:
            with open(self.status_path, encoding="utf-8") as fh:
                data: dict[str, Any] = json.load(fh)
        except FileNotFoundError:
            return {"orders": {}}
        except (OSError, json.JSONDecodeError) as exc:
            raise PracticeDataError(
                text(
                    "Statusdatei {path} ist nicht lesbar: {error}", path=self.status_path, error=exc
                )
            ) from None
        data.setdefault("orders", {})
        return data

    def write_status(self, updates: Iterable[OrderStatusUpdate]) -> None:
        data = self.read_status()
        orders = data["orders"]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        for update in updates:
            key = update.external_order_id or f"portal:{update.order_id}"
            entry = orders.get(key, {})
            if _older_than(update, entry):
                continue  # never set an order back to an earlier state the portal already left
            history = entry.get("history", [])
            if not history or history[-1].get("status") != update.status:
                history.append({"status": update.status, "at": update.updated_at or now})
            entry.update(update.as_dict())
            entry["history"] = history
            entry["recorded_at"] = now
            orders[key] = entry
        atomic_write_json(self.status_path, data)


def _older_than(update: OrderStatusUpdate, entry: dict[str, Any]) -> bool:
    """True if ``entry`` already holds a later state of the same portal order than ``update``.

    An update without ``updated_at`` (the answer to a submission) is older than any state the
    portal reported with a time stamp (``watch``).
    """
    recorded = entry.get("updated_at")
    if not recorded or str(entry.get("order_id")) != str(update.order_id):
        return False
    if not update.updated_at:
        return True
    new, old = _instant(update.updated_at), _instant(recorded)
    if new is None or old is None:
        return False
    return new < old


def _instant(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def atomic_write_json(path: Path, data: Any, *, mode: int | None = None) -> None:
    """Write JSON so a reader never sees half a file (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- parsing the export ---------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[Text] = []

    def report(self, where: str, msgid: str, /, **params: Any) -> None:
        """``where`` (a JSON path) is wrong: ``msgid`` (German, translated) says how."""
        said = text(msgid, **params)
        self.items.append(
            Text(f"{where}: {said.de}", f"{where}: {said.en}", both=f"{where}: {said.both}")
        )


def _text(value: Any) -> str | None:
    """Ids and numbers arrive as strings or numbers; empty means absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def parse_practice_data(
    raw: Any, *, origin: str = "export", base_dir: str | os.PathLike[str] | None = None
) -> PracticeData:
    """Validate the export and build :class:`PracticeData`; reports every problem at once.

    Problems with branches, users and firms fail the whole export; problems with one order
    are kept on that order and reported when it is submitted.

    Unknown keys are ignored here and never sent: the snapshot (``payloads.build_snapshot``)
    picks exactly the SPEC §3.3 fields.
    """
    if not isinstance(raw, dict):
        raise PracticeDataError(
            f"{origin}: die oberste Ebene muss ein JSON-Objekt sein.",
            f"{origin}: the top level must be a JSON object.",
        )
    export = _Export(raw)
    errors = export.errors
    company_raw = raw.get("company") or {}
    company_name = _text(company_raw.get("name")) if isinstance(company_raw, dict) else None
    if not company_name:
        errors.report("company.name", "fehlt")
    branches = _branches(export)
    branch_ids = {b.id for b in branches}
    _duplicates(errors, "branches", [b.id for b in branches])
    users = _users(export, branch_ids)
    _duplicates(errors, "users", [u.id for u in users])
    firms = _firms(export, branch_ids)
    _duplicates(errors, "firms", [f.id for f in firms])
    known = (branch_ids, {u.id for u in users}, {f.id for f in firms})
    orders = [
        _order(export, where, item, known, base_dir) for where, item in export.records("orders")
    ]
    _duplicates(errors, "orders", [o.id for o in orders])

    if errors.items:
        raise PracticeDataError(
            text(
                "Die Praxisdaten ({origin}) enthalten {count} Fehler.",
                origin=origin,
                count=len(errors.items),
            ),
            details=errors.items,
        )
    return PracticeData(
        company=Company(name=company_name or ""),
        branches=tuple(branches),
        users=tuple(users),
        firms=tuple(firms),
        orders=tuple(orders),
    )


class _Export:
    """The export being read and the problems found in it (every one is reported)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.errors = _Errors()

    def records(self, key: str) -> list[tuple[str, dict[str, Any]]]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            self.errors.report(key, "muss eine Liste sein")
            return []
        out: list[tuple[str, dict[str, Any]]] = []
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.errors.report(where, "muss ein Objekt sein")
        return out

    def required(self, where: str, item: dict[str, Any], key: str) -> str:
        value = _text(item.get(key))
        if value is None:
            self.errors.report(f"{where}.{key}", "fehlt")
            return ""
        return value


def _branches(export: _Export) -> list[Branch]:
    branches = []
    for where, item in export.records("branches"):
        branches.append(
            Branch(
                id=export.required(where, item, "id"),
                name=export.required(where, item, "name"),
                street=_text(item.get("street")) or "",
                postal_code=_text(item.get("postal_code")) or "",
                city=_text(item.get("city")) or "",
                country=(_text(item.get("country")) or "DE").upper(),
            )
        )
    return branches


def _users(export: _Export, branch_ids: set[str]) -> list[User]:
    users = []
    for where, item in export.records("users"):
        ids = item.get("branch_ids", [])
        if not isinstance(ids, list):
            export.errors.report(f"{where}.branch_ids", "muss eine Liste sein")
            ids = []
        ids = tuple(t for t in (_text(b) for b in ids) if t)
        for bid in ids:
            if bid not in branch_ids:
                export.errors.report(
                    f"{where}.branch_ids", "unbekannte Filiale „{branch}“", branch=bid
                )
        is_admin = item.get("is_admin", False)
        if not isinstance(is_admin, bool):
            export.errors.report(f"{where}.is_admin", "muss true oder false sein")
            is_admin = False
        users.append(
            User(
                id=export.required(where, item, "id"),
                name=export.required(where, item, "name"),
                email=_text(item.get("email")),
                phone=_text(item.get("phone")),
                branch_ids=ids,
                is_admin=is_admin,
            )
        )
    return users


def _firms(export: _Export, branch_ids: set[str]) -> list[Firm]:
    firms = []
    for where, item in export.records("firms"):
        order_form = _text(item.get("order_form")) or "interface"
        if order_form not in ORDER_FORMS:
            export.errors.report(
                f"{where}.order_form",
                "„{value}“ ist keine Bestellform ({allowed})",
                value=order_form,
                allowed=", ".join(ORDER_FORMS),
            )
        bcn = item.get("branch_customer_numbers") or {}
        if not isinstance(bcn, dict):
            export.errors.report(f"{where}.branch_customer_numbers", "muss ein Objekt sein")
            bcn = {}
        branch_numbers: dict[str, str] = {}
        for bid, number in bcn.items():
            if bid not in branch_ids:
                export.errors.report(
                    f"{where}.branch_customer_numbers", "unbekannte Filiale „{branch}“", branch=bid
                )
            number_text = _text(number)
            if number_text:
                branch_numbers[str(bid)] = number_text
        specific = item.get("specific_interface")
        specific_interface = None
        if isinstance(specific, dict):
            active = specific.get("active", True)
            if not isinstance(active, bool):
                export.errors.report(
                    f"{where}.specific_interface.active", "muss true oder false sein"
                )
                active = True
            specific_interface = SpecificInterface(
                name=_text(specific.get("name")) or "firmenspezifische Schnittstelle",
                active=active,
            )
        elif specific is not None:
            export.errors.report(f"{where}.specific_interface", "muss null oder ein Objekt sein")
        partner = _text(item.get("partner"))
        firms.append(
            Firm(
                id=export.required(where, item, "id"),
                name=export.required(where, item, "name"),
                partner=partner.lower() if partner else None,
                order_form=order_form,
                customer_number=_text(item.get("customer_number")),
                branch_customer_numbers=branch_numbers,
                specific_interface=specific_interface,
            )
        )
    return firms


def _order(
    export: _Export,
    where: str,
    item: dict[str, Any],
    known: tuple[set[str], set[str], set[str]],
    base_dir: str | os.PathLike[str] | None,
) -> Order:
    """One order of the export; its problems stay on it (see below)."""
    branch_ids, user_ids, firm_ids = known
    # Problems of one order block only that order (see PracticeData.order), never the
    # master data: an old order naming an employee who has left must not stop a sync.
    problems = _Errors()
    firm_id = _text(item.get("firm_id")) or ""
    if firm_id not in firm_ids:
        problems.report(f"{where}.firm_id", "unbekannte Firma „{firm}“", firm=firm_id)
    branch_id = _text(item.get("branch_id")) or ""
    if branch_id not in branch_ids:
        problems.report(f"{where}.branch_id", "unbekannte Filiale „{branch}“", branch=branch_id)
    ordered_by = _text(item.get("ordered_by"))
    if not ordered_by:
        problems.report(f"{where}.ordered_by", "fehlt (wer bestellt?)")
    elif ordered_by not in user_ids:
        problems.report(f"{where}.ordered_by", "unbekannter Benutzer „{user}“", user=ordered_by)
    lines = []
    raw_lines = item.get("lines", [])
    if not isinstance(raw_lines, list) or not raw_lines:
        problems.report(f"{where}.lines", "muss eine nicht leere Liste sein")
        raw_lines = []
    for j, line in enumerate(raw_lines, start=1):
        lwhere = f"{where}.lines[{j - 1}]"
        if not isinstance(line, dict):
            problems.report(lwhere, "muss ein Objekt sein")
            continue
        parsed_line = _parse_line(problems, lwhere, line, default_position=j)
        refs = _attachments(problems, f"{lwhere}.attachments", line.get("attachments"), base_dir)
        lines.append(dataclasses.replace(parsed_line, attachments=refs))
    _duplicates(problems, f"{where}.lines (position)", [str(li.position) for li in lines])
    return_date = _date_text(problems, f"{where}.return_date", item.get("return_date"))
    return Order(
        id=export.required(where, item, "id"),
        firm_id=firm_id,
        branch_id=branch_id,
        ordered_by=ordered_by,
        reference=_text(item.get("reference")) or "",
        note=str(item.get("note") or ""),
        lines=tuple(lines),
        problems=tuple(problems.items),
        order_type=_text(item.get("order_type")),
        original_order=_text(item.get("original_order")),
        return_date=return_date,
        fitting_reference=_text(item.get("fitting_reference")),
        attachments=_attachments(
            problems, f"{where}.attachments", item.get("attachments"), base_dir
        ),
    )


def _parse_line(
    errors: _Errors, where: str, line: dict[str, Any], *, default_position: int
) -> OrderLine:
    position = line.get("position", default_position)
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        errors.report(f"{where}.position", "muss eine positive ganze Zahl sein")
        position = default_position
    quantity = line.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or quantity <= 0:
        errors.report(f"{where}.quantity", "muss eine positive Zahl sein")
        quantity = 1
    elif isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    parsed = OrderLine(
        position=position,
        quantity=quantity,
        unit=_text(line.get("unit")) or "C62",
        article_number=_text(line.get("article_number")),
        gtin=_text(line.get("gtin")),
        hmv_number=_text(line.get("hmv_number")),
        manufacturer_article_number=_text(line.get("manufacturer_article_number")),
        description=str(line.get("description") or ""),
        side=_text(line.get("side")),
        colour=_text(line.get("colour")),
        options=_options(errors, f"{where}.options", line.get("options")),
        pair=_text(line.get("pair")),
    )
    if not any(
        (
            parsed.article_number,
            parsed.gtin,
            parsed.hmv_number,
            parsed.manufacturer_article_number,
            parsed.description,
        )
    ):
        errors.report(
            where, "nennt weder Artikelnummer, GTIN, HMV-Nummer, Herstellernummer noch Beschreibung"
        )
    return parsed


def _attachments(
    errors: _Errors, where: str, value: Any, base_dir: str | os.PathLike[str] | None
) -> tuple[AttachmentRef, ...]:
    """``[{"file": "scans/rechts.stl", "kind": "scan"}, {"tracking_number": "DHL …"}]``; a file
    path relative to the export's folder; a missing file is a problem of the order."""
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.report(where, "muss eine Liste sein")
        return ()
    refs = []
    for n, entry in enumerate(value):
        here = f"{where}[{n}]"
        if isinstance(entry, str):
            entry = {"file": entry}
        if not isinstance(entry, dict):
            errors.report(here, "muss ein Objekt sein")
            continue
        tracking = _text(entry.get("tracking_number"))
        file = _text(entry.get("file"))
        if tracking:
            refs.append(AttachmentRef(tracking_number=tracking))
        elif file:
            path = Path(base_dir or ".") / file
            if not path.is_file():
                errors.report(f"{here}.file", "Datei „{file}“ nicht gefunden", file=file)
                continue
            refs.append(AttachmentRef(file=str(path.resolve()), kind=_text(entry.get("kind"))))
        else:
            errors.report(here, "nennt weder file noch tracking_number")
    return tuple(refs)


def _options(errors: _Errors, where: str, value: Any) -> dict[str, Any]:
    """A line's options as the practice software exported them: an object whose values are
    strings, numbers or objects of strings (the portal checks the vocabulary)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        (isinstance(v, (str, int, float)) and not isinstance(v, bool))
        or (isinstance(v, dict) and all(isinstance(x, (str, int)) for x in v.values()))
        for v in value.values()
    ):
        errors.report(where, "muss ein Objekt sein: Schlüssel → Text oder {value, code, name}")
        return {}
    return {str(k): v for k, v in value.items()}


def _date_text(errors: _Errors, where: str, value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        errors.report(where, "muss ein Datum JJJJ-MM-TT sein")
        return None


def _duplicates(errors: _Errors, where: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for value in ids:
        if value and value in seen:
            errors.report(where, "„{value}“ kommt mehrfach vor", value=value)
        seen.add(value)
