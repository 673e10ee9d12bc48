"""Domain errors, mapped to HTTP/TAXII bodies in one place (``warroom.api.errors``) and to one
line CLI messages (``warroom.cli``)."""

from __future__ import annotations

from typing import Any


class WarroomError(Exception):
    """Base class; ``status`` is the HTTP status the API answers with."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(WarroomError):
    status = 400
    title = "Invalid input"


class InvalidStix(WarroomError):
    status = 422
    title = "Invalid STIX content"


class PolicyViolation(WarroomError):
    status = 422
    title = "Refused by the sharing policy"


class Unauthorized(WarroomError):
    status = 401
    title = "Authentication required"


class Forbidden(WarroomError):
    status = 403
    title = "Forbidden"


class NotFound(WarroomError):
    status = 404
    title = "Not found"


class Conflict(WarroomError):
    status = 409
    title = "Conflict"


class TooLarge(WarroomError):
    status = 413
    title = "Request too large"


class NotAcceptable(WarroomError):
    status = 406
    title = "Not acceptable"


class UnsupportedMediaType(WarroomError):
    status = 415
    title = "Unsupported media type"


class TooManyRequests(WarroomError):
    status = 429
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
