"""Tokenizing Chinese and English text for the database search backend. Pure functions, no ORM.

Chinese has no spaces, so a run of CJK characters becomes overlapping bigrams (液相色谱 -> 液相 相色 色谱), the
same scheme as Elasticsearch's ``cjk_bigram`` filter. A query's bigrams are then a subset of a document's
bigrams whenever the query is a substring of the document. Each run's last character is kept as a unigram too:
together with prefix matching on bigrams, that lets a one-character query find every occurrence.

Latin text becomes lower-case words; compounds such as ``LC-2030`` also give their joined form (``lc2030``), so
model numbers match however they are typed. Synonym groups (``data/synonyms.txt``) bridge abbreviations,
Chinese and English: a document mentioning one term of a group is also indexed under the others.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# CJK unified ideographs (with extension A and compatibility), kana and hangul.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_RE = re.compile(f"[{_CJK}]")
_RUN_RE = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<latin>[a-z0-9]+(?:[-_./+][a-z0-9]+)*)")
_LATIN_SEPARATORS = re.compile(r"[-_./+]")
# Words so common in English product text that requiring them would only lose results.
STOP_WORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"})
# The last Latin query word, when at least this long, also matches longer words (chromatograph -> chromatography).
PREFIX_MIN_LENGTH = 3


def normalize(text: str) -> str:
    """Full-width forms to half-width (the job of ``cjk_width``), then lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def contains_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def _cjk_tokens(run: str, *, for_query: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    # Documents keep the last character so a one-character query (a prefix match) finds it at any position.
    return bigrams if for_query else [*bigrams, run[-1]]


def _latin_tokens(word: str, *, for_query: bool) -> list[str]:
    parts = [p for p in _LATIN_SEPARATORS.split(word) if p]
    joined = "".join(parts)
    if for_query:
        # A query compound must match as a whole: LC-2030 should not find every LC and every 2030.
        return [] if joined in STOP_WORDS else [joined]
    tokens = [p for p in parts if p not in STOP_WORDS]
    if len(parts) > 1:
        tokens.append(joined)
    return tokens


def document_tokens(text: str) -> list[str]:
    """Tokens to index for ``text``: CJK bigrams and run-final characters, Latin words and joined compounds."""
    tokens: list[str] = []
    for match in _RUN_RE.finditer(normalize(text)):
        if match.group("cjk"):
            tokens.extend(_cjk_tokens(match.group("cjk"), for_query=False))
        else:
            tokens.extend(_latin_tokens(match.group("latin"), for_query=False))
    return tokens


@dataclass(frozen=True)
class QueryToken:
    text: str
    # True when the token should also match longer tokens that start with it.
    prefix: bool = False


def _query_terms(text: str) -> dict[str, bool]:
    """Each query token, in query order without duplicates, and whether it may match longer tokens."""
    seen: dict[str, bool] = {}
    matches = list(_RUN_RE.finditer(normalize(text)))
    for position, match in enumerate(matches):
        cjk = match.group("cjk")
        if cjk:
            for token in _cjk_tokens(cjk, for_query=True):
                seen.setdefault(token, len(cjk) == 1)
        else:
            # Only the last word may be unfinished (typed as you search); prefix scans cost index time.
            last = position == len(matches) - 1
            for token in _latin_tokens(match.group("latin"), for_query=True):
                seen.setdefault(token, last and len(token) >= PREFIX_MIN_LENGTH)
    return seen


def query_tokens(text: str) -> list[QueryToken]:
    """The tokens every matching document must contain (in some field), in query order, without duplicates."""
    return [QueryToken(token, prefix=prefix) for token, prefix in _query_terms(text).items()]


def query_words(text: str) -> list[str]:
    """The texts of ``query_tokens`` alone (what matching compares with product tokens), without building them."""
    return list(_query_terms(text))


def model_key(text: str) -> str:
    """A model number reduced to letters and digits, for exact comparison (``LC-2030 C`` -> ``lc2030c``)."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def tsquery(tokens: Iterable[QueryToken], *, weights: str = "") -> str:
    """A PostgreSQL tsquery literal that requires every token; lexemes are quoted so nothing re-parses them.

    ``weights`` (e.g. ``"AB"``) restricts every token to positions of those weights.
    """
    parts = []
    for token in tokens:
        quoted = "'" + token.text.replace("\\", "\\\\").replace("'", "''") + "'"
        suffix = ("*" if token.prefix else "") + weights
        parts.append(quoted + (":" + suffix if suffix else ""))
    return " & ".join(parts)


# --- Synonyms ------------------------------------------------------------------------------------------


def _canonical_term(term: str) -> str:
    """Latin separators collapse to a space so ``GC-MS``, ``gc ms`` and ``GC/MS`` are one term."""
    term = normalize(term).strip()
    if contains_cjk(term):
        return term.replace(" ", "")
    return " ".join(_LATIN_SEPARATORS.sub(" ", term).split())


class Synonyms:
    """Groups of equivalent terms; finds the groups a text mentions."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self.groups: list[tuple[str, ...]] = []
        index: dict[str, int] = {}
        for raw_group in groups:
            terms = tuple(dict.fromkeys(t for t in (_canonical_term(x) for x in raw_group) if t))
            if len(terms) < 2:
                continue
            for term in terms:
                index.setdefault(term, len(self.groups))
            self.groups.append(terms)
        self._group_of = index
        alternatives = []
        # Longest first, so 气相色谱质谱联用仪 wins over 气相色谱 at the same position.
        for term in sorted(index, key=len, reverse=True):
            escaped = re.escape(term).replace(r"\ ", " ")
            if contains_cjk(term):
                alternatives.append(escaped)
            else:
                alternatives.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Synonyms:
        groups = []
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                groups.append(line.split(","))
        return cls(groups)

    @classmethod
    def from_file(cls, path: str | Path) -> Synonyms:
        with open(path, encoding="utf-8") as handle:
            return cls.from_lines(handle)

    def solr_rules(self) -> list[str]:
        """The groups as Solr-format rules (``a, b, c``), as Elasticsearch's synonym filters take them."""
        return [", ".join(group) for group in self.groups]

    def _searchable(self, text: str) -> str:
        # CJK keeps its characters; Latin separators become single spaces, as in _canonical_term.
        return " ".join(_LATIN_SEPARATORS.sub(" ", normalize(text)).split())

    def matched_groups(self, text: str) -> list[int]:
        if self._pattern is None:
            return []
        found: dict[int, None] = {}
        for match in self._pattern.finditer(self._searchable(text)):
            found.setdefault(self._group_of[match.group(0)])
        return list(found)

    def expansions(self, text: str) -> list[str]:
        """Every term of every group ``text`` mentions (the mentioned terms included)."""
        terms: dict[str, None] = {}
        for group in self.matched_groups(text):
            terms.update(dict.fromkeys(self.groups[group]))
        return list(terms)


@lru_cache(maxsize=8)
def synonyms_from_file(path: str) -> Synonyms:
    return Synonyms.from_file(path)


# --- Highlighting ---------------------------------------------------------------------------------------


def highlight_terms(text: str, synonyms: Synonyms | None = None) -> list[str]:
    """What to mark in result text for query ``text``: its words and CJK runs, plus their synonyms."""
    terms: dict[str, None] = {}
    for match in _RUN_RE.finditer(normalize(text)):
        run = match.group(0)
        if match.group("latin") and run in STOP_WORDS:
            continue
        terms.setdefault(run)
        if match.group("cjk") and len(run) > 2:
            # A query like 液相色谱仪器 may only partly appear; its bigrams still show why a row matched.
            terms.update(dict.fromkeys(_cjk_tokens(run, for_query=True)))
    if synonyms is not None:
        terms.update(dict.fromkeys(synonyms.expansions(text)))
    return [t for t in terms if t]


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern finding any of ``terms`` (longest first), for marking many fields with one scan each."""
    alternatives = []
    for term in sorted(set(terms), key=len, reverse=True):
        if not term:
            continue
        if contains_cjk(term):
            alternatives.append(re.escape(term))
        else:
            words = r"[\s\-_/.]*".join(re.escape(p) for p in term.split(" "))
            alternatives.append(r"(?<![a-z0-9])" + words + r"(?![a-z0-9])")
    return re.compile("|".join(alternatives)) if alternatives else None


def highlight(text: str, terms: Iterable[str] | re.Pattern[str] | None, *, fragment_chars: int = 0) -> str | None:
    """``text`` HTML-escaped with ``terms`` wrapped in ``<mark>``; None when no term occurs.

    ``terms`` may be a pattern from ``compile_terms``. With ``fragment_chars`` set, only a window of about that
    many characters around the first match is kept.
    """
    if not text or terms is None:
        return None
    pattern = terms if isinstance(terms, re.Pattern) else compile_terms(terms)
    if pattern is None:
        return None
    folded = normalize(text)
    # NFKC can change lengths (ligatures); fall back to case folding alone when it does.
    if len(folded) != len(text):
        folded = text.lower()
    spans = [found.span() for found in pattern.finditer(folded) if found.end() > found.start()]
    if not spans:
        return None
    spans.sort()
    window_start, window_end = 0, len(text)
    if fragment_chars and len(text) > fragment_chars:
        first = spans[0][0]
        window_start = max(0, first - fragment_chars // 3)
        window_end = min(len(text), window_start + fragment_chars)
    out: list[str] = ["…" if window_start > 0 else ""]
    position = window_start
    for start, end in spans:
        if start < window_start or end > window_end:
            continue
        out.append(html.escape(text[position:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        position = end
    out.append(html.escape(text[position:window_end]))
    if window_end < len(text):
        out.append("…")
    return "".join(out)
