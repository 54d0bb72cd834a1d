"""coro-tutor: an offline terminal tutor for Python coroutines."""

__version__ = "0.1.0"
