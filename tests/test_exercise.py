"""Exercise checks: each kind holds on one small program and fails on another, in real runs.

Programs run through the runner (tutor.exercise.grade_code), so the checks read the same
event stream as everything else.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tutor.exercise import grade_code, grade_events, is_block
from tutor.lesson import load_lesson

HEAD = """\
id: checks
title: {en: T, zh: T}
summary: {en: S, zh: S}
topic: {en: X, zh: X}
limits: {wall: 3}
steps:
"""


def lesson_with(tmp_path: Path, checks: str):
    """A lesson whose only step is an exercise with `checks` (YAML list items)."""
    body = textwrap.indent(textwrap.dedent(checks).strip(), " " * 6)
    text = (
        HEAD
        + "  - kind: exercise\n"
        + "    title: {en: E, zh: E}\n    text: {en: goal, zh: 目标}\n"
        + "    code: |\n      print('start')\n    solution: |\n      print('end')\n"
        + "    hint: {en: h, zh: 提示}\n    checks:\n"
        + body
        + "\n"
    )
    path = tmp_path / "checks.yaml"
    path.write_text(text)
    lesson, errors = load_lesson(path)
    assert not errors, errors
    return lesson


def grade(lesson, program: str, lang: str = "en"):
    return grade_code(lesson, 0, textwrap.dedent(program), lang)


GEN3 = """
def consumer():
    while True:
        n = yield
        print('got', n)

c = consumer()
next(c)
for n in (1, 2, 3):
    c.send(n)
"""

CASES = {
    "stdout": (
        "- stdout: |\n    a\n    b",
        "print('a'); print('b')",
        [
            ("print('a')", "stops after 1 line(s), but line 2 should be 'b'"),
            ("print('a'); print('c')", "Line 2 of the output is 'c' but should be 'b'"),
            ("print('a'); print('b'); print('c')", "should end after 2 line(s), but line 3"),
        ],
    ),
    "lines_in_order": (
        "- lines_in_order: [x, y]",
        "print('x'); print('other'); print('y')",
        [
            ("print('y'); print('x')", "'y' is printed, but not after 'x'"),
            ("print('x')", "'y' is never printed"),
        ],
    ),
    "overlap": (
        "- overlap: [fetch, fetch#2]",
        """
        import asyncio
        async def fetch():
            print('start'); await asyncio.sleep(0.05); print('end')
        async def main():
            await asyncio.gather(fetch(), fetch())
        asyncio.run(main())
        """,
        [
            (
                """
                import asyncio
                async def fetch():
                    print('start'); await asyncio.sleep(0.05); print('end')
                async def main():
                    await asyncio.create_task(fetch())
                    await asyncio.create_task(fetch())
                asyncio.run(main())
                """,
                "fetch and fetch#2 never ran at the same time: fetch#2 started after fetch had",
            ),
            (
                """
                import asyncio
                async def fetch():
                    print('start'); await asyncio.sleep(0.05); print('end')
                async def main():
                    await fetch(); await fetch()
                asyncio.run(main())
                """,
                "fetch never ran",
            ),
        ],
    ),
    "concurrency": (
        "- concurrency: {of: w, max: 2}",
        """
        def w(n):
            print('w', n, 'begins'); yield; print('w', n, 'ends')
        for n in range(3):
            for _ in w(n):
                pass
        """,
        [
            (
                """
                def w(n):
                    print('w', n, 'begins'); yield; print('w', n, 'ends')
                gens = [w(n) for n in range(3)]
                for g in gens: next(g)
                for g in gens: next(g, None)
                """,
                "3 runners named w were running at once; at most 2 should be",
            ),
        ],
    ),
    "max_wall": (
        "- max_wall: 0.5",
        "print('a'); print('b')",
        [("import time; print('a'); time.sleep(1.5); print('b')", "it should take at most 0.5 s")],
    ),
    "runners": (
        "- runners: [consumer]",
        GEN3,
        [("print('no generators here')", "No runner named consumer ran (the runners were: main)")],
    ),
    "switches": (
        "- switches: {min: 4, max: 10}",
        GEN3,
        [
            ("print('none')", "switched 0 time(s); it should switch at least 4 times"),
            (
                GEN3.replace("(1, 2, 3)", "range(20)"),
                "it should switch at most 10 times",
            ),
        ],
    ),
    "returncode": (
        "- returncode: 0",
        "print('fine')",
        [
            ("raise SystemExit(3)", "exited with code 3; it should exit with 0"),
            ("1 / 0", "ZeroDivisionError: division by zero"),
        ],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(CASES))
def test_each_check_kind_holds_and_fails(tmp_path, kind):
    checks, good, bad = CASES[kind]
    lesson = lesson_with(tmp_path, checks)
    grading = grade(lesson, good)
    assert grading.solved, [r.message for r in grading.results]
    assert [r.kind for r in grading.results] == [kind]
    for program, sentence in bad:
        grading = grade(lesson, program)
        assert not grading.solved
        assert sentence in grading.results[0].message, grading.results[0].message


@pytest.mark.slow
def test_failure_sentences_in_chinese(tmp_path):
    lesson = lesson_with(tmp_path, "- overlap: [fetch, fetch#2]\n- returncode: 0")
    grading = grade(lesson, "print('hi')", "zh")
    assert [r.ok for r in grading.results] == [False, True]
    assert grading.results[0].message == (
        "fetch 从没作为独立的运行者运行过：没有任何输出或切换来自这个名字的运行者。"
    )
    assert grading.results[1].message == "程序以退出码 0 结束。"


@pytest.mark.slow
def test_a_run_cut_short_never_passes(tmp_path):
    lesson = lesson_with(tmp_path, "- lines_in_order: [begun]")
    grading = grade(lesson, "print('begun')\nwhile True:\n    pass\n")
    assert not grading.solved
    assert grading.results[0].kind == "finished"
    assert grading.results[1].ok  # the line itself was printed


BLOCKING = """
import asyncio, time
async def tick():
    print('tick'); time.sleep(0.3); print('tock')
asyncio.run(tick())
"""


@pytest.mark.slow
def test_no_blocking(tmp_path):
    lesson = lesson_with(tmp_path, "- no_blocking: true")
    good = grade(lesson, BLOCKING.replace("time.sleep(0.3)", "await asyncio.sleep(0.3)"))
    assert good.solved, [r.message for r in good.results]
    from tutor.exercise import run_code

    events = run_code(lesson, 0, textwrap.dedent(BLOCKING))
    assert any(is_block(e) for e in events)
    bad = grade_events(lesson.steps[0], events)
    assert not bad.solved
    assert "held up the event loop for" in bad.results[0].message
