"""Background loops that survive errors must still stop when cancelled."""

from __future__ import annotations

import asyncio


def stop_if_cancelled() -> None:
    """Raise CancelledError when the running task was asked to stop.

    Call it in a loop's `except Exception` branch: a library that turns our
    cancellation into another error (a rollback that fails on the connection the
    cancellation broke) would otherwise have the loop carry on, and whoever
    awaits the cancelled task waits forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
