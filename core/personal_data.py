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
Preview = Callable[[Any], list[str]]
_sections: dict[str, tuple[Exporter, Eraser | None]] = {}
_releasers: dict[str, Eraser] = {}
_previews: dict[str, Preview] = {}


def register(name: str, exporter: Exporter, eraser: Eraser | None = None, *, release: Eraser | None = None,
             preview: Preview | None = None) -> None:
    """An app's section. `release` gives back what the person still holds (future seats: the
    waitlist promoted, money back by the event's policy) before any eraser runs; `preview` says in
    the person's words what deleting the account will do (the delete page shows it first)."""
    _sections[name] = (exporter, eraser)
    if release is not None:
        _releasers[name] = release
    if preview is not None:
        _previews[name] = preview


def release(user: Any) -> None:
    for name in sorted(_releasers):
        _releasers[name](user)


def preview(user: Any) -> list[str]:
    return [line for name in sorted(_previews) for line in _previews[name](user)]


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
