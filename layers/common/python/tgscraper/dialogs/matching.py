"""Title matching: the fuzzy scorer and the exact (substring) test.

Fuzzy score (0-1) of a query q against a title t:

    score = max(token_set_ratio(q', t'), partial_ratio(q', t')) / 100

where x' = rapidfuzz.utils.default_process(strip_accents(NFKD(x))): lower-cased, every
non-alphanumeric character (emoji, punctuation) turned into a space, accents removed,
so "cafe" finds "Remote Work Café ☕" and Cyrillic titles compare letter by letter.
token_set_ratio handles reordered and missing words and typos ("news crypto" and
"crypto nevs" ~ "Crypto News"), partial_ratio a query that is part of a longer title
("crypt" ~ "Crypto News"). (WRatio adds almost nothing on top of these two - its parts are
the same ratios scaled down - and would double the cost, so it is left out.)
A query with no letters or digits at all (only emoji, say) falls back to the exact test
and scores 1.0 on a match.

Exact: casefold(NFC(q)) is a substring of casefold(NFC(t)).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

_SCORERS = (fuzz.token_set_ratio, fuzz.partial_ratio)


def fold(text: str) -> str:
    """Accent-free, lower-cased, alphanumerics-and-spaces form used by the fuzzy scorer."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return str(utils.default_process(bare))


def exact_form(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


class TitleIndex:
    """Pre-processed titles of a snapshot, in record order (built once per snapshot)."""

    def __init__(self, titles: Sequence[str]) -> None:
        self.folded = [fold(t) for t in titles]
        self.exact = [exact_form(t) for t in titles]

    def fuzzy(self, query: str, min_score: float) -> dict[int, float]:
        """Position -> score (0-1) of every title scoring at least min_score."""
        q = fold(query)
        if not q:
            return dict.fromkeys(self.exact_matches(query), 1.0)
        cutoff = min_score * 100
        best: dict[int, float] = {}
        for scorer in _SCORERS:
            for _, score, pos in process.extract(
                q, self.folded, scorer=scorer, processor=None, limit=None, score_cutoff=cutoff
            ):
                if score > best.get(pos, -1.0):
                    best[pos] = score
        return {pos: score / 100 for pos, score in best.items() if score >= cutoff}

    def exact_matches(self, query: str) -> list[int]:
        q = exact_form(query)
        return [pos for pos, title in enumerate(self.exact) if q in title]


def score(query: str, title: str) -> float:
    """The fuzzy score of one title (the same formula as TitleIndex.fuzzy)."""
    q, t = fold(query), fold(title)
    if not q:
        return 1.0 if exact_form(query) in exact_form(title) else 0.0
    return max(s(q, t, processor=None) for s in _SCORERS) / 100
