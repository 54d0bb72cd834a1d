"""The `coro-tutor` command line.

Each subcommand lives in its own module under `tutor.commands` and is imported only when
it is used, so `list`, `check` and `run` start fast and never import textual.
"""

from __future__ import annotations

import sys

from tutor import __version__

TYPE_CHECKING = False  # not `typing`: `coro-tutor run` must start fast
if TYPE_CHECKING:  # argparse is imported where it is used, for the same reason
    import argparse
    from collections.abc import Callable

# name -> (module under tutor.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("cmd_list", "list the lessons"),
    "check": ("cmd_check", "validate lesson files and run their programs"),
    "schema": ("cmd_schema", "print the JSON Schema of the lesson format"),
    "doctor": ("cmd_doctor", "show versions, the sandbox tier and where progress is kept"),
    "quiz": ("cmd_quiz", "answer a lesson's quizzes in the plain terminal"),
    "exercise": ("cmd_exercise", "grade an exercise you solved in your own editor"),
    "progress": ("cmd_progress", "show your progress, or clear it with --reset"),
    "run": ("cmd_run", "run a Python file in the sandbox and stream its output"),
    "new": ("cmd_new", "write the skeleton of a new lesson for you to fill in"),
    "completion": ("cmd_completion", "print a shell completion script (bash, zsh or fish)"),
    "serve": ("cmd_serve", "serve the tutor to a room of browsers (needs coro-tutor[serve])"),
}


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="coro-tutor",
        description="Learn Python coroutines in your terminal. With no command, opens the tutor.",
    )
    parser.add_argument("--version", action="version", version=f"coro-tutor {__version__}")
    add_common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib  # not at the top: `run` does without it (and the `warnings` it loads)

    for name, (module, help_text) in COMMANDS.items():
        command = importlib.import_module(f"tutor.commands.{module}")
        sub_parser = sub.add_parser(name, help=help_text, description=command.__doc__)
        add_common(sub_parser, suppress=True)
        command.add_arguments(sub_parser)
        # argparse cannot take an optional positional after an option (`LESSON --step 2
        # FILE`): a command names it in LATE_POSITIONAL and main() fills it in
        sub_parser.set_defaults(handler=command.run, late=getattr(command, "LATE_POSITIONAL", None))
    return parser


def add_common(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """Options every command accepts, before or after the command name."""
    import argparse

    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--lessons",
        metavar="DIR",
        default=default,
        help="read lessons from DIR instead of the shipped ones (or set CORO_TUTOR_LESSONS)",
    )
    parser.add_argument(
        "--lang",
        choices=["en", "zh"],
        default=default,
        help="language of lesson and interface text (remembered by the tutor)",
    )


def main(argv: list[str] | None = None) -> int:
    from_command_line = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:  # fast path: `run` must not import the other commands (bench/)
        from tutor.commands import cmd_run

        return cmd_run.main(argv[1:], exit_at_end=from_command_line)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    late = getattr(args, "late", None)
    if extra and late and getattr(args, late) is None and len(extra) == 1 and extra[0][:1] != "-":
        setattr(args, late, extra.pop())
    if extra:
        parser.error("unrecognized arguments: " + " ".join(extra))
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    try:
        if handler is None:
            from tutor.commands import cmd_tui

            return cmd_tui.run(args)
        if args.command != "serve":  # text commands: no escape sequence reaches a terminal
            from tutor.textsafe import for_terminal

            sys.stdout, sys.stderr = for_terminal(sys.stdout), for_terminal(sys.stderr)
        return handler(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
