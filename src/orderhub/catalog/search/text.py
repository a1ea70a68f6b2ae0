"""How catalog text and queries are cut into comparable words (German and trade aware).

The same functions analyse an article when it is indexed and a query when it is searched, so both
sides always agree:

* ``fold``: lower case, umlauts and their spellings the same (ö = oe = o, ß = ss), accents off;
* ``words``: split on everything that is not a letter or digit ("Zink-Luft-Batterie" → zink,
  luft, batterie) and between letters and digits ("312er" → 312, er; "A3" → a, 3 and a3);
* ``stem``: the Snowball German stemmer (Batterien = Batterie, Hörer = Hörern);
* ``compound_parts``: the known words inside a compound ("cerumenschutzfilter" → cerumen,
  schutz, filter; "hörgeräteschlauch" → schlauch), from the trade lexicon and a list of the
  trade's word stems, so "Filter" finds "Cerumenschutzfilter".
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

_UMLAUT = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe"})
# After the umlauts: their two-letter spellings (Hoerer = Hörer = Horer).
_DIGRAPH = re.compile(r"(?<=[a-z])(ae|oe|ue)|^(ae|oe|ue)")
_DIGRAPH_MAP = {"ae": "a", "oe": "o", "ue": "u"}
_WORD = re.compile(r"[a-z0-9]+")
_LETTERS_DIGITS = re.compile(r"[a-z]+|[0-9]+")

# Word stems of the trade that appear inside compounds (folded, at least 4 letters), besides the
# lexicon's own words. "hörgeräteschlauch" holds "horgerat" and "schlauch".
TRADE_STEMS = frozenset(
    [
        "batterie",
        "zink",
        "luft",
        "filter",
        "schutz",
        "cerumen",
        "wachs",
        "schlauch",
        "dunn",
        "horer",
        "gerat",
        "horgerat",
        "hor",
        "dome",
        "schirm",
        "otoplastik",
        "ohr",
        "pass",
        "stuck",
        "passstuck",
        "schale",
        "voll",
        "halb",
        "kralle",
        "winkel",
        "haken",
        "kinder",
        "trocken",
        "kapsel",
        "box",
        "tuch",
        "tucher",
        "reinigung",
        "spray",
        "bürste",
        "burste",
        "pflege",
        "set",
        "lade",
        "station",
        "schale",
        "mikrofon",
        "fach",
        "klappe",
        "faden",
        "sport",
        "silikon",
        "acryl",
        "belüftung",
        "beluftung",
        "bohrung",
        "tulpe",
        "power",
        "offen",
        "geschlossen",
        "spritze",
        "masse",
        "abform",
        "abdruck",
        "block",
        "tamponade",
        "knopf",
        "zelle",
        "akku",
        "fern",
        "bedienung",
        "tinnitus",
        "rausch",
        "generator",
        "ersatz",
        "kabel",
        "magnet",
        "typ",
        "lange",
        "grosse",
    ]
)

SIDE_WORDS = {
    "links": "L",
    "left": "L",
    "li": "L",
    "l": "L",
    "rechts": "R",
    "right": "R",
    "re": "R",
    "r": "R",
}


def fold(text: str) -> str:
    """Lower case without umlauts, their spellings or accents: "Größe" and "Groesse" → "grosse"."""
    text = (text or "").lower().translate(_UMLAUT)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _DIGRAPH.sub(lambda m: _DIGRAPH_MAP[m.group(0)], text)


_RAW_TOKEN = re.compile(r"[^\W_]+")


_DECIMAL = re.compile(r"(\d+)[,.](\d+)")


def words(text: str) -> list[str]:
    """The folded words of a text, letter/digit runs split off as words of their own as well.

    A decimal number is also one word of its own ("2,2" and "2.2" → 2d2), so "Schlauch 2,2" does
    not equal "Schlauch 2,0".
    """
    out: list[str] = []
    for token in _RAW_TOKEN.findall(text or ""):
        out.extend(_token_words(token))
    if text and ("," in text or "." in text):
        out.extend(f"{a}d{b}" for a, b in _DECIMAL.findall(text))
    return out


@lru_cache(maxsize=500_000)
def _token_words(token: str) -> tuple[str, ...]:
    out: list[str] = []
    for word in _WORD.findall(fold(token)):
        out.append(word)
        parts = _LETTERS_DIGITS.findall(word)
        if len(parts) > 1:
            out.extend(parts)
    return tuple(out)


@cache
def _german():
    # Imported on first use: snowballstemmer takes 0.3 s to import, which every process would pay
    # at start-up (the apps load identification) although only searching and indexing stem.
    import snowballstemmer  # noqa: PLC0415 (see above)

    return snowballstemmer.stemmer("german")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    return _german().stemWord(word)


@lru_cache(maxsize=200_000)
def compound_parts(word: str, known: frozenset[str]) -> tuple[str, ...]:
    """Known words inside a long word (≥ 4 letters each), wherever they sit.

    A known head or tail is cut off and the rest is split again: "cerumenschutzfilter" →
    cerumen, filter, schutz (from "schutzfilter" and "cerumenschutz").
    """
    if len(word) < 7 or not word.isalpha():
        return ()
    parts: list[str] = []
    for cut in range(4, len(word) - 3):
        head, tail = word[:cut], word[cut:]
        if head in known:
            parts.append(head)
            parts.extend(p for p in (tail, *compound_parts(tail, known)) if p in known)
        if tail in known:
            parts.append(tail)
            parts.extend(p for p in (head, *compound_parts(head, known)) if p in known)
    return tuple(dict.fromkeys(parts))


def side_of(value: str) -> str | None:
    """ "R", "L" or None for a side as people and catalogs write it (rechts, re, R, right …)."""
    return SIDE_WORDS.get(fold(str(value)).strip())
