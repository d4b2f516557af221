"""The project as a newcomer gets it from a wheel, not from this source tree: the wheel is
built, installed (not editable) into a fresh virtualenv, and that installation answers
--version, has every module and stylesheet of the package (tui/app's subpackages steps, jobs,
bulk, kit and their .tcss files included), and paints the first step of --demo in a real
terminal.

Kept fast and offline: the wheel is built without build isolation (this environment's
setuptools, which the test extra pins) and installed with --no-deps --no-index; its
dependencies are this environment's, reached through a .pth file in the fresh virtualenv
(which adds the directory only: the editable install's own .pth there is not run, so `tui`
comes from the wheel alone, as the test checks).
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

from test_tmux import EXIT_SECONDS, Terminal, terminal

from benchmarks.common import ROOT, dummy_aws_env
from tui import __version__

__all__ = ["terminal"]  # the tmux fixture, from the real-terminal test


def run(*argv: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, cwd=cwd,
                          timeout=180, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done.stdout


def build_and_install(tmp_path: Path) -> tuple[Path, Path]:
    """A wheel of the committed layout (tui/, pyproject.toml, README.md copied), installed in
    a fresh virtualenv; its bin directory and the installed package's directory."""
    source = tmp_path / "source"
    source.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, source / part)
    shutil.copytree(ROOT / "tui", source / "tui",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", dist, source, cwd=tmp_path)
    [wheel] = dist.glob("workmail_export-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    installed_site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                            "['purelib'])", cwd=tmp_path).strip())
    (installed_site / "_this_environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    package = Path(run(python, "-c", "import tui, pathlib; "
                                     "print(pathlib.Path(tui.__file__).parent)",
                       cwd=tmp_path).strip())
    return venv / "bin", package


def files(package: Path, pattern: str) -> set[str]:
    return {str(p.relative_to(package)) for p in package.rglob(pattern)
            if "__pycache__" not in p.parts}


def test_the_wheel_installs_answers_and_paints_the_demo(terminal: Terminal,
                                                        tmp_path: Path) -> None:
    bin_dir, package = build_and_install(tmp_path)
    assert package.is_relative_to(tmp_path / "venv"), package  # not this source tree
    source = ROOT / "tui"
    assert files(package, "*.py") == files(source, "*.py")
    assert files(package, "*.tcss") == files(source, "*.tcss")
    assert {"app/steps/result_screen.tcss", "app/jobs/monitor_screen.tcss",
            "app/bulk/bulk_progress_screen.tcss", "app/wizard_app.tcss"} <= files(package,
                                                                                  "*.tcss")

    version = run(bin_dir / "workmail-export", "--version", cwd=tmp_path)
    assert version == f"workmail-export {__version__}\n"

    env = dummy_aws_env()
    env.update(WORKMAIL_EXPORT_STATE_DIR=str(tmp_path / "state"), TERM="xterm-256color")
    terminal.start(f"cd {tmp_path} && exec {bin_dir / 'workmail-export'} --demo", env)
    screen = terminal.wait_for(lambda text: "Connect to AWS" in text and "123456789012" in text,
                               "the connection step with the demo's account")
    assert "Traceback" not in screen and "Continue" in screen
    terminal.press("ctrl+q")
    # quit before submitting: 130 (README's exit codes)
    assert terminal.wait_for_exit(EXIT_SECONDS) == "status 130", terminal.history()
