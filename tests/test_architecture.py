"""The core knows no screen: importing every core and wizard module loads no UI library.

import-linter (run by .ci/run) checks the import graph statically; this checks it at run time,
in a fresh interpreter, where a lazy or indirect import would also show up.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import tui.core
import tui.wizard

UI_LIBRARIES = ("textual", "questionary", "prompt_toolkit")


def _modules(package: object) -> list[str]:
    return [info.name for info in pkgutil.walk_packages(package.__path__,  # type: ignore[attr-defined]
                                                       package.__name__ + ".")]  # type: ignore[attr-defined]


def test_core_and_wizard_load_no_ui_library() -> None:
    modules = ["tui.core", "tui.wizard", *_modules(tui.core), *_modules(tui.wizard)]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps([m for m in sys.modules if m.split('.')[0] in {UI_LIBRARIES!r}"
        " or m.startswith(('tui.app', 'tui.plain', 'tui.sim', 'moto'))]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == []
    assert len(modules) > 10


def test_the_simulator_loads_nothing_of_the_product() -> None:
    """The simulator is the oracle the product is judged by: were it to share the product's
    code, both could be wrong the same way and every test would still pass."""
    import tui.sim

    modules = ["tui.sim", *_modules(tui.sim)]
    product = ("tui.core", "tui.wizard", "tui.app", "tui.plain", "tui.commands", "tui.cli")
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps([m for m in sys.modules if m.startswith({product!r})]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == []
    assert len(modules) > 10
