"""`python -m tui` runs the same entry point as the `workmail-export` script."""

from tui.cli import main

raise SystemExit(main())
