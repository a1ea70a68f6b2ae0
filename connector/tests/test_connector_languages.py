"""The connector speaks one language at a time (issue 15): German or English, never both.

Every sentence is written once, in German, and its English comes from the catalogue in the
package; these tests run the CLI in each language and read what a person would read.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

import httpx
import pytest

import orderhub_connector
from orderhub_connector import Connector, cli, load_config
from orderhub_connector.errors import ExitCode, PortalProblem, parse_problem
from orderhub_connector.i18n import LOCALE_DIR, choose_language

PACKAGE = Path(orderhub_connector.__file__).resolve().parent
PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "orderhub_connector.po"
MO = PO.with_suffix(".mo")
#: Where the code names a sentence of the catalogue: function → position of the msgid.
KEYWORDS = {"_": 0, "N_": 0, "text": 0, "translate": 0, "say": 0, "of": 1, "report": 1}
#: Words that give a German sentence away in English output, and the other way round.
GERMAN = re.compile(r"[äöüß„“]|(?i:\b(Fehler|Aufruf|Optionen|nicht|der|die|und|Bestellung)\b)")
ENGLISH = re.compile(r"^Error:|(?i:\b(usage|options|the|and|not|cannot|order is)\b)", re.MULTILINE)


def one_language(output: str, language: str) -> None:
    """No "Deutsch / English" pairs, and nothing of the other language."""
    assert " / " not in output, output
    other = ENGLISH if language == "de" else GERMAN
    assert not other.search(output), (other.search(output), output)


@pytest.fixture
def run(capsys):
    def run(*args: str, connector: Connector | None = None) -> tuple[int, str, str]:
        try:
            code = cli.main(list(args), connector=connector)
        except SystemExit as exit:  # --help, usage errors
            code = int(exit.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


# --- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["order"], ["change"], ["check"]])
def test_help_is_german_by_default_and_english_on_request(run, command):
    code, german, _ = run(*command, "--help")
    assert code == 0
    assert german.startswith("Aufruf: orderhub-connector") and "Optionen:" in german
    assert "diese Hilfe zeigen und beenden" in german
    one_language(german, "de")

    code, english, _ = run(*command, "--help", "--lang", "en")
    assert code == 0
    assert english.startswith("usage: orderhub-connector") and "options:" in english
    assert "show this help message and exit" in english
    one_language(english, "en")


def test_usage_errors_in_the_chosen_language(run):
    code, _, german = run("check", "--date", "morgen")
    assert code == ExitCode.USAGE
    assert "Fehler: Argument --date: „morgen“ ist kein Datum JJJJ-MM-TT" in german
    one_language(german, "de")
    code, _, english = run("--lang", "en", "order")
    assert code == ExitCode.USAGE
    assert "error: the following arguments are required: ORDER_ID" in english
    one_language(english, "en")


# --- errors ---------------------------------------------------------------------------------


def registered(config: Path) -> Path:
    from orderhub_connector.state import FileTokenStore

    FileTokenStore(config.parent / "state").save("tok-valid")
    return config


def test_unreachable_portal_in_german_and_in_english(closed_port, write_config, run):
    config = str(registered(write_config(f"http://127.0.0.1:{closed_port}")))
    code, _, german = run("--config", config, "sync")
    assert code == ExitCode.PORTAL_UNREACHABLE
    first = german.splitlines()[0]
    assert first.startswith("Fehler: Das OrderHub-Portal (http://127.0.0.1:")
    assert "ist nicht erreichbar" in first and "2 Wiederholung(en) ohne Erfolg." in german
    one_language(german.replace(german.splitlines()[1], ""), "de")  # line 2: httpx's own words

    code, _, english = run("--config", config, "sync", "--lang", "en")
    assert code == ExitCode.PORTAL_UNREACHABLE
    assert english.startswith("Error: The OrderHub portal (http://127.0.0.1:")
    assert "cannot be reached" in english and "2 retries failed." in english
    one_language(english, "en")


def test_json_error_is_the_same_document_whatever_the_language(closed_port, write_config, run):
    config = str(registered(write_config(f"http://127.0.0.1:{closed_port}")))
    _, german, _ = run("--config", config, "sync", "--json")
    _, english, _ = run("--config", config, "sync", "--json", "--lang", "en")
    assert german == english  # --json is for programs: the same document in either language
    error = json.loads(german)
    assert set(error) == {"error", "exit_code", "de", "en", "details"}
    assert (
        error["exit_code"] == ExitCode.PORTAL_UNREACHABLE and error["error"] == "PortalUnreachable"
    )
    assert "nicht erreichbar" in error["de"] and "cannot be reached" in error["en"]
    # details as --json has always carried them, both languages in one string
    assert error["details"][-1] == "2 Wiederholung(en) ohne Erfolg. / 2 retries failed."


def refusing_portal(body: dict) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            body["status"], json=body, headers={"content-type": "application/problem+json"}
        )

    return httpx.MockTransport(answer)


CHANGE_REFUSED = {
    "type": "/api/v1/problems/conflict",
    "title": "Conflict",
    "status": 409,
    "detail": "Die Bestellung ist bereits versandt. / The order has already shipped.",
    "code": "shipped",
    "message": "Die Bestellung ist bereits versandt; eine Änderung ist nicht mehr möglich.",
    "message_en": "The order has already shipped; it can no longer be changed.",
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_refusal_from_the_portal_is_printed_in_the_chosen_language(write_config, run, language):
    config = load_config(write_config())
    conn = Connector(config, transport=refusing_portal(CHANGE_REFUSED), sleep=lambda s: None)
    conn.tokens.save("tok-valid")
    code, _, err = run("change", "OH-1", "--cancel", "--lang", language, connector=conn)
    assert code == ExitCode.CHANGE_REFUSED
    if language == "de":
        assert err.splitlines() == [
            "Fehler: Die Bestellung ist bereits versandt; eine Änderung ist nicht mehr möglich."
        ]
    else:
        assert err.splitlines() == [
            "Error: The order has already shipped; it can no longer be changed."
        ]
    one_language(err, language)


def test_portal_problem_with_message_and_message_en():
    body = {
        "type": "/api/v1/problems/invalid-input",
        "title": "Invalid input",
        "status": 422,
        "message": "Die Rückgabe fehlt.",
        "message_en": "The return date is missing.",
        "errors": [
            {
                "field": "return_date",
                "message": "fehlt für eine Kommission",
                "message_en": "missing for a consignment",
            }
        ],
    }
    problem = PortalProblem(parse_problem(422, body))
    assert problem.lines("de") == [
        "Fehler: Das Portal hat die Anfrage abgelehnt (HTTP 422) – Die Rückgabe fehlt.",
        "  return_date: fehlt für eine Kommission",
    ]
    assert problem.lines("en") == [
        "Error: The portal refused the request (HTTP 422) – The return date is missing.",
        "  return_date: missing for a consignment",
    ]
    # Without message/message_en the portal's title and detail are all there is to print.
    bare = PortalProblem(parse_problem(409, {"title": "Conflict", "detail": "key reused"}))
    assert bare.en == "The portal refused the request (HTTP 409) – Conflict: key reused"


# --- output of the commands -----------------------------------------------------------------


def test_routes_check_and_interfaces_in_english(write_config, run):
    config = str(write_config(interface='[interface]\nbranch = "F2"\nstart = "2026-03-02"\n'))
    code, out, _ = run("--config", config, "--lang", "en", "routes")
    assert code == ExitCode.OK
    assert "  → by hand: Order form 'e-mail': orders are sent by hand." in out
    assert "1 of 5 firms through OrderHub, 3 with warnings." in out
    code, out, _ = run(
        "--config", config, "--lang", "en", "check", "--branch", "F1", "--date", "2026-03-01"
    )
    assert code == ExitCode.INTERFACE_NOT_ALLOWED
    assert out.startswith(
        "The interface may NOT be used here (branch F1, workstation EMPFANG-PC, 2026-03-01):"
    )
    assert "'OrderHub' is enabled from 2026-03-02." in out
    code, out, _ = run("--config", config, "--lang", "en", "interfaces")
    assert "Configured via" in out and "branch administration" in out and "2026-03-02" in out
    code, german, _ = run("--config", config, "interfaces")
    assert "Konfiguriert über" in german and "Filialverwaltung" in german
    assert "02.03.2026" in german


# --- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "configured", "environ", "expected"),
    [
        (None, None, {}, "de"),
        ("en", None, {}, "en"),
        ("de", "en", {"ORDERHUB_LANG": "en"}, "de"),  # the command line wins
        (None, "en", {"ORDERHUB_LANG": "de"}, "en"),  # then this installation's config
        (None, None, {"ORDERHUB_LANG": "en", "LANG": "de_DE.UTF-8"}, "en"),
        (None, None, {"ORDERHUB_LANG": "fr", "LANG": "en_US.UTF-8"}, "en"),  # not ours: skipped
        (None, None, {"LANGUAGE": "fr:en", "LANG": "de_DE.UTF-8"}, "en"),
        (None, None, {"LC_ALL": "en_GB.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),
        (None, None, {"LC_MESSAGES": "de_AT.UTF-8", "LANG": "en_US.UTF-8"}, "de"),
        (None, None, {"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, "en"),  # C names no language
        (None, None, {"LANG": "fr_FR.UTF-8"}, "de"),
    ],
)
def test_choose_language(option, configured, environ, expected):
    assert choose_language(option, configured, environ) == expected


def test_language_from_the_config_and_the_environment(write_config, run, monkeypatch):
    english = str(write_config(extra='language = "en"'))
    code, out, _ = run("--config", english, "routes")
    assert code == ExitCode.OK and "1 of 5 firms through OrderHub" in out
    code, out, _ = run("--config", english, "routes", "--lang", "de")
    assert "1 von 5 Firmen über OrderHub" in out

    plain = str(write_config())
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "1 of 5 firms" in run("--config", plain, "routes")[1]
    monkeypatch.setenv("ORDERHUB_LANG", "de")
    assert "1 von 5 Firmen" in run("--config", plain, "routes")[1]


def test_an_unknown_language_in_the_config_is_refused(write_config, run):
    code, _, err = run("--config", str(write_config(extra='language = "fr"')), "routes")
    assert code == ExitCode.CONFIG
    assert "language = „fr“ ist unbekannt; erlaubt: de, en." in err


# --- the catalogue --------------------------------------------------------------------------


def read_po(path: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (the subset of the format this catalogue uses)."""
    entries: dict[str, str] = {}
    key, parts = None, {"msgid": "", "msgstr": ""}

    def flush() -> None:
        if parts["msgid"]:
            entries[parts["msgid"]] = parts["msgstr"]

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            flush()
            parts = {"msgid": "", "msgstr": ""}
            key, line = "msgid", line[6:]
        elif line.startswith(("msgstr ", "msgstr[0] ")):  # a plural's singular stands for it
            key, line = "msgstr", line.partition(" ")[2]
        elif line.startswith(("msgid_plural ", "msgstr[")):
            key = None
            continue
        elif not line.startswith('"') or key is None:
            continue
        parts[key] += ast.literal_eval(line)
    flush()
    return entries


def sentences_in_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            position = KEYWORDS.get(name or "")
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, f"{path.name}:{node.lineno}")
    return found


def placeholders(sentence: str) -> set[str]:
    return set(re.findall(r"\{(\w+)(?:![rsa])?\}", sentence))


def test_every_sentence_has_its_english_with_the_same_parameters():
    catalogue = read_po(PO)
    sentences = sentences_in_the_code()
    assert len(sentences) > 150  # the scan finds the sentences at all
    missing = {where: s for s, where in sentences.items() if not catalogue.get(s)}
    assert not missing, f"no English in {PO.name} for: {missing}"
    for german, english in catalogue.items():
        assert placeholders(german) == placeholders(english), german
    unused = set(catalogue) - set(sentences)
    assert not unused, f"{PO.name} translates sentences the code no longer has: {unused}"


def test_the_compiled_catalogue_is_that_of_the_po_file():
    with open(MO, "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for german, english in read_po(PO).items():
        assert compiled.gettext(german) == english, f"{MO.name} is stale: run msgfmt ({german})"


def test_argparse_catalogue_is_compiled():
    po = LOCALE_DIR / "de" / "LC_MESSAGES" / "argparse.po"
    with open(po.with_suffix(".mo"), "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for english, german in read_po(po).items():
        assert compiled.gettext(english) == german
