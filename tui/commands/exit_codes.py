"""The exit statuses of workmail-export, defined once for every command and face.

The README's exit code table is this table (a test compares them).
"""

from __future__ import annotations

OK = 0
AWS_ERROR = 1
BAD_USAGE = 2
CHECK_ERRORS = 3
JOB_UNSUCCESSFUL = 4
EXPORT_NOT_PROVEN = 5
NOT_DELIVERED = 6
NOT_VERIFIED = 7
INTERRUPTED = 130
STDOUT_CLOSED = 141  # as a Unix tool killed by SIGPIPE: 128 + 13

MEANINGS: dict[int, str] = {
    OK: "done: checks passed, job started, job described, listed or cancelled; setup planned "
        "or applied",
    AWS_ERROR: "AWS refused or failed a call (the exception, message and hint are on stderr)",
    BAD_USAGE: ("bad flag or value, a state file path that holds something else, or a "
                "missing extra (one line on stderr names it); batch --resume of an unknown "
                "run, or of one another process drives"),
    CHECK_ERRORS: "a preflight check found an error (check; start without --force; "
                  "the wizard when quitting with errors); setup: something no change can fix",
    JOB_UNSUCCESSFUL: ("status --wait: the job ended FAILED or CANCELLED; batch (or the "
                       "wizard's bulk run): a mailbox ended FAILED or CANCELLED"),
    EXPORT_NOT_PROVEN: ("verify, download, inspect, convert: an export is missing, not "
                        "complete, differs from its log (size, sha384, counts) or has no log "
                        "to compare with"),
    NOT_DELIVERED: ("deliver: a message was not delivered (too large or refused by the "
                    "server), or the zip holds fewer messages than its log counts"),
    NOT_VERIFIED: ("no check found an error, but some could not be made (AWS did not answer, "
                   "or a read permission is missing), so the export is not verified (check; "
                   "start without --force)"),
    INTERRUPTED: ("interrupted (Ctrl-C), stdin closed, quit before submitting, or quit with "
                  "a bulk run paused; setup --apply answered no"),
    STDOUT_CLOSED: ("standard output was closed before everything was written (e.g. piped "
                    "into head); nothing is printed about it"),
}
