"""The outcome sentence of a real run, in Chinese when the learner reads Chinese."""

import re

import pytest

from tutor.app.outcome_text import outcome_text
from tutor.runner import RunRequest, run_to_end
from tutor.runner.events import Exit

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def exit_message(code: str, timeout: float = 15.0) -> str:
    (end,) = [e for e in run_to_end(RunRequest(code=code, timeout=timeout)) if isinstance(e, Exit)]
    return end.message


@pytest.mark.parametrize(
    ("code", "timeout", "kept"),
    [
        ("print('hi')\n", 15.0, set()),
        ("1/0\n", 15.0, {"ZeroDivisionError"}),
        ("raise SystemExit(3)\n", 15.0, set()),
        ("x = bytearray(10 * 1024 ** 3)\n", 15.0, {"MiB"}),
        ("while True:\n    pass\n", 1.0, set()),
    ],
)
def test_every_outcome_reads_in_chinese(code, timeout, kept):
    english = exit_message(code, timeout)
    chinese = outcome_text(english, "zh")
    assert outcome_text(english, "en") == english
    assert chinese != english
    assert set(LATIN_WORD.findall(chinese)) <= kept, chinese


def test_an_unknown_sentence_is_shown_as_it_came():
    assert outcome_text("Something new happened.", "zh") == "Something new happened."
