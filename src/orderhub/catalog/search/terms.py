"""The comparable forms of an article and of a query (shared by the index and the ranking)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

from orderhub.catalog.models import TradeTerm
from orderhub.catalog.search import text
from orderhub.catalog.search.lexicon import SHIPPED
from orderhub.formats.identifiers import normalize_article_number

# Attribute keys as catalogs and practice software write them → one name.
ATTRIBUTE_KEYS = {
    "color": "colour",
    "farbe": "colour",
    "seite": "side",
    "groesse": "size",
    "grosse": "size",
    "größe": "size",
    "leistung": "power",
    "laenge": "length",
    "lange": "length",
    "länge": "length",
    "pack": "pack_size",
    "packung": "pack_size",
    "receiver_power": "power",
    "receiver_length": "length",
    "dome_size": "size",
    "battery_size": "battery",
    "pack_size": "pack_size",
}


_WHOLE_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=10_000)
def attribute_key(key: str) -> str:
    k = str(key).strip().lower()
    return ATTRIBUTE_KEYS.get(k, k)


def attribute_value(key: str, value) -> str:
    """Comparable value: sides as R/L, everything else folded."""
    return _attribute_value(key, str(value))


@lru_cache(maxsize=200_000)
def _attribute_value(key: str, value: str) -> str:
    if key == "side":
        return text.side_of(str(value)) or text.fold(str(value)).strip()
    return " ".join(text.words(str(value)))


# Attributes that are no words of the article: the side (a hard attribute of its own), the
# supplier's classification code, and the variant codes of issue 17 (the receiver family "G1",
# the dome type "open", whose German word is in the description).
NOT_WORDS = frozenset({"side", "category", "receiver_family", "dome_type"})


def normalised_attributes(attributes: dict | None) -> dict[str, str]:
    out = {}
    for k, v in (attributes or {}).items():
        if v is None or v == "":
            continue
        key = attribute_key(k)
        out[key] = attribute_value(key, v)
    return out


def _stems(word: str) -> set[str]:
    return {word, text.stem(word)}


# --- the lexicon ---------------------------------------------------------------------------------


@dataclass
class Lexicon:
    """Synonym groups (as sets of folded, stemmed words) and the words known inside compounds."""

    groups: list[frozenset[str]]
    by_word: dict[str, list[int]] = field(default_factory=dict)
    known: frozenset[str] = frozenset()

    @classmethod
    def from_terms(cls, entries: list[list[str]]) -> Lexicon:
        groups: list[frozenset[str]] = []
        by_word: dict[str, list[int]] = {}
        known = set(text.TRADE_STEMS)
        for terms in entries:
            forms: set[str] = set()
            for term in terms:
                tokens = _words_without_splits(term)
                if len(tokens) == 1:
                    forms.add(text.stem(tokens[0]))
                    if len(tokens[0]) >= 4 and tokens[0].isalpha():
                        known.update(_stems(tokens[0]))
                elif tokens:
                    forms.add("".join(tokens))
            group = frozenset(forms)
            for form in group:
                by_word.setdefault(form, []).append(len(groups))
            groups.append(group)
        return cls(groups, by_word, frozenset(w for w in known if len(w) >= 4))

    def synonyms(self, form: str) -> set[str]:
        out: set[str] = set()
        for g in self.by_word.get(form, ()):
            out |= self.groups[g]
        out.discard(form)
        return out


def _words_without_splits(value: str) -> list[str]:
    return _WHOLE_WORD.findall(text.fold(value))


_lexicon: Lexicon | None = None
_lexicon_loaded = 0.0
_lexicon_lock = threading.Lock()
LEXICON_TTL = 30.0  # seconds an operator's edit of the lexicon takes to reach a running process


def lexicon() -> Lexicon:
    """The lexicon in force: the operator's table (admin), the shipped list when it is empty."""
    global _lexicon, _lexicon_loaded
    if _lexicon is not None and time.monotonic() - _lexicon_loaded < LEXICON_TTL:
        return _lexicon
    with _lexicon_lock:
        entries = None
        try:
            rows = [t.term_list() for t in TradeTerm.objects.filter(is_active=True)]
            entries = rows or None
        except Exception:
            entries = None
        if entries is None:
            entries = [list(terms) for terms, _ in SHIPPED]
        _lexicon, _lexicon_loaded = Lexicon.from_terms(entries), time.monotonic()
    return _lexicon


def forget_lexicon() -> None:
    global _lexicon
    _lexicon = None


def static_lexicon() -> Lexicon:
    """The shipped lexicon without the database (indexing uses only its compound words)."""
    return Lexicon.from_terms([list(terms) for terms, _ in SHIPPED])


# --- articles --------------------------------------------------------------------------------------


@dataclass
class ArticleForms:
    words: list[str]  # folded words of description and attribute values
    stems: set[str]
    parts: set[str]  # compound parts (and their stems)
    keys: tuple[str, ...]  # normalised article numbers (partner, manufacturer)
    attributes: dict[str, str]
    side: str | None
    description_words: tuple[str, ...] = ()  # of the description alone
    description_text: str = ""  # those words joined: exact text equality
    joined_words: str = ""  # " w1 w2 …": substring tests in one C call
    joined_all: str = ""  # words and parts, the same way
    # Derived once per article (the ranking compares every query word with them):
    word_set: frozenset[str] = frozenset()
    stems_words: frozenset[str] = frozenset()  # stems and words
    held: frozenset[str] = frozenset()  # stems, parts and words
    typo_words: tuple[str, ...] = ()  # alphabetic words, then parts that are not words,
    typo_parts: tuple[str, ...] = ()  # the strings a typo is compared with

    def index_terms(self) -> str:
        terms = set(self.words) | self.stems | self.parts
        if self.side:
            terms.add(f"side{self.side.lower()}")
        return " ".join(sorted(terms))


def article_forms(
    description: str, attributes: dict | None, keys: tuple[str, ...], known: frozenset[str]
) -> ArticleForms:
    attrs = normalised_attributes(attributes)
    ws = text.words(description)
    description_words = tuple(ws)
    for key, value in attrs.items():
        if key not in NOT_WORDS:
            ws.extend(value.split())
    stems = {text.stem(w) for w in ws}
    parts: set[str] = set()
    for w in ws:
        for p in text.compound_parts(w, known):
            parts.add(p)
            parts.add(text.stem(p))
    # Words written apart that are also written as one ("Zink-Luft" = "Zinkluft").
    for a, b in zip(ws, ws[1:]):
        if a.isalpha() and b.isalpha():
            parts.add(a + b)
    side = attrs.get("side")
    if side not in ("R", "L"):
        side = _side_in_words(ws)
    joined_words = " " + " ".join(ws)
    word_set = frozenset(ws)
    return ArticleForms(
        ws,
        stems,
        parts,
        tuple(k for k in keys if k),
        attrs,
        side,
        description_words,
        " ".join(description_words),
        joined_words,
        joined_words + " " + " ".join(parts),
        word_set,
        word_set | stems,
        word_set | stems | parts,
        tuple(w for w in word_set if w.isalpha()),
        tuple(p for p in parts if p.isalpha() and p not in word_set),
    )


def _side_in_words(ws: list[str]) -> str | None:
    found = {text.SIDE_WORDS[w] for w in ws if w in ("links", "rechts", "left", "right")}
    return found.pop() if len(found) == 1 else None


def key_grams(key: str) -> list[str]:
    k = key.lower()
    return [k[i : i + 3] for i in range(len(k) - 2)]


# --- queries -------------------------------------------------------------------------------------


@dataclass
class QueryForms:
    raw: str
    key: str  # normalised as an article number
    words: list[str]  # folded words, side words removed
    side: str | None
    attributes: dict[str, str]  # stated by the line (identification) or the query's side
    looks_like_number: bool
    folded_text: str

    @property
    def empty(self) -> bool:
        return not self.words and not self.key


def query_forms(query: str, attributes: dict | None = None) -> QueryForms:
    raw = (query or "").strip()
    attrs = normalised_attributes(attributes)
    # Sides: whole tokens only ("links", "re", "R"), never a letter inside "SN-R-312".
    tokens = [t for t in raw.replace(",", " ").replace(";", " ").split() if t]
    side = attrs.get("side") if attrs.get("side") in ("R", "L") else None
    kept = []
    for t in tokens:
        s = text.side_of(t)
        if s and (len(tokens) > 1 or len(t) > 2):
            side = side or s
            continue
        kept.append(t)
    ws = text.words(" ".join(kept))
    key = normalize_article_number(raw)
    looks_like_number = (any(c.isdigit() for c in raw) and ("-" in raw or len(tokens) == 1)) or (
        len(tokens) == 1 and raw.isupper() and len(raw) <= 12
    )
    if side:
        attrs["side"] = side
    return QueryForms(raw, key, ws, side, attrs, looks_like_number, " ".join(text.words(raw)))
