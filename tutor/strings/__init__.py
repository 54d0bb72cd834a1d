"""The string catalog: every interface sentence of the app, the commands and the run
outcomes, one module per language (`en.py` is the reference; a third language is one new
file with the same keys, added to LANGUAGES).

`tr(key, lang, **fields)` looks a string up and fills its `{fields}`. A key missing from a
language falls back to English; an unknown key shows the key itself, so a typo is visible,
never a crash. tests/test_strings.py checks that every language has every key.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

_catalogs: dict[str, dict[str, str]] = {}


def catalog(lang: str) -> dict[str, str]:
    """The strings of one language, imported on first use."""
    found = _catalogs.get(lang)
    if found is None:
        name = lang if lang in LANGUAGES else "en"
        # __import__, not importlib: `coro-tutor run` renders its outcome line with this
        module = __import__(f"tutor.strings.{name}", fromlist=("STRINGS",))
        found = _catalogs[lang] = module.STRINGS
    return found


def tr(key: str, lang: str, **fields: object) -> str:
    """The sentence `key` in `lang`, with `fields` filled in."""
    text = catalog(lang).get(key) or catalog("en").get(key, key)
    return text.format(**fields) if fields else text


def locale_language() -> str | None:
    """zh when the locale (LC_ALL, then LC_MESSAGES, then LANG) is Chinese (zh_*), en for
    any other locale; None when none is set."""
    import os

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return None
