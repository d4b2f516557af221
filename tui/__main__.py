"""`python -m tui` runs the same entry point as the `workmail-export` script."""

from tui.cli import run_as_program

run_as_program()
