"""The curated mutant list (scripts/mutants.py) still fits the code, checked in the quick suite
so a change that moves a mutated line is seen at once, not only when the mutation check runs:
each mutant's text is found exactly once in its module, its tests' files exist, and every
WARNING branch of the checks has a mutant that turns it into OK (issue 16: each WARNING
branch has a test that fails when the branch returns OK)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The modules whose findings are the checks' verdicts (recent.py: the 24-hour warnings).
CHECK_MODULES = ("tui/core/checks.py", "tui/core/recent.py")


def load_mutants() -> ModuleType:
    name = "curated_mutants"  # scripts/ is not a package; the dataclass needs its module known
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


MUTANTS = load_mutants().MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_each_mutant_applies_once_and_names_tests_that_exist(mutant) -> None:
    assert (ROOT / mutant.module).read_text().count(mutant.find) == 1
    assert mutant.find != mutant.replace
    for test in mutant.tests:
        assert (ROOT / test.split("::")[0]).is_file(), test


def test_mutant_ids_are_unique() -> None:
    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("module", CHECK_MODULES)
def test_every_warning_branch_of_the_checks_has_a_mutant_returning_ok(module: str) -> None:
    text = (ROOT / module).read_text()
    flips = [(text.index(m.find), text.index(m.find) + len(m.find)) for m in MUTANTS
             if m.module == module and "Level.WARNING" in m.find
             and m.replace == m.find.replace("Level.WARNING", "Level.OK") and not m.equivalent]
    branches = [found.start() for found in re.finditer(r"Level\.WARNING", text)]
    assert branches, f"no WARNING branch found in {module}"
    uncovered = [text.count("\n", 0, at) + 1 for at in branches
                 if not any(start <= at < end for start, end in flips)]
    assert uncovered == [], f"{module}: WARNING branches (lines) no mutant turns into OK"
