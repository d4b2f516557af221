"""Warm-up after the first step is on screen: the work each later step would otherwise do on
the UI thread the first time it is shown, done early in small idle slices.

A step's first showing, for a screen with a CSS file, reads it, has Textual re-parse every
stylesheet source from scratch and restyle the app (12-17 ms measured per screen). The jobs
here parse every stylesheet source into Textual's parse cache, then add the screens' CSS
files to the stylesheet (a cache lookup per source), so a screen's first showing finds its
CSS already there and parses nothing. A slice runs jobs for about 5 ms; the loop answers
keys between slices. (Full garbage collections, the other cause of long stalls, are
tui.app.kit.long_lived's job.)
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

SLICE_GAP = 0.02  # seconds the loop is left alone between two slices
SLICE_BUDGET = 0.005  # a slice takes more small jobs until it has run this long

# The modules of the screens a walk shows after the first one, in the order it shows them.
STEP_SCREEN_MODULES = (
    "tui.app.steps.organization_screen", "tui.app.steps.mailbox_screen",
    "tui.app.steps.role_screen", "tui.app.steps.key_screen", "tui.app.steps.destination_screen",
    "tui.app.steps.review_screen", "tui.app.steps.confirm_screen", "tui.app.steps.result_screen",
)


def warm_up(app: App[Any], modules: tuple[str, ...] = STEP_SCREEN_MODULES) -> None:
    """Run the warm-up jobs on `app`'s loop, starting now: a slice runs jobs until it has
    taken SLICE_BUDGET, then the loop is left alone for SLICE_GAP."""
    jobs = _jobs(app, modules)

    def next_slice() -> None:
        began = time.perf_counter()
        while time.perf_counter() - began < SLICE_BUDGET:
            try:
                job = next(jobs, None)
                if job is None:
                    return
                job()
            except Exception:  # a head start only: every screen works without it
                return  # e.g. a Textual whose stylesheet internals moved; stop warming
        app.set_timer(SLICE_GAP, next_slice, name="warm-up")

    next_slice()


def _jobs(app: App[Any], modules: tuple[str, ...]) -> Iterator[Callable[[], object]]:
    stylesheet = app.stylesheet
    new_files = {path: Path(path).read_text(encoding="utf-8")
                 for path in _screen_css_files(modules) if not stylesheet.has_source(path)}
    sources = [(read_from, source.content, source.is_defaults, source.tie_breaker, source.scope)
               for read_from, source in stylesheet.source.items()]
    sources += [((path, ""), css, False, 0, "") for path, css in new_files.items()]
    for read_from, css, is_defaults, tie_breaker, scope in sources:
        yield partial(stylesheet._parse_rules, css, read_from=read_from,
                      is_default_rules=is_defaults, tie_breaker=tie_breaker, scope=scope)
    yield partial(_add_css_files, app, new_files)


def _screen_css_files(modules: tuple[str, ...]) -> list[str]:
    """The CSS files of the screens defined in `modules`, resolved as Textual resolves a
    screen's CSS_PATH (beside the module that defines the screen)."""
    from textual.screen import Screen

    files: list[str] = []
    for name in modules:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, type) and issubclass(value, Screen) and value.CSS_PATH:
                paths = value.CSS_PATH if isinstance(value.CSS_PATH, list) else [value.CSS_PATH]
                base = Path(inspect.getfile(value)).parent
                files += [str((base / path).resolve()) for path in paths
                          if str((base / path).resolve()) not in files]
    return files


def _add_css_files(app: App[Any], files: dict[str, str]) -> None:
    """Add the screens' CSS files (path: text) to the app's stylesheet and make the rules
    current (every source is in the parse cache by now: a lookup each), then restyle what is
    on screen. Pushing one of these screens later finds its CSS there and parses nothing. A
    file with errors is left for its screen to read, so Textual reports them as it would."""
    stylesheet = app.stylesheet
    for path, css in files.items():
        rules = stylesheet._parse_rules(css, read_from=(path, ""))
        if not any(rule.errors for rule in rules):
            stylesheet.read(path)
    stylesheet.parse()
    stylesheet.update(app)
