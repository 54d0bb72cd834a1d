"""The string catalog: every language has every key, and the same {fields}."""

from __future__ import annotations

import string

import pytest

from tutor.strings import LANGUAGES, catalog, tr


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_every_key_with_the_same_fields(lang: str) -> None:
    reference, other = catalog("en"), catalog(lang)
    assert sorted(set(reference) - set(other)) == []
    assert sorted(set(other) - set(reference)) == []
    for key, text in reference.items():
        assert _fields(other[key]) == _fields(text), key


def test_tr_fills_fields_and_shows_an_unknown_key() -> None:
    assert tr("lesson.step", "en", i=2, n=5) == "Step 2 of 5"
    assert tr("lesson.step", "zh", i=2, n=5) == "第 2 步，共 5 步"
    assert tr("no.such.key", "zh") == "no.such.key"
