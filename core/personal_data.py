"""What the platform holds about one person, gathered from every app, and its erasure (PIPL: a
rider downloads all their data and can delete their account).

Each app registers, in its AppConfig.ready, a section: an exporter (user -> JSON-able data the
rider gave or that is about them) and an eraser (user -> None: their personal data removed, what
statistics and the ledger need kept anonymised). accounts calls them; core imports no app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], None]
_sections: dict[str, tuple[Exporter, Eraser | None]] = {}


def register(name: str, exporter: Exporter, eraser: Eraser | None = None) -> None:
    _sections[name] = (exporter, eraser)


def export(user: Any) -> dict[str, Any]:
    return {name: exporter(user) for name, (exporter, _eraser) in sorted(_sections.items())}


def erase(user: Any) -> list[str]:
    """Run every app's eraser (before the account itself is cleared); returns their names."""
    done = []
    for name, (_exporter, eraser) in sorted(_sections.items()):
        if eraser is not None:
            eraser(user)
            done.append(name)
    return done
