"""Write the skeleton of a new lesson (read, run and quiz steps, en + zh placeholders) for
you to fill in; `coro-tutor check` lists every placeholder left until it passes."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PLACEHOLDER = "FILL IN"
"""Marks text the author has yet to write; `check` reports each line that still holds it."""

SKELETON = """\
# yaml-language-server: $schema=./{schema}
# A coro-tutor lesson: write your text in place of each placeholder, then run
# `coro-tutor check {file}`: it lists every placeholder left, at its line.
id: {id}
title: {{en: "FILL IN: the title", zh: "FILL IN: 标题"}}
summary:
  en: "FILL IN: one sentence that says what the learner will be able to do."
  zh: "FILL IN: 一句话说明学完这一课能做什么。"
topic: {{en: "FILL IN: the topic (lessons are grouped by it)", zh: "FILL IN: 主题"}}
requires: []                     # or [greenlet], [gevent]
steps:
  - kind: read
    text:
      en: |
        ## FILL IN: a heading

        FILL IN: the idea, in a few short paragraphs of Markdown.
      zh: |
        ## FILL IN: 小标题

        FILL IN: 用几段 Markdown 讲清这个概念。
  - kind: run
    title: {{en: "FILL IN: what this program shows", zh: "FILL IN: 这个程序展示什么"}}
    code: |
      # FILL IN: a short program that shows the idea
      def numbers():
          yield 1
          yield 2

      for n in numbers():
          print(n)
    expect: |                    # optional: the output you expect (checked against a run)
      1
      2
  - kind: quiz
    quiz: predict_order          # or next_switch, multiple_choice (see coro-tutor schema)
    code: |
      # FILL IN: a program whose output order is the question
      def worker(name):
          print(name, 'starts')
          yield
          print(name, 'ends')

      a, b = worker('a'), worker('b')
      next(a); next(b)
      next(a, None); next(b, None)
    question:
      en: "FILL IN: the question (the key comes from running the code)"
      zh: "FILL IN: 问题（答案来自真实运行）"
    hint: {{en: "FILL IN: a hint that does not give the key", zh: "FILL IN: 提示"}}
    explanation:
      en: "FILL IN: the rule that decides the order"
      zh: "FILL IN: 决定顺序的规则"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the lesson's id: lowercase, digits, dashes")
    parser.add_argument(
        "--dir",
        metavar="DIR",
        default=".",
        help="the folder to write ID.yaml in (default: here); the schema goes beside it",
    )


def run(args: argparse.Namespace) -> int:
    from tutor.commands.cmd_schema import SCHEMA_FILE, schema_text
    from tutor.commands.common import language
    from tutor.files import atomic_write
    from tutor.strings import tr

    lang = language(args)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", args.id):
        print(tr("new.bad_id", lang, id=args.id), file=sys.stderr)
        return 2
    folder = Path(args.dir)
    target = folder / f"{args.id}.yaml"
    if target.exists() or target.is_symlink():
        print(tr("new.exists", lang, file=target), file=sys.stderr)
        return 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as out:
            out.write(SKELETON.format(id=args.id, schema=SCHEMA_FILE, file=target))
        atomic_write(folder / SCHEMA_FILE, schema_text().encode("utf-8"), mode=0o644)
    except OSError as exc:
        print(tr("new.failed", lang, file=target, error=exc.strerror or exc), file=sys.stderr)
        return 1
    print(tr("new.written", lang, file=target, schema=folder / SCHEMA_FILE))
    return 0


def placeholders(text: str) -> list[int]:
    """The 1-based lines of a lesson file that still hold a placeholder of the skeleton."""
    return [n for n, line in enumerate(text.splitlines(), 1) if PLACEHOLDER in line]
