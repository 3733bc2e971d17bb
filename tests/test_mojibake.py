"""The mis-decoding warning: silent on correct text in many languages, loud on UTF-8 read as
Mac Roman or Windows-1252, and pointing at the line that holds the suspicious text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.format.mojibake import repair

# Correct text as people write it: typographic quotes of each language, the euro sign, ß,
# accents and the letters of each alphabet, next to each other as they fall in sentences.
CORRECT = {
    "de": [
        "„Weiß“", "groß”", "Maß€", "Fuß‘", "„Straße“ ist gesperrt", "Die Größe: 3 €",
        "Öffnungszeiten „Süd“ – geändert", "»Übergabe« am Montag", "‚Maß‘ und „Ähre“",
        "Nord–Süd-Verbindung", "Ü“", "ÄÖÜäöüß“”„‘’", "Kosten: 1.200 € – bezahlt",
        "Gemäß §5 …", "Änderungsprotokoll: „Fehlerbehebung für Größenprüfung“",
    ],
    "fr": [
        "« Été » à Paris", "“CAFÉ”", "Ça coûte 5 €…", "l’équipe a réagi", "«Élysée»",
        "déjà vu — encore", "Où est-ce ?", "Crème brûlée : 12 €", "œuvre, Œuf, naïve",
        "L’incident a été résolu à 11 h 55", "« Ô Canada »",
    ],
    "es": [
        "¿Qué pasó?", "¡Sí!", "“AÑO”", "España — mañana", "Niño…", "«Ñandú»",
        "pingüino: 3 €", "Acción “rápida”", "ÁÉÍÓÚÑÜ áéíóúñü",
    ],
    "pl": [
        "„Zażółć gęślą jaźń”", "Łódź – Kraków", "świeże „ąę”", "Źródło: 5 €",
        "Błąd „połączenia” naprawiony", "ŻÓŁW…",
    ],
    "tr": [
        "“İstanbul”", "Şişli’de ağ hatası", "ığüşöç İĞÜŞÖÇ", "Çözüm: “önbellek” temizlendi",
        "Ödeme 10 € – başarısız", "ışık…",
    ],
    "other": [
        "Ångström", "Ørsted – København", "naïve café", "Ελληνικά", "Русский текст",
        "日本語のテキスト", "✅ erledigt ❌ offen ⚠️", "→ ← ↑ ↓", "— – … • ™ ©",
    ],
}
SENTENCES = [s for texts in CORRECT.values() for s in texts]


@pytest.mark.parametrize("text", SENTENCES)
def test_correct_text_is_not_mis_decoded(text: str) -> None:
    assert repair(text) is None


@pytest.mark.parametrize("text", SENTENCES)
@pytest.mark.parametrize("codec", ["mac_roman", "cp1252"])
def test_utf8_read_in_another_codec_is_caught(text: str, codec: str) -> None:
    try:
        broken = text.encode("utf-8").decode(codec)
    except UnicodeDecodeError:
        pytest.skip(f"these bytes are not all {codec} characters")
    if broken == text:
        pytest.skip("ASCII")
    fixed = repair(broken)
    assert fixed is not None
    assert fixed[0] == text
    assert fixed[1] == {"mac_roman": "Mac Roman", "cp1252": "Windows-1252"}[codec]


def test_what_stays_ambiguous_is_left_alone_or_named() -> None:
    """Two characters can be correct text and mojibake at once. A lone Greek or Cyrillic
    letter read back is no evidence (a word of that script mis-decoded is many letters);
    `Ä…` is both a German capital before an ellipsis and `ą` read as Windows-1252, and
    is taken as the latter."""
    assert repair("Θ".encode().decode("cp1252")) is None
    assert repair("Ä…") == ("ą", "Windows-1252")


def test_correct_german_passes_check_strict(repo: Path, runner: CliRunner,
                                            write_incident: Callable[..., Path]) -> None:
    body = "".join(f"  - \"{s}\"\n" for s in CORRECT["de"])
    write_incident("de", f"""\
id: de
title: „Weiß“ und groß”
date: 2024-01-01
status: investigating
severity: high
started: "10:30"
summary: Maß€ und Fuß‘
authors:
{body}""")
    result = runner.invoke(main, ["check", "--strict"])
    assert (result.exit_code, result.stdout) == (0, "")


def test_the_warning_points_at_the_line_of_the_suspicious_text(
        repo: Path, runner: CliRunner, write_incident: Callable[..., Path]) -> None:
    write_incident("lines", """\
id: lines
title: t
date: 2024-01-01
status: investigating
severity: high
started: "10:30"
summary: This plain text runs
  over a few lines and only
  here is ‚úÖ broken
note_block: x
""".replace("note_block: x\n", "") + """\
impact:
  summary: >
    Folded text, first line,

    second paragraph with √§ in it.
""")
    result = runner.invoke(main, ["check"])
    assert [line.split(": warning:")[0] for line in result.stdout.splitlines()] == [
        "incidents/lines.yaml:9:11", "incidents/lines.yaml:14:27"]
