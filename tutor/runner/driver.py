"""The synchronous driver (epoll, no asyncio) of `coro-tutor run` and run_to_end(), and the
event factories a session builds its events with.

Events are msgspec structs (`tutor.runner.events`) for the API, plain dicts for
`coro-tutor run`, which must not pay for importing msgspec (nor asyncio).
"""

from __future__ import annotations

import time

from tutor.runner.session import Session

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tutor.runner.values import RunRequest


def struct_factory() -> Callable[..., Any]:
    """Events as tutor.runner.events structs (the API): one class per tag of the `Event`
    union, so a new event type reaches the API as soon as it is in the union."""
    from typing import get_args

    from tutor.runner import events as ev

    classes = {cls.__struct_config__.tag: cls for cls in get_args(ev.Event)}

    def make(kind: str, fields: dict[str, Any]) -> Any:
        if kind == "switch":
            fields["from_"] = fields.pop("from")
        return classes[kind](**fields)

    return make


def dict_factory() -> Callable[..., Any]:
    """Events as dicts in wire order ("type" first): what `coro-tutor run --json` prints."""

    def make(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"type": kind, **fields}

    return make


def drive(
    request: RunRequest,
    tier: str,
    on_event: Callable[[Any], None],
    make: Callable[..., Any] | None = None,
) -> Session:
    """Run to the end, calling on_event for each event as it arrives (epoll, no asyncio).
    `make` builds the events (default: struct_factory())."""
    import select

    sel = select.epoll()
    session = Session(
        request,
        tier,
        on_event,
        lambda fd: sel.register(fd, select.EPOLLIN),
        sel.unregister,
        make or struct_factory(),
    )
    interrupts = 0
    try:
        session.start()
        while not session.done:
            try:
                deadline = session.next_deadline()
                timeout = -1 if deadline is None else max(0.0, deadline - time.monotonic())
                for fd, _ in sel.poll(timeout):
                    session.on_readable(fd)
                    if session.done:
                        break
                session.on_tick()
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    session.begin_stop("killed")
                else:
                    session.kill_now("killed")
    finally:
        session.cleanup()
        sel.close()
    return session
