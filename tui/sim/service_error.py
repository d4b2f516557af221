"""The modeled WorkMail errors the simulator raises; the wire layer turns them into JSON 1.1."""

from __future__ import annotations


class WorkMailError(Exception):
    """A modeled exception of the workmail service: `code` is its shape name."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def invalid_parameter(message: str) -> WorkMailError:
    return WorkMailError("InvalidParameterException", message)


def entity_not_found(message: str) -> WorkMailError:
    return WorkMailError("EntityNotFoundException", message)
