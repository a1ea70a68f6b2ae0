"""The connector's two languages: every sentence is written once, in German, and read in one.

German is the source language: a sentence in the code is its German text with ``{named}``
parameters, and that text is the msgid of the English catalogue shipped in the package
(``locale/en/LC_MESSAGES/orderhub_connector.po``, compiled to the ``.mo`` next to it; see
connector/README.md "Languages"). :func:`text` renders a sentence in both languages at once —
the library's errors and reasons carry both, because the ``--json`` output and embedding
practice software read ``de`` and ``en`` — and :func:`translate` renders it in one, which is
what the CLI prints.

Parameters are rendered in the target language too: a :class:`Text` (or a ``Message``) as its
sentence in that language, a date as ``31.03.2026`` in German and ``2026-03-31`` in English.

argparse speaks English; its German comes from a second catalogue here
(``locale/de/LC_MESSAGES/argparse.po``), installed by :func:`argparse_in` while the CLI builds
and runs its parser, so that ``--help`` and usage errors are German too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DOMAIN = "orderhub_connector"
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
#: The connector's own choice of language, before the POSIX locale variables.
LANGUAGE_ENV = "ORDERHUB_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_POSIX_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class Text(str):
    """One sentence in both languages, already rendered with its parameters.

    It *is* its German text (a ``str``), so code that joins, prints or compares the sentences
    it was given keeps working; ``en`` is the English, :meth:`in_language` picks one.
    """

    en: str
    _both: str | None

    def __new__(cls, de: str, en: str, *, both: str | None = None) -> Text:
        obj = super().__new__(cls, de)
        obj.en = en
        obj._both = both
        return obj

    @property
    def de(self) -> str:
        return str.__str__(self)

    @property
    def both(self) -> str:
        """Both languages in one string, as the ``--json`` error ``details`` have always carried
        them (``"… / …"``): the JSON stays as programs know it; people read :meth:`in_language`."""
        if self._both is not None:
            return self._both
        return self.de if self.de == self.en else f"{self.de} / {self.en}"

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.de

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.de, self.en, self._both))


def _rebuild(de: str, en: str, both: str | None) -> Text:
    return Text(de, en, both=both)


def N_(msgid: str) -> str:
    """Marks a sentence for the catalogue where it is translated later (a table of labels)."""
    return msgid


@functools.cache
def catalogue(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The translations into ``language``; German needs none (it is the source language)."""
    if domain == DOMAIN and language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(domain, LOCALE_DIR, languages=[language], fallback=True)


def translate(msgid: str, language: str, /, **params: Any) -> str:
    """``msgid`` (a German sentence) in ``language``, its ``{parameters}`` filled in."""
    sentence = catalogue(language).gettext(msgid)
    if not params:
        return sentence
    return sentence.format(**{name: render(value, language) for name, value in params.items()})


def text(msgid: str, /, **params: Any) -> Text:
    """``msgid`` rendered in German and in English."""
    return Text(translate(msgid, "de", **params), translate(msgid, "en", **params))


def render(value: Any, language: str) -> Any:
    """A parameter as a reader of ``language`` writes it."""
    if hasattr(value, "in_language"):
        return value.in_language(language)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()
    return value


def in_language(value: Any, language: str) -> str:
    """A :class:`Text`, ``Message`` or plain string (say, the portal's own words) as printed."""
    return str(render(value, language))


def language_of(value: str | None) -> str | None:
    """``"en_GB.UTF-8"`` → ``"en"``, ``"de"`` → ``"de"``; anything else → None."""
    value = (value or "").strip().lower()
    for language in LANGUAGES:
        if value.startswith(language):
            return language
    return None


def choose_language(
    option: str | None = None,
    configured: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The language a person reads: ``--lang``, else the config's ``language``, else
    ``$ORDERHUB_LANG``, else the POSIX locale (``LANGUAGE``'s first German or English entry,
    then the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that names a language: ``en…`` is
    English, anything else German), else German."""
    for chosen in (option, configured):
        if language_of(chosen):
            return language_of(chosen) or DEFAULT_LANGUAGE
    env = os.environ if environ is None else environ
    chosen = language_of(env.get(LANGUAGE_ENV))
    if chosen:
        return chosen
    for entry in env.get("LANGUAGE", "").split(":"):
        if language_of(entry):
            return language_of(entry) or DEFAULT_LANGUAGE
    for name in _POSIX_VARIABLES:
        value = env.get(name, "")
        if value and value.split(".")[0] not in ("C", "POSIX"):  # C says nothing about language
            return "en" if language_of(value) == "en" else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@contextmanager
def argparse_in(language: str) -> Iterator[None]:
    """argparse's own words (``usage:``, ``options``, its errors) in ``language`` while the
    block runs. argparse looks its ``_``/``ngettext`` up as module globals at each call, which
    is the only hook it offers; both are put back afterwards."""
    if language == "en":  # argparse's own language
        yield
        return
    translations = catalogue(language, "argparse")
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = translations.gettext  # type: ignore[attr-defined]
    argparse.ngettext = translations.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
