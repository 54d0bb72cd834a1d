"""Marks that read without colour, shared by the TUI (tutor/app/code_marks.py) and the
plain-terminal commands, so a marked line looks the same everywhere."""

PAUSED = "▶"
"""The gutter mark of the line a program is paused after: a next_switch quiz's checkpoint,
and the line a runner paused at when stepping through a run's switches."""

RESUMES = "▷"
"""The gutter mark of the line where a runner resumes, when stepping through a run."""
