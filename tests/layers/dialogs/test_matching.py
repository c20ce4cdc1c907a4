"""The documented title scorer and the exact test."""

from __future__ import annotations

import pytest

from tgscraper.dialogs.matching import TitleIndex, score

TITLES = ["Crypto News", "Новости Москвы", "Remote Work Café ☕", "Memes 😂", "Équipe projet"]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("crypto news", "Crypto News"),  # case
        ("news crypto", "Crypto News"),  # reordered words
        ("crypt", "Crypto News"),  # part of a word
        ("новости", "Новости Москвы"),  # Cyrillic, part of the title
        ("cafe", "Remote Work Café ☕"),  # accents and emoji ignored
        ("equipe", "Équipe projet"),
        ("😂", "Memes 😂"),  # emoji-only query: exact fallback
    ],
)
def test_good_matches_score_high(query: str, title: str) -> None:
    assert score(query, title) >= 0.9
    index = TitleIndex(TITLES)
    found = index.fuzzy(query, 0.8)
    assert TITLES.index(title) in found
    assert found[TITLES.index(title)] == pytest.approx(score(query, title))


def test_unrelated_titles_score_low() -> None:
    assert score("crypto", "Новости Москвы") < 0.5
    assert score("😂", "Crypto News") == 0.0


def test_min_score_is_a_threshold() -> None:
    index = TitleIndex(TITLES)
    everything = index.fuzzy("zzz", 0.0)
    assert set(everything) == set(range(len(TITLES)))
    assert all(0.0 <= s <= 1.0 for s in everything.values())
    assert all(s >= 0.5 for s in index.fuzzy("news", 0.5).values())


def test_exact_is_casefolded_substring() -> None:
    index = TitleIndex(TITLES)
    assert index.exact_matches("NEWS") == [0]
    assert index.exact_matches("москвы") == [1]
    assert index.exact_matches("café") == [2]
    assert index.exact_matches("cafe") == []  # exact means exact: accents count
    assert index.exact_matches("s c") == []
