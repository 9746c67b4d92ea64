"""Finding the field words of a correction in a text: the matching behind FieldLookupExtractor.

No Rasa here (the app's tests import it on Python 3.12; Rasa runs it on 3.10). What it learns from
are the field words annotated in the training data, each with its field ("Geburtsdatum" →
birth_date), and it follows how they are annotated:

- Words as written match first; then the same word with another ending: an ending the
  annotations themselves show ("ناو"/"ناوم"/"ناوەکەم", "nav"/"navê", "adım"/"adımı" teach
  "م", "ەکەم", "ê", "ı"…), and for longer words any ending after the stem ("doğum tarihimi",
  "даті народження"); a word of five letters or more also ends a compound ("Flüchtlingsheim").
- Letters are compared without accents and without Arabic-script keyboard variants, as people
  type them ("dîroka"/"diroka", "doğum"/"dogum", "إذن"/"اذن", "ي"/"ی"); every letter keeps its
  place, so spans stay positions in the text as written.
- Spans are whole words, as in the annotations: an attached Arabic proclitic stays outside
  ("ب[تاريخ الوصول]"), and so does a French elided article ("l'[adresse]"); the Arabic article
  is inside, but a word matches with or without it ("مدرسة", "المدرسة").
- A field is named by a phrase of several words, and the annotations teach which words follow
  which within one field's phrases. A phrase may join what several annotations show ("date
  d'arrivée" and "arrivée en Allemagne": "date d'arrivée en Allemagne"), starting with a word
  that starts a phrase and ending with one that ends a phrase; a single word needs to have been
  annotated alone. Words of the same field's phrases next to a phrase join it too ("Deutsch
  Niveau" when "Deutsch" and "Niveau" are annotated in other German-level phrases), as far as a
  word that may start (on the left) or end (on the right) a phrase. And a word that ends only
  one field's phrases names that field after a word that starts any field's phrase ("dîroka
  hatinê", date of arrival, from "dîroka jidayikbûnê" and "roja hatinê").
- Every annotated correction names at most one field, and the form corrects one at a time: one
  span per text, the first field named, in its reading with the most words, then the closest to
  the annotations, then the longest; a reading only by stems comes after all others ("Deutschland"
  is no "deutsch", "Allemagne" no "allemand" when the text names a field as annotated).

These choices were made by cross-validation on the training annotations
(`benchmarks/field_words_cv.py`), not on the held-out sets.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

FIELD = "field"
# One letter for one letter (spans keep their positions): keyboard variants of Arabic script,
# typographic apostrophes, Turkish dotless i.
_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ك": "ک", "ة": "ه", "ە": "ه",
                           "’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'", "ı": "i"})
# Arabic proclitics that stick to a field word (بتاريخ, بالكامب, والاسم): outside the span, as
# annotated ("ب[الكامب]"). The article ال is inside it, but a word matches with or without it.
_PROCLITICS = ("وب", "ول", "فب", "فل", "ب", "و", "ل", "ف")
_ARTICLE = "ال"
# Word tokens; a French elided article or preposition ("l'", "d'", "qu'") is a word of its own, the
# zero-width non-joiner of Persian ("زبان‌ها") joins like a hyphen.
_TOKEN = re.compile(r"(?<!\w)(?:qu|[cdjlmnst])'(?=\w)|\w+(?:['\u200c-]\w+)*")
STEM_FROM = 6  # words this long also match with any other ending after their stem
SHORTEST_BASE = 3  # a word without an ending is this long, unless it was annotated so
MIN_ENDING_COUNT = 2  # an ending is learned when the annotations show it this often
SHARED_BY = 3  # a word that starts (ends) the phrases of this many fields joins any field's phrase


def _fold(c: str) -> str:
    decomposed = unicodedata.normalize("NFD", c)
    if len(decomposed) > 1 and all(unicodedata.combining(mark) for mark in decomposed[1:]):
        c = decomposed[0]
    lower = c.lower()
    return lower if len(lower) == 1 else c


def comparable(text: str) -> str:
    """The text in lower case, without accents or keyboard variants, letter for letter."""
    return "".join(_fold(c) for c in text).translate(_VARIANTS)


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of the words of a comparable text."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def _without_article(word: str) -> str:
    return word[len(_ARTICLE):] if word.startswith(_ARTICLE) and len(word) > len(_ARTICLE) + 2 else word


def _key(word: str) -> str:
    """Where a word is filed in the vocabulary: by its first two letters after the article."""
    return (_without_article(word) if _arabic(word) else word)[:2]


@dataclass(frozen=True)
class _Match:
    """A text word read as a field word: how closely (0 as written … 3 by its stem), and where its
    span starts (after a proclitic)."""
    word: str
    level: int
    start: int
    end: int


class FieldWords:
    def __init__(self, words: dict[str, str]) -> None:
        """words: annotated field word or phrase → field value."""
        self.words = {}
        for word, value in words.items():
            key = " ".join(t for _, _, t in tokens(comparable(word)))
            if key:
                self.words[key] = value
        phrases = [(key.split(), value) for key, value in self.words.items()]
        self.endings = self._learn_endings(phrases)
        self.alone: dict[str, set[str]] = defaultdict(set)  # field → words annotated alone
        self.starts: dict[str, set[str]] = defaultdict(set)  # field → first words of its phrases
        self.ends: dict[str, set[str]] = defaultdict(set)
        self.follows: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.vocabulary: dict[str, set[str]] = defaultdict(set)  # first two letters → words
        self.compound_heads: dict[str, set[str]] = defaultdict(set)  # last three letters → words
        for words_of, value in phrases:
            if len(words_of) == 1:
                self.alone[value].add(words_of[0])
            else:
                self.starts[value].add(words_of[0])
                self.ends[value].add(words_of[-1])
            for first, second in pairwise(words_of):
                self.follows[value][first].add(second)
            for word in words_of:
                self.vocabulary[_key(word)].add(word)
                if len(word) >= 5 and not _arabic(word):
                    self.compound_heads[word[-3:]].add(word)
        self.values_of: dict[str, set[str]] = defaultdict(set)  # word → fields whose phrases have it
        for value, graph in self.follows.items():
            for first, seconds in graph.items():
                self.values_of[first].add(value)
                for second in seconds:
                    self.values_of[second].add(value)
        for value, alone in self.alone.items():
            for word in alone:
                self.values_of[word].add(value)
        self.phrase_words: dict[str, set[str]] = defaultdict(set)  # field → the words of its phrases
        for words_of, value in phrases:
            self.phrase_words[value].update(words_of)
        # Words that start or end the phrases of many fields are a language's possessives and
        # particles (Kurmanji "navê [min]", Pashto "[د] زیږون نېټه"): they join any field's phrase.
        self.any_start = set().union(*self.starts.values()) if self.starts else set()
        self.shared_starts = self._shared(self.starts)
        self.shared_ends = self._shared(self.ends)

    @staticmethod
    def _shared(words_of_field: dict[str, set[str]]) -> set[str]:
        fields: Counter[str] = Counter(word for words in words_of_field.values() for word in words)
        return {word for word, count in fields.items() if count >= SHARED_BY}

    @staticmethod
    def _learn_endings(phrases: list[tuple[list[str], str]]) -> set[str]:
        """Endings the annotations show: a word annotated both bare and with the ending."""
        by_value: dict[str, set[str]] = defaultdict(set)
        for words_of, value in phrases:
            by_value[value].update(words_of)
        counts: Counter[str] = Counter()
        for words_of_value in by_value.values():
            for word in words_of_value:
                for other in words_of_value:
                    if len(other) > len(word) >= 2 and other.startswith(word) and len(other) - len(word) <= 4:
                        ending = other[len(word):]
                        if "'" not in ending and "-" not in ending:
                            counts[ending] += 1
        return {ending for ending, count in counts.items() if count >= MIN_ENDING_COUNT}

    def _bases(self, word: str) -> set[str]:
        """The word and the word without each ending it may have."""
        return {word} | {word[: -len(ending)] for ending in self.endings
                         if word.endswith(ending) and len(word) - len(ending) >= SHORTEST_BASE}

    def _level(self, text_word: str, word: str) -> int | None:
        """How a text word matches an annotated word: as written (0), with or without the Arabic
        article (1), with an ending the annotations show (2), by its stem or as the last part of a
        compound (3); None if not."""
        if text_word == word:
            return 0
        if _arabic(word) and _arabic(text_word):
            bare, bare_word = _without_article(text_word), _without_article(word)
            if bare == bare_word:
                return 1
            if (bare != text_word) != (bare_word != word):
                text_word, word = bare, bare_word
        if self._bases(text_word) & self._bases(word):
            return 2
        if len(word) >= STEM_FROM and text_word.startswith(word[: max(5, len(word) - 2)]):
            return 3
        # The last part of a compound ("Flüchtlingsheim", "Telefonnummer").
        if len(word) >= 5 and len(text_word) > len(word) + 2 and text_word.endswith(word) and not _arabic(word):
            return 3
        # Four or five letters, the last one changed ("дата" → "дате"); not in Arabic script,
        # whose short words differ by one letter (كامب, كاملة), and take the endings it learned.
        if (4 <= len(word) < STEM_FROM and not _arabic(word) and text_word.startswith(word[:-1])
                and len(text_word) <= len(word) + 1):
            return 3
        return None

    def _matches(self, start: int, end: int, text_word: str) -> list[_Match]:
        """The annotated words a text word may be, the closest first."""
        readings = [(start, text_word, 0)]
        if _arabic(text_word):
            readings += [(start + len(p), text_word[len(p):], 1) for p in _PROCLITICS
                         if text_word.startswith(p) and len(text_word) - len(p) >= 2]
        found: dict[str, _Match] = {}
        for at, reading, extra in readings:
            for word in self.vocabulary.get(_key(reading), set()) | self.compound_heads.get(reading[-3:], set()):
                level = self._level(reading, word)
                if level is not None:
                    match = _Match(word, max(level, extra), at, end)
                    if word not in found or match.level < found[word].level:
                        found[word] = match
        return sorted(found.values(), key=lambda m: m.level)

    def candidates(self, text: str) -> list[dict[str, Any]]:
        """Every phrase the annotations allow in a text, with its value, span and score."""
        searched = comparable(text)
        words = tokens(searched)
        matches = [self._matches(start, end, word) for start, end, word in words]
        joined = [j + 1 < len(words) and not searched[words[j][1]:words[j + 1][0]].strip() for j in range(len(words))]
        found = []
        for i in range(len(words)):
            for first in matches[i]:
                for value in self.values_of.get(first.word, ()):
                    if first.word in self.alone[value]:
                        found.append(self._candidate([first], value, i, matches, joined))
                    if first.word not in self.starts[value]:
                        continue
                    # Paths through the field's word-follows-word graph.
                    paths = [[first]]
                    j = i
                    while paths and joined[j]:
                        j += 1
                        paths = [[*path, nxt] for path in paths for nxt in matches[j]
                                 if nxt.word in self.follows[value][path[-1].word] and nxt.start == words[j][0]]
                        found += [self._candidate(path, value, i, matches, joined) for path in paths
                                  if path[-1].word in self.ends[value]]
        # A word that ends only one field's phrases, after a word that starts any field's phrase:
        # "dîroka hatinê" (date of arrival) from "dîroka jidayikbûnê" and "roja hatinê".
        for i in range(1, len(words)):
            if not joined[i - 1]:
                continue
            head = next((m for m in matches[i - 1] if m.word in self.any_start), None)
            if head is None:
                continue
            for last in matches[i]:
                fields = {v for v in self.values_of.get(last.word, ()) if last.word in self.ends[v]}
                if len(fields) == 1 and last.start == words[i][0]:
                    candidate = self._candidate([head, last], fields.pop(), i - 1, matches, joined)
                    found.append(candidate | {"level": candidate["level"] + 1})
        return found

    def _candidate(self, path: list[_Match], value: str, first: int, matches: list[list[_Match]],
                   joined: list[bool]) -> dict[str, Any]:
        """A phrase, and the words of the same field's phrases next to it ("[Deutsch Niveau]" from
        "Deutsch …" and "… Niveau"): on the left from a word that starts a phrase, on the right up to
        one that ends one. Joined words count as less close to the annotations than the phrase's own."""
        vocabulary = self.phrase_words[value]

        def near(k: int, shared: set[str]) -> _Match | None:
            return next((m for m in matches[k] if m.word in vocabulary or m.word in shared), None)

        left: list[_Match] = []
        k = first
        while k > 0 and joined[k - 1] and (word := near(k - 1, self.shared_starts)):
            left.insert(0, word)
            k -= 1
        starts = self.starts[value] | self.alone[value] | self.shared_starts
        while left and left[0].word not in starts:
            left.pop(0)
        right: list[_Match] = []
        k = first + len(path) - 1
        while joined[k] and (word := near(k + 1, self.shared_ends)):
            right.append(word)
            k += 1
        ends = self.ends[value] | self.alone[value] | self.shared_ends
        while right and right[-1].word not in ends:
            right.pop()
        whole = [*left, *path, *right]
        return {"start": whole[0].start, "end": whole[-1].end, "value": value, "words": len(whole),
                "level": sum(m.level for m in path) + sum(m.level + 1 for m in [*left, *right]),
                "stem only": all(m.level >= 3 for m in whole)}

    def find(self, text: str) -> list[dict[str, Any]]:
        """The field a text names, as an entity: the first one named, in its longest, closest reading.
        At most one: every annotated correction names at most one, and the form corrects one at a time."""
        found = self.candidates(text)
        if not found:
            return []
        best = min(found, key=lambda c: (c["stem only"], c["start"], -c["words"], c["level"], c["start"] - c["end"]))
        return [{"entity": FIELD, "start": best["start"], "end": best["end"], "value": best["value"]}]
