"""The app's side of the string catalog (tutor/strings/): bindings in the learner's language."""

from __future__ import annotations

from textual.dom import DOMNode

from tutor.app.textual_private import binding_table
from tutor.strings import tr

__all__ = ["tr", "translate_bindings"]


def translate_bindings(node: DOMNode, keys: dict[str, str], lang: str) -> None:
    """Give a node's bindings their descriptions in `lang` (footer, help and palette)."""
    from dataclasses import replace

    table = binding_table(node)
    for key, items in table.items():
        table[key] = [
            replace(b, description=tr(keys[b.action], lang)) if b.action in keys else b
            for b in items
        ]
