"""Any exception from a wizard call, as an AwsProblem a face can show as sentences.

The core raises CoreError for every expected failure; anything else (a botocore error the
core did not wrap, a bug) still reaches the person as a sentence, never a traceback.
"""

from __future__ import annotations

from tui.core.model import AwsProblem, CoreError
from tui.core.state_files import NotOurs


def problem_of(error: BaseException, operation: str = "") -> AwsProblem:
    """The problem carried by a CoreError, else the core's translation, else a plain report."""
    if isinstance(error, CoreError):
        return error.problem
    if isinstance(error, NotOurs):  # a file in the way that the tool did not make
        return AwsProblem(code="NotOurs", message=str(error), operation=operation,
                          hint="Move that file away if it is not needed, or choose another "
                               "place (--report-dir, --journal, WORKMAIL_EXPORT_STATE_DIR).")
    from tui.core.batch.store import StoreError

    if isinstance(error, StoreError):  # its message says where and what to do
        return AwsProblem(code=type(error).__name__, message=str(error), operation=operation,
                          hint="See the message for what to do; a run can be resumed once "
                               "that is fixed.")
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
