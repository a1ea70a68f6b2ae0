"""Which order units are counted in whole numbers — the one rule the cart (quantity input and its
check) and the supplier portal share.

Units are UN/ECE Recommendation 20 codes (``orderhub.formats.units``). A piece, a pair, a set or a
pack is ordered whole; litres, metres, kilograms and hours may have decimals.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import pgettext_lazy

#: Units counted in whole numbers, with how the cart's sentence names them
#: ("dieser Artikel wird in Stück bestellt").
WHOLE_UNIT_NAMES = {
    "C62": pgettext_lazy("Mengeneinheit im Satz", "Stück"),
    "H87": pgettext_lazy("Mengeneinheit im Satz", "Stück"),
    "EA": pgettext_lazy("Mengeneinheit im Satz", "Stück"),
    "NMP": pgettext_lazy("Mengeneinheit im Satz", "Stück"),
    "PR": pgettext_lazy("Mengeneinheit im Satz", "Paaren"),
    "SET": pgettext_lazy("Mengeneinheit im Satz", "Sets"),
    "PK": pgettext_lazy("Mengeneinheit im Satz", "Packungen"),
    "KT": pgettext_lazy("Mengeneinheit im Satz", "Kits"),
    "CT": pgettext_lazy("Mengeneinheit im Satz", "Kartons"),
    "BX": pgettext_lazy("Mengeneinheit im Satz", "Schachteln"),
    "BG": pgettext_lazy("Mengeneinheit im Satz", "Beuteln"),
    "BO": pgettext_lazy("Mengeneinheit im Satz", "Flaschen"),
    "TU": pgettext_lazy("Mengeneinheit im Satz", "Tuben"),
    "RO": pgettext_lazy("Mengeneinheit im Satz", "Rollen"),
    "CA": pgettext_lazy("Mengeneinheit im Satz", "Kanistern"),
    "DZN": pgettext_lazy("Mengeneinheit im Satz", "Dutzend"),
}
WHOLE_UNITS = frozenset(WHOLE_UNIT_NAMES)


def counts_whole(unit: str | None) -> bool:
    return (unit or "").strip().upper() in WHOLE_UNITS


def is_whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def line_unit(line) -> str:
    """The unit a cart line is ordered in: the catalog article's order unit once the article is
    identified, otherwise the unit the practice software sent."""
    article = line.article if line.article_id else None
    if article is not None and article.order_unit:
        return article.order_unit
    return line.unit or "C62"


#: How a unit is named next to a quantity ("2 Stück", "1 Paar"); other codes are shown as they are.
UNIT_LABELS = {
    "C62": pgettext_lazy("Mengeneinheit", "Stück"),
    "H87": pgettext_lazy("Mengeneinheit", "Stück"),
    "EA": pgettext_lazy("Mengeneinheit", "Stück"),
    "PR": pgettext_lazy("Mengeneinheit", "Paar"),
    "SET": pgettext_lazy("Mengeneinheit", "Set"),
    "PK": pgettext_lazy("Mengeneinheit", "Packung"),
    "KT": pgettext_lazy("Mengeneinheit", "Kit"),
    "CT": pgettext_lazy("Mengeneinheit", "Karton"),
    "BX": pgettext_lazy("Mengeneinheit", "Schachtel"),
    "BG": pgettext_lazy("Mengeneinheit", "Beutel"),
    "BO": pgettext_lazy("Mengeneinheit", "Flasche"),
    "TU": pgettext_lazy("Mengeneinheit", "Tube"),
    "RO": pgettext_lazy("Mengeneinheit", "Rolle"),
    "LTR": pgettext_lazy("Mengeneinheit", "l"),
    "MLT": pgettext_lazy("Mengeneinheit", "ml"),
    "MTR": pgettext_lazy("Mengeneinheit", "m"),
    "KGM": pgettext_lazy("Mengeneinheit", "kg"),
    "GRM": pgettext_lazy("Mengeneinheit", "g"),
}


def unit_label(unit: str | None) -> str:
    code = (unit or "").strip().upper()
    return str(UNIT_LABELS.get(code, code))
