"""`python -m tutor` is the same as `coro-tutor`."""

from tutor.cli import main

raise SystemExit(main())
