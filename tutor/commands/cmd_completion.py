"""Print a completion script for bash, zsh or fish: commands, their options, the choices of
`--lang` and `--isolation`, folders for `--lessons`, files elsewhere.

    coro-tutor completion bash > ~/.local/share/bash-completion/completions/coro-tutor
    coro-tutor completion zsh  > ~/.zfunc/_coro-tutor      # a folder on your $fpath
    coro-tutor completion fish > ~/.config/fish/completions/coro-tutor.fish

The script is generated from the command line's own definition, so it never goes stale,
and it is static: completing never starts Python, and no other command pays for it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


@dataclass
class Option:
    names: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)
    folder: bool = False
    file: bool = False


@dataclass
class Command:
    name: str
    help: str
    options: list[Option]


def describe(parser: argparse.ArgumentParser) -> tuple[list[Option], list[Command]]:
    """The top-level options and every command, read from the argparse definition."""

    def options_of(p: argparse.ArgumentParser) -> list[Option]:
        found = []
        for action in p._actions:  # argparse has no public way to list them
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            names = [n for n in action.option_strings if n.startswith("--")]
            found.append(
                Option(
                    names=names or list(action.option_strings),
                    help=(action.help or "").split("(")[0].strip(),
                    takes_value=action.nargs != 0,
                    choices=[str(c) for c in action.choices or []],
                    folder=(action.metavar or "") == "DIR",
                    file=(action.metavar or "") in ("FILE", "PATH"),
                )
            )
        return found

    commands = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                commands.append(Command(name, helps.get(name, ""), options_of(sub)))
    return options_of(parser), commands


def bash(top: list[Option], commands: list[Command]) -> str:
    def words(options: list[Option]) -> str:
        return " ".join(n for o in options for n in o.names)

    every = top + [o for c in commands for o in c.options]
    value_cases = []
    for names, option in {" ".join(o.names): o for o in every if o.takes_value}.items():
        if option.choices:
            reply = f'COMPREPLY=($(compgen -W "{" ".join(option.choices)}" -- "$cur"))'
        elif option.folder:
            reply = 'COMPREPLY=($(compgen -d -- "$cur"))'
        elif option.file:
            reply = 'COMPREPLY=($(compgen -f -- "$cur"))'
        else:  # a number or a name: nothing to offer
            reply = "COMPREPLY=()"
        value_cases.append(f"        {names.replace(' ', '|')}) {reply}; return ;;")
    command_cases = [f'        {c.name}) opts="{words(c.options)}" ;;' for c in commands]
    names = " ".join(c.name for c in commands)
    return "\n".join(
        [
            "# bash completion for coro-tutor (coro-tutor completion bash)",
            "_coro_tutor() {",
            '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
            '    local cmd="" opts="" word',
            '    for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do',
            f'        case "$word" in {names.replace(" ", "|")}) cmd="$word"; break ;; esac',
            "    done",
            '    case "$prev" in',
            *value_cases,
            "    esac",
            '    case "$cmd" in',
            f'        "") opts="{names} {words(top)}" ;;',
            *command_cases,
            "    esac",
            '    if [[ -z "$cmd" || "$cur" == -* ]]; then',
            '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
            "    fi",
            "}",
            "complete -o default -o bashdefault -F _coro_tutor coro-tutor",
            "",
        ]
    )


def _zsh_quote(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("'", "'\\''")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace(":", "\\:")
    )


def _zsh_spec(option: Option) -> list[str]:
    specs = []
    for name in option.names:
        spec = f"'{name}[{_zsh_quote(option.help)}]"
        if option.choices:
            spec += f":value:({' '.join(option.choices)})"
        elif option.folder:
            spec += ":folder:_files -/"
        elif option.file:
            spec += ":file:_files"
        elif option.takes_value:
            spec += ":value: "
        specs.append(spec + "'")
    return specs


def zsh(top: list[Option], commands: list[Command]) -> str:
    lines = [
        "#compdef coro-tutor",
        "# zsh completion for coro-tutor (coro-tutor completion zsh)",
        "_coro_tutor() {",
        "    local line state",
        "    _arguments -C \\",
        *[f"        {spec} \\" for o in top for spec in _zsh_spec(o)],
        "        '1:command:->command' \\",
        "        '*::argument:->argument'",
        "    case $state in",
        "    command)",
        "        local -a commands",
        "        commands=(",
        *[f"            '{c.name}:{_zsh_quote(c.help)}'" for c in commands],
        "        )",
        "        _describe command commands ;;",
        "    argument)",
        "        case $line[1] in",
    ]
    for command in commands:
        specs = " ".join(spec for o in command.options for spec in _zsh_spec(o))
        lines.append(f"        {command.name}) _arguments {specs} '*:file:_files' ;;")
    lines += ["        esac ;;", "    esac", "}", "compdef _coro_tutor coro-tutor", ""]
    return "\n".join(lines)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(condition: str, option: Option) -> str:
    parts = ["complete -c coro-tutor", f"-n {_fish_quote(condition)}"]
    for name in option.names:
        parts.append(f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}")
    if option.choices:
        parts.append(f"-x -a {_fish_quote(' '.join(option.choices))}")
    elif option.folder:
        parts.append("-x -a '(__fish_complete_directories)'")
    elif option.file:
        parts.append("-r -F")
    elif option.takes_value:
        parts.append("-x")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


def fish(top: list[Option], commands: list[Command]) -> str:
    lines = ["# fish completion for coro-tutor (coro-tutor completion fish)"]
    lines += [_fish_option("__fish_use_subcommand", o) for o in top]
    for command in commands:
        lines.append(
            f"complete -c coro-tutor -n '__fish_use_subcommand' -f -a {command.name} "
            f"-d {_fish_quote(command.help)}"
        )
        seen = f"__fish_seen_subcommand_from {command.name}"
        lines += [_fish_option(seen, o) for o in command.options]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from tutor.cli import build_parser

    top, commands = describe(build_parser())
    print({"bash": bash, "zsh": zsh, "fish": fish}[args.shell](top, commands), end="")
    return 0
