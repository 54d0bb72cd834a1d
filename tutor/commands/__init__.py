"""One module per `coro-tutor` subcommand: `add_arguments(parser)` and `run(args) -> int`."""
