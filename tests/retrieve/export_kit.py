"""What the retrieve tests share by import (a module of its own name, not conftest, so it is
found when several test folders with a conftest.py run together)."""

from __future__ import annotations

from collections.abc import Callable

from tui.core.model import ExportJob

# The `completed` fixture: completed(layout="folders", entity="", bytes_per_mb=None) -> job
Completed = Callable[..., ExportJob]
