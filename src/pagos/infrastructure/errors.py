"""Driver errors that mean a store or broker is unreachable rather than that a request was wrong."""

from __future__ import annotations

from pymongo.errors import ConnectionFailure
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# The HTTP layer returns 503 and Retry-After for these instead of 500, because
# the request was valid and may succeed once the dependency is back.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionFailure,
    ConnectionError,
    TimeoutError,
)


def is_unavailable(error: BaseException) -> bool:
    """Return whether ``error`` means a dependency is down, including a DBAPI error whose connection was lost."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNAVAILABLE_ERRORS)
