"""The standing mutation check: small deliberate bugs in the modules that carry the project's
promises, each of which the tests named beside it must catch.

    python scripts/mutation_check.py            # every mutant of scripts/mutants.py (CI)
    python scripts/mutation_check.py F1 C3      # some of them
    python scripts/mutation_check.py --list     # what the list holds

For each mutant a copy of the repository gets one edit (a piece of a module's text, found
exactly once, replaced), and the tests the mutant names run against that copy (pytest -x).
A mutant is killed when they fail, survives when they pass. Mutants the list explains as
equivalent (no test can tell them from the original) are listed, not run. Two copies work at
once (the machine's two cores). Before any mutant, the named tests must pass on the unchanged
copy, or the list is out of date.

Prints each mutant's fate and `tried N, killed K, survived S (equivalent E, not run)`; exits
1 when a mutant survives or the list no longer fits the code.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutants import MUTANTS, USUAL_TESTS, Mutant

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("tui", "tests", "benchmarks", "pyproject.toml")
MUTANT_TIMEOUT = 600  # seconds: a mutant that makes its tests hang counts as killed


def make_copy(source: Path, into: Path) -> Path:
    """The parts of the repository the tests need, without caches, in `into`."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "__snapshots__", ".pytest_cache")
    for name in COPIED:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, into / name, ignore=skip)
        else:
            shutil.copy2(path, into / name)
    return into


def pytest_command(tests: Iterable[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
            "-p", "no:randomly", "--no-header", "-o", "addopts=", *tests]


class Child:
    """pytest on a copy, in a forked child of this process (which imported the heavy
    libraries once, `preload`); its output goes to a temporary file."""

    def __init__(self, copy: Path, tests: Iterable[str], timeout: float) -> None:
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in result())
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.pid = os.fork()
        if self.pid == 0:
            status = 3
            try:
                os.dup2(self.output.fileno(), 1)
                os.dup2(self.output.fileno(), 2)
                os.chdir(copy)
                sys.path.insert(0, str(copy))
                os.environ.update(PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
                sys.dont_write_bytecode = True
                import pytest

                status = int(pytest.main(pytest_command(tests)[3:]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)

    def result(self) -> tuple[int | None, str] | None:
        """(pytest's exit status or None past the deadline, its last lines); None while it
        still runs."""
        done, wait_status = os.waitpid(self.pid, os.WNOHANG)
        if not done:
            if time.monotonic() < self.deadline:
                return None
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
            status: int | None = None
        else:
            status = os.waitstatus_to_exitcode(wait_status)
        self.output.seek(0)
        tail = self.output.read().decode(errors="replace").strip().splitlines()[-3:]
        self.output.close()
        return status, (" | ".join(tail) if status is not None else f"ran past {self.timeout} s")


def run_tests(copy: Path, tests: Iterable[str], timeout: float = MUTANT_TIMEOUT
              ) -> tuple[int | None, str]:
    """pytest's exit status on the copy (None: it ran past `timeout`) and its last lines."""
    if not hasattr(os, "fork"):
        return run_tests_in_a_new_process(copy, tests, timeout)
    child = Child(copy, tests, timeout)
    while (found := child.result()) is None:
        time.sleep(0.05)
    return found


def run_tests_in_a_new_process(copy: Path, tests: Iterable[str], timeout: float
                               ) -> tuple[int | None, str]:
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(pytest_command(tests), cwd=copy, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, f"ran past {timeout} s"
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return done.returncode, " | ".join(tail)


def preload() -> None:
    """Import what every mutant's tests import and no mutant changes, once, before forking:
    each mutant's pytest then starts in a fraction of a second. Nothing of `tui` or `tests`
    is imported here, so each child imports them from its copy."""
    import boto3  # noqa: F401
    import botocore.session
    import hypothesis  # noqa: F401
    import moto  # noqa: F401
    import pytest  # noqa: F401

    botocore.session.get_session().get_service_model("workmail")


def apply(copy: Path, mutant: Mutant) -> str:
    """Write the mutated module into the copy; returns the original text to put back."""
    target = copy / mutant.module
    original = target.read_text()
    found = original.count(mutant.find)
    if found != 1:
        raise LookupError(f"{mutant.id}: the text to mutate is found {found} times in "
                          f"{mutant.module}, not once")
    target.write_text(original.replace(mutant.find, mutant.replace))
    return original


def fate(status: int | None) -> str:
    """What pytest's exit status says of a mutant (4 and 5: the test names are wrong)."""
    if status is None:
        return "killed (timeout)"
    if status in (1, 2):
        return "killed"
    if status == 0:
        return "SURVIVED"
    return f"BROKEN (pytest exit {status}: a named test does not exist)"


def check_baseline(copy: Path, mutants: list[Mutant]) -> list[str]:
    """The tests every mutant names, on the unchanged copy: problems found ([] when they pass)."""
    tests = sorted({test for mutant in mutants for test in mutant.tests})
    status, tail = run_tests(copy, [*tests, "-n", "2"], timeout=MUTANT_TIMEOUT * 2)
    return [] if status == 0 else [f"the named tests fail without any mutant: {tail}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the repository to mutate (default: this one)")
    parser.add_argument("--run-equivalent", action="store_true",
                        help="run the mutants explained as equivalent too")
    parser.add_argument("--older", action="store_true",
                        help="score an older tree (--source): mutants whose text it lacks are "
                             "left out, and the named tests' whole files run (those it has; "
                             "else the module's usual test files)")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="do not first run the named tests unmutated (CI runs them all "
                             "after this anyway)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.ids or m.id in args.ids]
    if args.older:
        chosen = as_of(args.source, chosen)
    if args.list:
        for mutant in chosen:
            print(f"{mutant.id:4} {mutant.module}: {mutant.what}")
        return 0
    to_run = [m for m in chosen if args.run_equivalent or not m.equivalent]
    began = time.monotonic()
    preload()
    with tempfile.TemporaryDirectory(prefix="mutants-") as scratch:
        copies = [make_copy(args.source, Path(scratch) / f"copy{i}")
                  for i in range(max(1, args.workers))]
        for mutant in to_run:  # every mutant applies to the code as it is
            Path(copies[0] / mutant.module).write_text(apply(copies[0], mutant))
        problems = [] if args.skip_baseline or args.older else check_baseline(copies[0], to_run)
        if problems:
            print("\n".join(problems))
            return 1
        results = run_all(copies, to_run)
    killed = [m for m in to_run if results[m.id].startswith("killed")]
    survived = [m for m in to_run if results[m.id] == "SURVIVED"]
    broken = [m for m in to_run if results[m.id].startswith("BROKEN")]
    equivalent = [m for m in chosen if m.equivalent and m not in to_run]
    for mutant in equivalent:
        print(f"equivalent {mutant.id:4} {mutant.what}: {mutant.equivalent}")
    print(f"tried {len(to_run)}, killed {len(killed)}, survived {len(survived)}"
          f"{f', broken {len(broken)}' if broken else ''} (equivalent {len(equivalent)}, not "
          f"run) in {time.monotonic() - began:.0f} s")
    for mutant in survived:
        print(f"  survivor {mutant.id}: {mutant.what} ({mutant.module})")
    return 1 if survived or broken else 0


def as_of(source: Path, mutants: list[Mutant]) -> list[Mutant]:
    """The mutants that apply to an older tree, each with the test files it has."""
    fitting = []
    for mutant in mutants:
        module = source / mutant.module
        if not module.exists() or module.read_text().count(mutant.find) != 1:
            print(f"n/a        {mutant.id:4} {mutant.what} (not in that code)")
            continue
        files = sorted({test.split("::")[0] for test in mutant.tests
                        if (source / test.split("::")[0]).exists()})
        fitting.append(dataclasses.replace(
            mutant, tests=tuple(files or USUAL_TESTS[mutant.module])))
    return fitting


def run_all(copies: list[Path], mutants: list[Mutant]) -> dict[str, str]:
    """Each mutant on one of the copies, as many at once as there are copies. One thread:
    children are forked from it alone (forking a threaded process is unsafe)."""
    if not hasattr(os, "fork"):
        return {m.id: report(m, copies[0], time.monotonic(), run_tests(copies[0], m.tests))
                for m in mutants}
    todo = list(reversed(mutants))
    free = list(copies)
    running: list[tuple[Mutant, Path, str, float, Child]] = []
    results: dict[str, str] = {}
    while todo or running:
        while todo and free:
            mutant, copy = todo.pop(), free.pop()
            original = apply(copy, mutant)
            running.append((mutant, copy, original, time.monotonic(),
                            Child(copy, mutant.tests, MUTANT_TIMEOUT)))
        for entry in list(running):
            mutant, copy, original, started, child = entry
            found = child.result()
            if found is None:
                continue
            running.remove(entry)
            (copy / mutant.module).write_text(original)
            free.append(copy)
            results[mutant.id] = report(mutant, copy, started, found)
        time.sleep(0.05)
    return results


def report(mutant: Mutant, copy: Path, started: float, found: tuple[int | None, str]) -> str:
    """Print one mutant's fate (with pytest's last lines unless killed); return the fate."""
    status, tail = found
    verdict = fate(status)
    shown = f"  ({tail})" if not verdict.startswith("killed") else ""
    print(f"{verdict:16} {mutant.id:4} {mutant.what} [{time.monotonic() - started:.0f} s]"
          f"{shown}", flush=True)
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
