"""Residence status codes (intake-record.md) from what people write.

People mostly name their document in German, whatever their language ("Duldung", "Ausweis"),
or by the paragraph printed on it ("§ 25 Abs. 2", "60c"). Patterns are matched on the folded
text, most specific first.
"""
from __future__ import annotations

import re

from bot.parsing import AnswerError
from bot.parsing.text import fold

RESIDENCE_STATUS_CODES: tuple[str, ...] = (
    "gestattung", "duldung", "duldung_ausbildung", "duldung_beschaeftigung",
    "duldung_ungeklaerte_identitaet", "ae_schutz", "ae_abschiebungsverbot", "ae_25_5", "ae_24",
    "ae_104c", "ae_sonstige", "niederlassungserlaubnis", "fiktionsbescheinigung", "eu_citizen",
    "german_citizen", "unknown",
)

# (code, regex on folded text). Order matters: specific kinds of a status before the status.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("duldung_ausbildung", r"ausbildungsduldung|60\s*c\b"),
    ("duldung_beschaeftigung", r"beschaftigungsduldung|beschaeftigungsduldung|60\s*d\b"),
    ("duldung_ungeklaerte_identitaet", r"ungeklart\w* identitat|ungeklaert\w* identitaet|60\s*b\b"),
    ("fiktionsbescheinigung", r"fiktion"),
    ("niederlassungserlaubnis", r"niederlassung|settlement permit|permanent residence|unbefristet"),
    ("ae_104c", r"104\s*c|chancen"),
    ("ae_24", r"\b24\b|ukrain|temporary protection|vorubergehend\w* schutz"),
    ("ae_25_5", r"25\s*(abs\s*)?5\b|25\s*\(\s*5"),
    ("ae_abschiebungsverbot", r"25\s*(abs\s*)?3\b|abschiebungsverbot"),
    ("ae_schutz", r"25\s*(abs\s*)?[12]\b|subsidiar|fluchtling\w*schutz|refugee status|asylberechtig|blauer pass|blue passport"),
    ("ae_sonstige", r"aufenthaltserlaubnis|aufenthaltstitel|residence permit|\bae\b|16\s*g|25\s*a|25\s*b|familiennachzug"),
    ("duldung", r"duldung|geduldet|tolerat"),
    ("gestattung", r"gestattung|asylverfahren|asylum (procedure|seeker)|ankunftsnachweis|\bbuma\b|asylantrag"),
    ("eu_citizen", r"\beu\b|european union|eu burger|unionsburger"),
    ("german_citizen", r"deutsch\w* (pass|staatsangehorig|burger)|german (citizen|passport)|eingeburgert"),
)
_COMPILED = tuple((code, re.compile(pattern)) for code, pattern in _PATTERNS)


def parse_residence_status(text: str) -> str:
    folded = fold(text)
    if folded in RESIDENCE_STATUS_CODES:
        return folded.replace(" ", "_")
    for code, pattern in _COMPILED:
        if pattern.search(folded):
            return code
    raise AnswerError("residence_status_unparsed")
