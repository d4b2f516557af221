"""Any exception from a wizard call, as an AwsProblem a face can show as sentences.

The core raises CoreError for every expected failure; anything else (a botocore error the
core did not wrap, a bug) still reaches the person as a sentence, never a traceback.
"""

from __future__ import annotations

from tui.core.model import AwsProblem, CoreError


def problem_of(error: BaseException, operation: str = "") -> AwsProblem:
    """The problem carried by a CoreError, else the core's translation, else a plain report."""
    if isinstance(error, CoreError):
        return error.problem
    try:
        from tui.core.errors import translate

        return translate(error, operation)
    except Exception:  # the translator itself failed: say what we know
        return AwsProblem(
            code=type(error).__name__,
            message=str(error) or repr(error),
            hint="This was not expected; please report it with the step you were on.",
            operation=operation,
        )
