"""The crisis lexicons (bot/safety/lexicon/<lang>.yml), loaded and compiled once per process.

Every message is checked against every language (people mix languages and scripts). Python's
regex engine tries each alternative of an alternation at each position, which is too slow for a
few thousand patterns; so the patterns are indexed by the characters a match can start with. A
pattern (or top-level alternative) that starts with \\b is tried only at the start of a word;
others at any position. For each starting character there is one alternation of the patterns
that can start with it, compiled the first time a message has that character there.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from re import _parser as sre_parse  # type: ignore[attr-defined]  # the regex parser is private

import yaml

LEXICON_DIR = Path(__file__).parent / "lexicon"
CATEGORIES = ("suicide", "violence", "medical", "child")
# Alternatives are tried in this order, so where several match at one place the first wins.
PRIORITY = ("suicide", "medical", "child", "violence")
_BOUNDARIES = (sre_parse.AT_BOUNDARY, sre_parse.AT_BEGINNING, sre_parse.AT_BEGINNING_STRING)
_LARGEST_CHARSET = 512
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class Lexicon:
    language: str
    crisis: dict[str, list[str]]
    not_crisis: list[str]


@dataclass(frozen=True)
class Match:
    kind: str
    language: str
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    group: str  # "<kind>_<language>"
    pattern: str
    first_chars: frozenset[str] | None  # None: could start with anything
    at_word_start: bool


class CompiledLexicons:
    def __init__(self, entries: list[_Entry], idioms: list[tuple[str, str]]) -> None:
        self._entries = entries
        self._anywhere_chars = frozenset(c for e in entries if not e.at_word_start and e.first_chars for c in e.first_chars)
        self._indexed_chars = frozenset(c for e in entries if e.first_chars for c in e.first_chars)
        self._unindexed = _alternation([(e.group, e.pattern) for e in entries if e.first_chars is None])
        self._buckets: dict[tuple[str, bool], re.Pattern[str] | None] = {}
        self._not_crisis = _alternation(idioms)

    def matches(self, text: str) -> Iterator[Match]:
        """Crisis matches in the text, by position (the few unindexed patterns last)."""
        word_start = True
        for position, char in enumerate(text):
            if word_start or char in self._anywhere_chars:
                pattern = self._bucket(char, word_start)
                if pattern is not None and (match := pattern.match(text, position)) is not None:
                    yield _as_match(match)
            word_start = char == " "
        if self._unindexed is not None:
            position = 0
            while (match := self._unindexed.search(text, position)) is not None:
                yield _as_match(match)
                position = match.start() + 1

    def compile_all(self) -> None:
        """Compile every bucket now (about 3 s), not at the first message whose word starts with
        its character (about 10 ms each, for the first people writing in each script)."""
        for char in self._indexed_chars:
            for word_start in (True, False):
                self._bucket(char, word_start)

    def idiom_spans(self, text: str) -> list[tuple[int, int]]:
        return [] if self._not_crisis is None else [m.span() for m in self._not_crisis.finditer(text)]

    def _bucket(self, char: str, word_start: bool) -> re.Pattern[str] | None:
        if char not in self._indexed_chars:
            return None  # no pattern starts with it
        key = (char, word_start)
        if key not in self._buckets:
            self._buckets[key] = _alternation([
                (e.group, e.pattern) for e in self._entries
                if e.first_chars is not None and char in e.first_chars and (word_start or not e.at_word_start)
            ])
        return self._buckets[key]


def _as_match(match: re.Match[str]) -> Match:
    kind, language = (match.lastgroup or "_").split("_", 1)
    return Match(kind, language, match.start(), match.end())


def load_lexicon(path: Path) -> Lexicon:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    language = data.get("language")
    if language != path.stem:
        raise LexiconError(f"{path}: language {language!r} should be {path.stem!r}")
    crisis = data.get("crisis") or {}
    unknown = set(crisis) - set(CATEGORIES)
    if unknown:
        raise LexiconError(f"{path}: unknown categories {sorted(unknown)}")
    lexicon = Lexicon(language, {c: list(crisis.get(c) or []) for c in CATEGORIES}, list(data.get("not_crisis") or []))
    for pattern in [p for ps in lexicon.crisis.values() for p in ps] + lexicon.not_crisis:
        try:
            analyses = [_analyse(branch) for branch in _top_level_branches(pattern)]
        except re.error as error:
            raise LexiconError(f"{path}: {pattern!r}: {error}") from error
        if any(a.named_groups for a in analyses):
            raise LexiconError(f"{path}: {pattern!r}: named groups are reserved, use (?:…)")
        if any(a.matches_empty for a in analyses):
            raise LexiconError(f"{path}: {pattern!r} can match the empty string")
    return lexicon


def load_lexicons(directory: Path = LEXICON_DIR) -> list[Lexicon]:
    return [load_lexicon(path) for path in sorted(directory.glob("*.yml"))]


@cache
def compiled_lexicons(directory: Path = LEXICON_DIR) -> CompiledLexicons:
    lexicons = load_lexicons(directory)
    entries = []
    for kind in PRIORITY:
        for lexicon in lexicons:
            for pattern in lexicon.crisis[kind]:
                for branch in _top_level_branches(pattern):
                    analysis = _analyse(branch)
                    entries.append(_Entry(f"{kind}_{lexicon.language}", branch, analysis.first_chars, analysis.at_word_start))
    idioms = [(f"idiom_{lexicon.language}", p) for lexicon in lexicons for p in lexicon.not_crisis]
    return CompiledLexicons(entries, idioms)


def _alternation(patterns: list[tuple[str, str]]) -> re.Pattern[str] | None:
    """One regex; the named group around each run of patterns says kind and language."""
    groups: dict[str, list[str]] = {}
    for group, pattern in patterns:
        groups.setdefault(group, []).append(pattern)
    return re.compile("|".join(f"(?P<{g}>{'|'.join(ps)})" for g, ps in groups.items())) if groups else None


@dataclass(frozen=True)
class _Analysis:
    first_chars: frozenset[str] | None
    matches_empty: bool
    at_word_start: bool
    named_groups: bool


@cache
def _analyse(branch: str) -> _Analysis:
    """What the index needs to know of one alternative (parsed once: parsing is the slow part)."""
    parsed = sre_parse.parse(branch)
    chars, empty = _first_chars(parsed.data)
    return _Analysis(None if chars is None else frozenset(chars), empty, _starts_at_word(parsed.data),
                     bool(parsed.state.groupdict))


def _top_level_branches(pattern: str) -> list[str]:
    """'\\ba|b' → ['\\ba', 'b']: each alternative is indexed on its own."""
    branches, start, depth, in_class, escaped = [], 0, 0, False, False
    for position, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]" or pattern[position - 1] == "["
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:position])
            start = position + 1
    return [*branches, pattern[start:]]


def _starts_at_word(items) -> bool:
    """Whether every match of the parsed pattern begins with \\b or ^."""
    for op, av in items:
        if op is sre_parse.AT:
            return av in _BOUNDARIES
        if op is sre_parse.SUBPATTERN:
            return _starts_at_word(av[-1])
        if op is sre_parse.BRANCH:
            return all(_starts_at_word(branch) for branch in av[1])
        return False
    return False


def _first_chars(items) -> tuple[set[str] | None, bool]:
    """The characters a match of the parsed pattern can start with (None: any), and whether it
    can match without consuming a character."""
    chars: set[str] = set()
    first: set[str] | None
    for op, av in items:
        if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            continue
        if op is sre_parse.LITERAL:
            first, empty = {chr(av)}, False
        elif op is sre_parse.IN:
            first, empty = _charset(av), False
        elif op is sre_parse.SUBPATTERN:
            first, empty = _first_chars(av[-1])
        elif op is sre_parse.BRANCH:
            first, empty = set(), False
            for branch in av[1]:
                branch_chars, branch_empty = _first_chars(branch)
                if branch_chars is None:
                    return None, False
                first |= branch_chars
                empty = empty or branch_empty
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            first, empty = _first_chars(av[2])
            empty = empty or av[0] == 0
        else:
            return None, False
        if first is None:
            return None, False
        chars |= first
        if not empty:
            return chars, False
    return chars, True


def _charset(items) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre_parse.LITERAL:
            chars.add(chr(av))
        elif op is sre_parse.CATEGORY and av is sre_parse.CATEGORY_DIGIT:
            chars.update("0123456789")  # normalize() leaves only ASCII digits
        elif op is sre_parse.RANGE and av[1] - av[0] < _LARGEST_CHARSET:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return chars
